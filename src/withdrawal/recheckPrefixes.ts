/**
 * Prefix snapshots an object's change ends. A prefix torrent is a snapshot of the objects under
 * its prefix with their ETags: a member deleted, overwritten or no longer public revokes it (the
 * next request takes a new snapshot without it), so that the tracker and the seeder stop the
 * swarm within seconds, as they do for a single object. A bucket-level change revokes every
 * snapshot of the bucket: they are rebuilt from their members' hashes on the next request.
 */
import { JobType, sendHashJobs } from '../queue/index.js';
import { RecordState, StalePrefixRecordError } from '../records/index.js';
import { MAX_PREFIX_SEGMENTS } from '../torrent/index.js';
import type { PrefixMember, PrefixRecord } from '../records/index.js';
import type { Readability } from '../storage/index.js';
import type { WithdrawalContext } from './context.js';
import { isStale } from './recheckRecord.js';
import { RECHECK_CONCURRENCY, forEachBounded } from './recheckRecords.js';

/** Deepest prefix whose snapshot an object event re-checks: the API refuses deeper ones. */
const MAX_PREFIX_DEPTH = MAX_PREFIX_SEGMENTS;

/** A snapshot in one of these states may still be (or become) served: a change of a member ends it. */
const LIVE_STATES: ReadonlySet<string> = new Set([RecordState.Ready, RecordState.Pending, RecordState.Hashing]);

/**
 * Every prefix a key is under, shortest first, at most `maxDepth` of them: `a/b/c.txt` →
 * `a/`, `a/b/`. A key ending in `/` (a folder marker) is not under itself.
 */
function ancestorPrefixes(key: string, maxDepth: number): string[] {
  const prefixes: string[] = [];
  for (let end = key.indexOf('/'); end !== -1 && end < key.length - 1 && prefixes.length < maxDepth; end = key.indexOf('/', end + 1)) {
    prefixes.push(key.slice(0, end + 1));
  }
  return prefixes;
}

/** Revokes exactly this snapshot; false when the prefix has moved on to another one meanwhile (its own request checked S3 afresh). */
async function revokeSnapshot(context: WithdrawalContext, record: PrefixRecord, reason: string): Promise<boolean> {
  try {
    return (await context.records.prefixes.markRevoked(record.bucket, record.prefix, reason, { snapshotId: record.snapshotId })) !== undefined;
  } catch (error) {
    if (error instanceof StalePrefixRecordError) return false;
    throw error;
  }
}

/** Why a member ends its snapshot, from S3's answer now; undefined while S3 still serves the member's version. */
function memberGone(member: PrefixMember, readable: Readability): string | undefined {
  if (readable.kind === 'public') return readable.etag === member.etag ? undefined : `replaced: S3 now serves ETag ${readable.etag}`;
  if (readable.kind === 'missing') return 'deleted';
  if (readable.kind === 'forbidden') return 'no longer public';
  return 'served to no anonymous request';
}

/** What became of the snapshots above one changed object, for logs and tests. */
interface PrefixRecheck {
  /** Prefixes whose live snapshot listed the object. */
  readonly checked: number;
  /** Of those, the ones revoked. */
  readonly revoked: ReadonlyArray<string>;
}

/**
 * After an event about one object: revokes every live snapshot of a prefix above it that lists it
 * and whose version of it S3 no longer serves to anyone. S3 is asked once, only when some
 * snapshot lists the object.
 */
async function recheckSnapshotsOf(context: WithdrawalContext, bucket: string, key: string, trigger: string): Promise<PrefixRecheck> {
  const { prefixes } = context.records;
  let readable: Readability | undefined;
  let checked = 0;
  const revoked: string[] = [];
  for (const prefix of ancestorPrefixes(key, MAX_PREFIX_DEPTH)) {
    const record = await prefixes.get(bucket, prefix);
    if (record === undefined || !LIVE_STATES.has(record.state)) continue;
    const member = (await prefixes.members(record, context.readArtifact)).find((m) => m.key === key);
    if (member === undefined) continue;
    checked += 1;
    readable ??= await context.readability(bucket, key);
    const why = memberGone(member, readable);
    if (why === undefined) continue;
    if (await revokeSnapshot(context, record, `member ${key} ${why} (${trigger})`)) revoked.push(prefix);
  }
  return { checked, revoked };
}

