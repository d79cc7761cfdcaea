import { JobType, sendHashJobs } from '../queue/index.js';
import { RecordState, readyVersion, republishRecord } from '../records/index.js';
import type { ObjectRecord, StoredTorrent } from '../records/index.js';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ServiceClients } from '../serviceClients.js';
import { ForbiddenReason, readStoredTorrent } from '../storage/index.js';
import type { Readability } from '../storage/index.js';
import { MAX_S3_OBJECT_SIZE, TorrentFormat, magnetOfTorrent, parseTorrent, torrentNameForKey } from '../torrent/index.js';
import { contentDisposition } from './contentDisposition.js';
import { servePrefixTorrent } from './servePrefixTorrent.js';
import { s3Error } from './s3Errors.js';
import type { ApiReply } from './s3Errors.js';
import type { CachedTorrent, TorrentCache } from './torrentCache.js';
import { pathRefusal } from './validation.js';

/** How often a waiting request looks at the record again. */
const POLL_INTERVAL_MS = 150;

interface TorrentRequest {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  /** The `format` query parameter, if any. */
  readonly format: string | undefined;
  readonly requestId: string;
}

interface TorrentApiContext extends ServiceClients {
  /** Buckets this deployment publishes; `'*'` publishes any bucket (local stack). */
  readonly publishedBuckets: ReadonlySet<string> | '*';
  readonly defaultFormat: TorrentFormat;
  /** How long a first request waits for hashing before answering 202. */
  readonly waitMs: number;
  /** Larger torrents are answered with a 307 to a presigned URL (Lambda's response limit). */
  readonly maxResponseTorrentBytes: number;
  /** READY torrents of this process, by ETag; served only once S3 and the record vouch for them (`cachedTorrent`). */
  readonly cache: TorrentCache;
  /** A presigned GET URL of an artifact, for torrents too large for a response. */
  readonly presignArtifact: (artifactKey: string) => Promise<string>;
  /** Signed client that lists published buckets for prefix torrents (s3:ListBucket: metadata only, never object bytes). */
  readonly listingS3: S3Client;
  /** Path-style base of S3's public URLs, where the API's webseed redirects (src/api/serveWebseed.ts); undefined: no webseeds. */
  readonly webseedBaseUrl: string | undefined;
}

function torrentBytes(context: TorrentApiContext, stored: StoredTorrent): Promise<Uint8Array> {
  return readStoredTorrent(context.artifactsS3, context.artifactsBucket, stored);
}

function torrentHeaders(request: TorrentRequest, etag: string, torrent: { infoHashV1: string; infoHashV2?: string | undefined }): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-bittorrent',
    // Only a hybrid torrent has a v2 infohash: the name follows what the bytes are.
    'content-disposition': contentDisposition(torrentNameForKey(request.key), torrent.infoHashV2 === undefined ? TorrentFormat.V1 : TorrentFormat.Hybrid),
    etag,
    'x-s3torrent-infohash-v1': torrent.infoHashV1,
    'x-amz-request-id': request.requestId,
    'cache-control': 'no-cache',
  };
  if (torrent.infoHashV2 !== undefined) headers['x-s3torrent-infohash-v2'] = torrent.infoHashV2;
  return headers;
}

function torrentReply(request: TorrentRequest, etag: string, torrent: CachedTorrent): ApiReply {
  const headers = {
    ...torrentHeaders(request, etag, torrent),
    'content-length': String(torrent.bytes.length),
    // The same torrent as a link: clients that take magnets need not download the file.
    'x-s3torrent-magnet': torrent.magnet,
  };
  return { status: 200, headers, body: request.method === 'HEAD' ? '' : torrent.bytes };
}

async function readyReply(context: TorrentApiContext, request: TorrentRequest, record: ObjectRecord, format: TorrentFormat): Promise<ApiReply> {
  const torrents = record.torrents as NonNullable<ObjectRecord['torrents']>;
  const stored = format === TorrentFormat.Hybrid ? torrents.hybrid : torrents.v1;
  if (stored.artifactKey !== undefined && stored.bytes > context.maxResponseTorrentBytes) {
    const location = await context.presignArtifact(stored.artifactKey);
    return { status: 307, headers: { ...torrentHeaders(request, record.etag, stored), location }, body: '' };
  }
  const bytes = await torrentBytes(context, stored);
  const magnet = magnetOfTorrent(parseTorrent(bytes));
  const torrent = { bytes, infoHashV1: stored.infoHashV1, infoHashV2: stored.infoHashV2, magnet };
  context.cache.set(request.bucket, request.key, record.etag, format, torrent);
  return torrentReply(request, record.etag, torrent);
}

