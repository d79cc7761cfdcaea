import { memberHashesAt } from '../prefixes/index.js';
import type { KnownRecord } from '../prefixes/index.js';
import { sendHashJobs } from '../queue/index.js';
import type { PrefixJob } from '../queue/index.js';
import { BATCH_GET_KEYS, RecordState, StalePrefixRecordError } from '../records/index.js';
import type { ObjectRecord, PrefixMember, PrefixRecord, RecordStore } from '../records/index.js';
import { ObjectChangedError, ObjectMissingError, ObjectNotPublicError, artifactReader } from '../storage/index.js';
import { assemblePrefixTorrents } from './assemblePrefixTorrents.js';
import type { CollectedMember } from './assemblePrefixTorrents.js';
import type { HashJobContext } from './settings.js';

/**
 * Bytes one prefix job reads and hashes at most (members whose hashes are neither in their own
 * record nor in an artifact), then it sends itself again and the next delivery goes on from the
 * artifacts written: 2 GiB, even read as one stream at the slowest rate planned for (10 MB/s,
 * docs/sizing.md), is ~215 s, inside the hash-worker's 5-minute timeout. Members already started
 * finish, so one invocation may go past it by what is in flight.
 */
const MAX_PREFIX_JOB_HASH_BYTES = 2 * 1024 ** 3;

/** Members whose hashes are fetched at once: each is a record read, an artifact read or a stream of GETs. */
const MEMBER_CONCURRENCY = 8;

/**
 * Reads the members' own records BATCH_GET_KEYS at a time (RecordStore.getMany), one batch ahead
 * of the workers: a thousand warm members cost ten reads, not a thousand. Workers take indexes in
 * order and ask for their record at once, so when a batch is first asked for, every member of the
 * one before it already has its record: at most two batches are held.
 */
function memberRecordReader(records: Pick<RecordStore, 'getMany'>, bucket: string, members: ReadonlyArray<PrefixMember>): (index: number) => Promise<KnownRecord> {
  const batches = new Map<number, Promise<Map<string, ObjectRecord>>>();
  const batchOf = (batch: number): Promise<Map<string, ObjectRecord>> => {
    let read = batches.get(batch);
    if (read === undefined) {
      // Zero-byte members need no record (memberHashesAt answers them first).
      const keys = members.slice(batch * BATCH_GET_KEYS, (batch + 1) * BATCH_GET_KEYS).filter((member) => member.size > 0).map((member) => member.key);
      read = keys.length === 0 ? Promise.resolve(new Map()) : records.getMany(bucket, keys);
      // A batch read ahead that fails is reported by the worker that awaits it, not as an unhandled rejection.
      read.catch(() => undefined);
      batches.set(batch, read);
    }
    return read;
  };
  let current = -1;
  return async (index) => {
    const batch = Math.floor(index / BATCH_GET_KEYS);
    if (batch > current) {
      current = batch;
      batches.delete(batch - 1);
      if ((batch + 1) * BATCH_GET_KEYS < members.length) void batchOf(batch + 1);
    }
    const found = await batchOf(batch);
    return { record: found.get((members[index] as PrefixMember).key) };
  };
}

/** Most often the job writes its progress (membersDone) to the record: a 202 shows it; a write per member would cost too much. */
const PROGRESS_INTERVAL_MS = 1_000;

type PrefixJobOutcome =
  | { readonly kind: 'ready' }
  | { readonly kind: 'continued'; readonly membersDone: number }
  | { readonly kind: 'dropped'; readonly reason: string };

/**
 * Every member's hashes at the snapshot's piece length, or undefined when the byte budget ran out
 * first (what was hashed is kept in artifacts by memberHashesAt).
 */