/** After a bucket-level change: every live snapshot of the bucket is revoked (rebuilt on the next request). */
async function revokeSnapshotsOfBucket(context: WithdrawalContext, bucket: string, trigger: string): Promise<string[]> {
  const revoked: string[] = [];
  for await (const record of context.records.prefixes.prefixesOfBucket(bucket)) {
    if (!LIVE_STATES.has(record.state)) continue;
    if (await revokeSnapshot(context, record, `bucket-level access change (${trigger})`)) revoked.push(record.prefix);
  }
  return revoked;
}

/** States the sweep looks at: READY snapshots' members are re-checked, unfinished jobs re-queued if lost. */
const SWEPT_STATES: readonly RecordState[] = [RecordState.Ready, RecordState.Pending, RecordState.Hashing];

/**
 * Every READY, PENDING or HASHING snapshot: by the byBucket index, bucket after bucket (the
 * checker's role may query, not scan); with `'*'` (local stack) by one scan of the table.
 */
async function* sweptSnapshots(context: WithdrawalContext): AsyncGenerator<PrefixRecord> {
  if (context.publishedBuckets === '*') {
    yield* context.records.prefixes.listInStates(SWEPT_STATES);
    return;
  }
  for (const bucket of [...context.publishedBuckets].sort()) {
    for await (const record of context.records.prefixes.prefixesOfBucket(bucket)) {
      if (SWEPT_STATES.includes(record.state)) yield record;
    }
  }
}

/**
 * A PENDING/HASHING snapshot left alone `staleJobMs` (its job lost: a message that went to the
 * dead-letter queue, a local stack stopped mid-job) gets its job queued again, as an object's
 * does; one sweep wins the claim. The job goes on from the artifacts already written.
 */
async function requeueIfStale(context: WithdrawalContext, record: PrefixRecord): Promise<boolean> {
  if (!isStale(context, record) || !(await context.records.prefixes.claimStale(record))) return false;
  const { bucket, prefix, snapshotId } = record;
  await sendHashJobs(context.sqs, context.hashQueueUrl, [{ type: JobType.Prefix, bucket, prefix, snapshotId }]);
  return true;
}

/** What one sweep did to prefix snapshots, for its log line and tests. */
interface SnapshotSweep {
  /** READY snapshots whose members were asked of S3. */
  readonly checked: number;
  /** `<bucket>/<prefix>` of the snapshots revoked. */
  readonly revoked: string[];
  /** `<bucket>/<prefix>` of the unfinished snapshots whose job was queued again. */
  readonly requeued: string[];
}

/**
 * The sweep's part for prefix torrents, the safety net for lost events and for S3s that send none
 * for ACL changes (Ceph RGW): every READY snapshot's members are asked of S3 (RECHECK_CONCURRENCY
 * at once), and a snapshot with a member S3 no longer serves in its version is revoked; a lost
 * prefix job is queued again. Stops starting snapshots at `deadline`; the next sweep starts over.
 */
async function sweepSnapshots(context: WithdrawalContext, trigger: string, deadline: number): Promise<SnapshotSweep> {
  const revoked: string[] = [];
  const requeued: string[] = [];
  let checked = 0;
  for await (const record of sweptSnapshots(context)) {
    if ((context.now ?? Date.now)() >= deadline) break;
    if (record.state !== RecordState.Ready) {
      if (await requeueIfStale(context, record)) requeued.push(`${record.bucket}/${record.prefix}`);
      continue;
    }
    checked += 1;
    const members = await context.records.prefixes.members(record, context.readArtifact);
    let gone: string | undefined;
    await forEachBounded(members, RECHECK_CONCURRENCY, async (member) => {
      if (gone !== undefined) return;
      const why = memberGone(member, await context.readability(record.bucket, member.key));
      if (why !== undefined) gone ??= `member ${member.key} ${why} (${trigger})`;
    });
    if (gone !== undefined && (await revokeSnapshot(context, record, gone))) revoked.push(`${record.bucket}/${record.prefix}`);
  }
  return { checked, revoked, requeued };
}

export { ancestorPrefixes, recheckSnapshotsOf, revokeSnapshotsOfBucket, sweepSnapshots };
export type { PrefixRecheck, SnapshotSweep };
