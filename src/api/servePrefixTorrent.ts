import { planSnapshot, prefixProblem, storeMembers } from '../prefixes/index.js';
import type { PrefixSnapshotPlan } from '../prefixes/index.js';
import { JobType, sendHashJobs } from '../queue/index.js';
import { RecordState } from '../records/index.js';
import type { PrefixRecord } from '../records/index.js';
import { ListingDeniedError, ListingLimit, NoSuchBucketError, PrefixTooLargeError, listPrefix, readStoredTorrent } from '../storage/index.js';
import type { PrefixListing } from '../storage/index.js';
import { TorrentFormat, magnetOfTorrent, parseTorrent, torrentNameForPrefix } from '../torrent/index.js';
import { contentDisposition } from './contentDisposition.js';
import { s3Error } from './s3Errors.js';
import type { ApiReply } from './s3Errors.js';
import type { TorrentApiContext, TorrentRequest } from './serveTorrent.js';

/** How often a waiting request looks at the prefix record again (as for objects). */
const POLL_INTERVAL_MS = 150;

/** Retry-After of a 202: the prefix job reports progress about once a second; a client need not ask more often than this. */
const RETRY_AFTER_SECONDS = 5;

/** The header that says how many objects under the prefix were left out (not public); never which. */
const EXCLUDED_HEADER = 'x-s3torrent-excluded-objects';

/** States in which a record of the listing's snapshot is served or waited for, not replaced. */
const LIVE_STATES: ReadonlySet<RecordState> = new Set([RecordState.Ready, RecordState.Pending, RecordState.Hashing]);

type Snapshot = Extract<PrefixSnapshotPlan, { kind: 'snapshot' }>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function progressReply(request: TorrentRequest, progress: { state: RecordState; membersDone: number; membersTotal: number; excluded: number }): ApiReply {
  return {
    status: 202,
    headers: {
      'content-type': 'application/json',
      'retry-after': String(RETRY_AFTER_SECONDS),
      [EXCLUDED_HEADER]: String(progress.excluded),
      'x-amz-request-id': request.requestId,
    },
    body: request.method === 'HEAD' ? '' : JSON.stringify(progress),
  };
}

function recordProgress(request: TorrentRequest, record: PrefixRecord): ApiReply {
  // REVOKED: a member changed while the job ran; the next request lists again and starts over.
  return progressReply(request, { state: record.state, membersDone: record.membersDone, membersTotal: record.memberCount, excluded: record.excludedCount });
}

async function readyReply(context: TorrentApiContext, request: TorrentRequest, record: PrefixRecord, format: TorrentFormat): Promise<ApiReply> {
  const torrents = record.torrents as NonNullable<PrefixRecord['torrents']>;
  const stored = format === TorrentFormat.Hybrid ? torrents.hybrid : torrents.v1;
  const name = torrentNameForPrefix(record.prefix);
  const headers: Record<string, string> = {
    'content-type': 'application/x-bittorrent',
    'content-disposition': contentDisposition(name, format),
    // The snapshot is the prefix's "version": a new listing, a new ETag.
    etag: `"${record.snapshotId}"`,
    'x-s3torrent-infohash-v1': stored.infoHashV1,
    [EXCLUDED_HEADER]: String(record.excludedCount),
    'x-amz-request-id': request.requestId,
    'cache-control': 'no-cache',
  };
  if (stored.infoHashV2 !== undefined) headers['x-s3torrent-infohash-v2'] = stored.infoHashV2;
  if (stored.artifactKey !== undefined && stored.bytes > context.maxResponseTorrentBytes) {
    return { status: 307, headers: { ...headers, location: await context.presignArtifact(stored.artifactKey) }, body: '' };
  }
  const bytes = await readStoredTorrent(context.artifactsS3, context.artifactsBucket, stored);
  headers['content-length'] = String(bytes.length);
  headers['x-s3torrent-magnet'] = magnetOfTorrent(parseTorrent(bytes));
  return { status: 200, headers, body: request.method === 'HEAD' ? '' : bytes };
}