async function collectHashes(context: HashJobContext, record: PrefixRecord, members: ReadonlyArray<PrefixMember>, budget: number): Promise<CollectedMember[] | undefined> {
  const { bucket, prefix, snapshotId, pieceLength } = record;
  const collected = new Array<CollectedMember | undefined>(members.length);
  let next = 0;
  let done = 0;
  let hashedBytes = 0;
  let reportedAt = Date.now();
  const recordOf = memberRecordReader(context.records, bucket, members);
  const worker = async (): Promise<void> => {
    while (next < members.length && hashedBytes < budget) {
      const index = next;
      next += 1;
      const member = members[index] as PrefixMember;
      const { hashes, source } = await memberHashesAt(context, { ...member, bucket }, pieceLength, await recordOf(index));
      if (source === 'hashed') hashedBytes += member.size;
      collected[index] = { key: member.key, size: member.size, v1: hashes.v1, v1PaddedTail: hashes.v1PaddedTail, v2: hashes.v2 };
      done += 1;
      if (Date.now() - reportedAt >= PROGRESS_INTERVAL_MS) {
        reportedAt = Date.now();
        await context.records.prefixes.progress(bucket, prefix, snapshotId, done);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(MEMBER_CONCURRENCY, members.length) }, worker));
  if (done < members.length) {
    await context.records.prefixes.progress(bucket, prefix, snapshotId, done);
    return undefined;
  }
  return collected as CollectedMember[];
}

/** Why a member's read makes the snapshot wrong, or undefined for other errors. */
function memberWithdrawn(error: unknown): string | undefined {
  if (error instanceof ObjectChangedError) return `member ${error.key} changed`;
  if (error instanceof ObjectMissingError) return `member ${error.key} was deleted`;
  // Not named: the object is private now, and record reasons reach operators' tools.
  if (error instanceof ObjectNotPublicError) return 'a member is no longer anonymously readable';
  return undefined;
}

/**
 * Builds one prefix snapshot's torrents: gets every member's hashes at the snapshot's piece
 * length (concurrency 8, at most MAX_PREFIX_JOB_HASH_BYTES read per delivery, then it re-queues
 * itself), assembles both formats and marks the snapshot READY. A job for a snapshot that is not
 * the record's, or not PENDING/HASHING, is dropped. A member changed, deleted or made private
 * revokes the snapshot: the next request lists the prefix again and takes a new one.
 */
async function processPrefixJob(context: HashJobContext, job: PrefixJob, budget = MAX_PREFIX_JOB_HASH_BYTES): Promise<PrefixJobOutcome> {
  const { bucket, prefix, snapshotId } = job;
  const prefixes = context.records.prefixes;
  try {
    const record = await prefixes.get(bucket, prefix);
    if (record?.snapshotId !== snapshotId) return { kind: 'dropped', reason: 'the prefix holds another snapshot' };
    if (record.state !== RecordState.Pending && record.state !== RecordState.Hashing) return { kind: 'dropped', reason: `prefix record is ${record.state}` };
    const hashing = await prefixes.startHashing(bucket, prefix, snapshotId);
    const members = await prefixes.members(hashing, artifactReader(context));
    const collected = await collectHashes(context, hashing, members, budget);
    if (collected === undefined) {
      await sendHashJobs(context.sqs, context.hashQueueUrl, [job]);
      return { kind: 'continued', membersDone: (await prefixes.get(bucket, prefix))?.membersDone ?? 0 };
    }
    const torrents = await assemblePrefixTorrents(context, hashing, collected);
    await prefixes.markReady(bucket, prefix, snapshotId, torrents);
    return { kind: 'ready' };
  } catch (error) {
    if (error instanceof StalePrefixRecordError) return { kind: 'dropped', reason: error.message };
    const withdrawn = memberWithdrawn(error);
    if (withdrawn === undefined) throw error;
    await prefixes.markRevoked(bucket, prefix, withdrawn, { snapshotId }).catch((stale: unknown) => {
      if (!(stale instanceof StalePrefixRecordError)) throw stale;
    });
    return { kind: 'dropped', reason: withdrawn };
  }
}

export { MAX_PREFIX_JOB_HASH_BYTES, MEMBER_CONCURRENCY, processPrefixJob };
export type { PrefixJobOutcome };