function progressReply(record: ObjectRecord, request: TorrentRequest, retryAfterSeconds: number): ApiReply {
  const piecesTotal = record.pieceCount ?? 0;
  const segmentsTotal = record.segmentsTotal ?? 0;
  const piecesDone = segmentsTotal === 0 ? 0 : Math.floor((piecesTotal * (record.segmentsDone ?? 0)) / segmentsTotal);
  const body = JSON.stringify({ state: record.state, piecesDone, piecesTotal });
  return {
    status: 202,
    headers: { 'content-type': 'application/json', 'retry-after': String(retryAfterSeconds), 'x-amz-request-id': request.requestId },
    body: request.method === 'HEAD' ? '' : body,
  };
}

/**
 * The torrent this process cached for the object's current ETag, if the record is READY for that
 * ETag with that very torrent now. S3 has just said the object is public and which ETag it has,
 * but the cache alone cannot tell whether the record is still READY: the same ETag comes back
 * after A → B → A on one key or after a revocation, and is then hashed again (other processes
 * may have seen that; this one may not). A small consistent read of the record's state answers
 * it; anything but READY with the same infohash drops the entry and takes the full path.
 */
async function cachedTorrent(context: TorrentApiContext, request: TorrentRequest, etag: string, format: TorrentFormat): Promise<CachedTorrent | undefined> {
  const { bucket, key } = request;
  const cached = context.cache.get(bucket, key, etag, format);
  if (cached === undefined) return undefined;
  const ready = await readyVersion(context.records, bucket, key);
  const infoHashV1 = format === TorrentFormat.Hybrid ? ready?.infoHashV1.hybrid : ready?.infoHashV1.v1;
  if (ready?.etag === etag && infoHashV1 === cached.infoHashV1) return cached;
  context.cache.delete(bucket, key, etag, format);
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** S3's code for a bucket that does not exist. */
const NO_SUCH_BUCKET = 'NoSuchBucket';

/**
 * The reply to an object S3 does not serve to the public. Readable from here but not public to
 * the internet is refused exactly as a private object (no record, no job); the message tells the
 * publisher why. A 404 or 400 says no more than its status: S3's own code and message are
 * asked for (`explain`) to tell a missing bucket from a missing key, and to say why S3 will not
 * serve an object to anyone anonymously (an SSE-C object, for one).
 */
async function refusal(context: TorrentApiContext, request: TorrentRequest, readable: Exclude<Readability, { kind: 'public' }>): Promise<ApiReply> {
  const { bucket, key, requestId } = request;
  const resource = `/${bucket}/${key}`;
  if (readable.kind === 'forbidden') {
    const detail = readable.reason === ForbiddenReason.NetworkOnly ? `Access Denied: the object is ${readable.reason}.` : undefined;
    return s3Error('AccessDenied', resource, requestId, detail);
  }
  const why = await context.publicAccess.explain(bucket, key);
  if (readable.kind === 'missing') {
    return why?.code === NO_SUCH_BUCKET ? s3Error('NoSuchBucket', resource, requestId, 'The specified bucket does not exist.') : s3Error('NoSuchKey', resource, requestId);
  }
  const s3Said = why === undefined ? '400 Bad Request' : `${why.status} ${why.code}${why.message === undefined ? '' : `: ${why.message}`}`;
  return s3Error('InvalidArgument', resource, requestId,
    `S3 will not serve the object anonymously (${s3Said}), so it cannot be published. ` +
    'An object encrypted with a customer-provided key (SSE-C), for one, is served only to requests that send the key.');
}

/**
 * Answers `GET|HEAD /{bucket}/{key}?torrent`, S3-compatible (a key ending in `/`: the prefix's
 * torrent, servePrefixTorrent.ts): S3 decides readability (an
 * unsigned HEAD, and S3's own verdict that the access is public: see PublicAccess); a READY record for the object's current ETag is served; otherwise exactly one
 * job per bucket/key/ETag is queued and the request waits up to `waitMs` for it before
 * answering 202 with progress.
 */
async function serveTorrent(context: TorrentApiContext, request: TorrentRequest): Promise<ApiReply> {
  const { bucket, key, requestId } = request;
  const resource = `/${bucket}/${key}`;
  if (request.method !== 'GET' && request.method !== 'HEAD') return s3Error('MethodNotAllowed', resource, requestId);
  const badPath = pathRefusal(bucket, key, requestId);
  if (badPath !== undefined) return badPath;
  const format = request.format ?? context.defaultFormat;
  if (format !== TorrentFormat.V1 && format !== TorrentFormat.Hybrid) {
    return s3Error('InvalidArgument', resource, requestId, `format must be v1 or hybrid, not "${format}".`);
  }
  if (context.publishedBuckets !== '*' && !context.publishedBuckets.has(bucket)) return s3Error('NoSuchBucket', resource, requestId);
  // A key ending in `/` names a prefix: one torrent of the public objects under it.
  if (key.endsWith('/')) return servePrefixTorrent(context, request, format);

  const readable = await context.publicAccess.check(bucket, key);
  if (readable.kind !== 'public') return refusal(context, request, readable);
  if (readable.size === 0) return s3Error('InvalidArgument', resource, requestId, 'An empty object cannot be made into a torrent.');
  if (readable.size > MAX_S3_OBJECT_SIZE) return s3Error('InvalidArgument', resource, requestId, 'The object is larger than 5 TiB.');

  const cached = await cachedTorrent(context, request, readable.etag, format);
  if (cached !== undefined) return torrentReply(request, readable.etag, cached);

  let record = await context.records.get(bucket, key);
  if (record?.state === RecordState.Revoked) {
    // Undoing a revocation needs S3's word of now, not a bucket verdict cached before the change
    // that caused it (a policy narrowed to our network is invisible to the HEAD): ask afresh.
    context.publicAccess.forgetBucket(bucket);
    const fresh = await context.publicAccess.check(bucket, key);
    if (fresh.kind !== 'public') return refusal(context, request, fresh);
    if (fresh.etag !== readable.etag) return progressReply(record, request, 5);
  }
  if (record?.state === RecordState.Revoked && record.etag === readable.etag && record.torrents !== undefined) {
    // S3 has just served this very version anonymously: public again, and its torrents are
    // still right. READY again without hashing (whoever loses the race reads the winner's record).
    record = (await republishRecord(context.records, bucket, key, record.etag)) ?? (await context.records.get(bucket, key));
  }
  if (record?.state !== RecordState.Ready || record.etag !== readable.etag) {
    // S3 has just called the object public: a REVOKED record of it (one without torrents yet, or
    // of another ETag) is public again and gets hashed.
    const ensured = await context.records.ensurePending(bucket, key, readable.etag, readable.size, { reinstateRevoked: true });
    record = ensured.record;
    if (ensured.enqueue) {
      await sendHashJobs(context.sqs, context.hashQueueUrl, [
        { type: JobType.Object, bucket, key, etag: readable.etag, size: readable.size },
      ]);
    }
    const deadline = Date.now() + context.waitMs;
    while (record.state !== RecordState.Ready && record.state !== RecordState.Failed && Date.now() < deadline) {
      await sleep(POLL_INTERVAL_MS);
      record = (await context.records.get(bucket, key)) ?? record;
      if (record.etag !== readable.etag) break; // overwritten meanwhile: never serve the other version
    }
  }
  if (record.etag !== readable.etag || record.state === RecordState.Revoked) return progressReply(record, request, 5);
  if (record.state === RecordState.Failed) {
    return s3Error('InternalError', resource, requestId, `Hashing failed: ${record.reason ?? 'unknown reason'}.`);
  }
  if (record.state !== RecordState.Ready) return progressReply(record, request, 5);
  return readyReply(context, request, record, format);
}

export { serveTorrent };
export type { TorrentApiContext, TorrentRequest };