/** The listing, or the reply that says why there is none. */
async function listOrRefuse(context: TorrentApiContext, request: TorrentRequest, resource: string): Promise<PrefixListing | ApiReply> {
  const { bucket, key: prefix, requestId } = request;
  try {
    return await listPrefix(context.listingS3, context.publicAccess, bucket, prefix);
  } catch (error) {
    if (error instanceof NoSuchBucketError) return s3Error('NoSuchBucket', resource, requestId, 'The specified bucket does not exist.');
    if (error instanceof ListingDeniedError) return s3Error('AccessDenied', resource, requestId, 'Access Denied: this deployment may not list the bucket (it needs s3:ListBucket).');
    if (error instanceof PrefixTooLargeError) {
      const what = error.limit === ListingLimit.Files
        ? `more than ${error.bound} objects, the most one torrent lists (MAX_FILES_PER_TORRENT)`
        : `more keys than ${error.bound} listing pages hold (MAX_LISTING_PAGES)`;
      return s3Error('InvalidArgument', resource, requestId, `The prefix holds ${what}: publish a narrower prefix.`);
    }
    throw error;
  }
}

/** The record of the listing's snapshot: the current one when it matches, else a new snapshot (its job queued once). */
async function snapshotRecord(context: TorrentApiContext, bucket: string, prefix: string, snapshot: Snapshot): Promise<PrefixRecord> {
  const current = await context.records.prefixes.get(bucket, prefix);
  if (current?.snapshotId === snapshot.snapshotId && (LIVE_STATES.has(current.state) || current.state === RecordState.Failed)) return current;
  const manifest = await storeMembers(context, bucket, prefix, snapshot.snapshotId, snapshot.members);
  const { record, enqueue } = await context.records.prefixes.takeSnapshot(bucket, prefix, {
    snapshotId: snapshot.snapshotId,
    pieceLength: snapshot.pieceLength,
    totalSize: snapshot.totalSize,
    memberCount: snapshot.members.length,
    excludedCount: snapshot.excludedCount,
    manifest,
  });
  if (enqueue) await sendHashJobs(context.sqs, context.hashQueueUrl, [{ type: JobType.Prefix, bucket, prefix, snapshotId: snapshot.snapshotId }]);
  return record;
}

/**
 * Answers `GET|HEAD /{bucket}/{prefix}/?torrent`: one multi-file torrent of the objects under the
 * prefix that S3 serves to the public. Every request lists the prefix afresh (signed
 * ListObjectsV2, then the public check of each object); the READY snapshot is served when the
 * listing gives its snapshot id, otherwise a new snapshot replaces it and its job is queued, and
 * the request waits up to `waitMs` before answering 202 with progress.
 *
 * 400 for a prefix a torrent cannot carry (a segment empty, `.`, `..` or with a control
 * character; a public member whose path cannot be a file, is under `.pad/`, or is also a folder
 * of others) or too large for one torrent; 404 NoSuchKey when no public member has a byte.
 * `method`, bucket, key and `format` were checked by serveTorrent.
 */
async function servePrefixTorrent(context: TorrentApiContext, request: TorrentRequest, format: TorrentFormat): Promise<ApiReply> {
  // The wait counts from the request's start: the listing already took part of API Gateway's 30 s.
  const deadline = Date.now() + context.waitMs;
  const { bucket, key: prefix, requestId } = request;
  const resource = `/${bucket}/${prefix}`;
  const problem = prefixProblem(prefix);
  if (problem !== undefined) return s3Error('InvalidArgument', resource, requestId, problem);
  const listing = await listOrRefuse(context, request, resource);
  if (!('members' in listing)) return listing;
  const plan = planSnapshot(prefix, listing);
  if (plan.kind === 'inexpressible') return s3Error('InvalidArgument', resource, requestId, plan.detail);
  if (plan.kind === 'empty') return s3Error('NoSuchKey', resource, requestId, 'No object under the prefix is both public and non-empty.');

  let record = await snapshotRecord(context, bucket, prefix, plan);
  while ((record.state === RecordState.Pending || record.state === RecordState.Hashing) && Date.now() < deadline) {
    await sleep(POLL_INTERVAL_MS);
    const now = await context.records.prefixes.get(bucket, prefix);
    if (now === undefined || now.snapshotId !== plan.snapshotId) break; // replaced by a newer listing's snapshot
    record = now;
  }
  if (record.snapshotId !== plan.snapshotId) {
    return progressReply(request, { state: RecordState.Pending, membersDone: 0, membersTotal: plan.members.length, excluded: plan.excludedCount });
  }
  if (record.state === RecordState.Failed) return s3Error('InternalError', resource, requestId, `Building the prefix torrent failed: ${record.reason ?? 'unknown reason'}.`);
  if (record.state !== RecordState.Ready) return recordProgress(request, record);
  return readyReply(context, request, record, format);
}

export { EXCLUDED_HEADER, RETRY_AFTER_SECONDS, servePrefixTorrent };
