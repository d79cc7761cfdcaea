import { combineRanges, hashRange, hashThreadsFor, planSegments } from '../hashing/index.js';
import { JobType, sendHashJobs } from '../queue/index.js';
import type { HashJob, ObjectJob, SegmentJob, UploadEvent } from '../queue/index.js';
import { RecordState, StaleRecordError } from '../records/index.js';
import type { ObjectRecord } from '../records/index.js';
import { ObjectChangedError, ObjectNotPublicError, streamObjectRange } from '../storage/index.js';
import type { Readability } from '../storage/index.js';
import { pieceLengthFor } from '../torrent/index.js';
import { assembleTorrents } from './assembleTorrents.js';
import { processPrefixJob } from './processPrefixJob.js';
import type { HashJobContext } from './settings.js';

/** What became of a job: for logs and metrics, and for tests to assert. */
type JobOutcome =
  | { readonly kind: 'planned'; readonly segments: number }
  | { readonly kind: 'segment-hashed'; readonly index: number; readonly counted: boolean }
  | { readonly kind: 'ready' }
  | { readonly kind: 'continued'; readonly membersDone: number }
  | { readonly kind: 'dropped'; readonly reason: string };

/** Why a version that is not publishable is dropped (and its record revoked). */
function refusal(readable: Exclude<Readability, { kind: 'public' }>): string {
  if (readable.kind === 'forbidden') return `object is ${readable.reason}`;
  return readable.kind === 'missing' ? 'object no longer exists' : 'S3 serves the object to no anonymous request (400; SSE-C, for one)';
}

function isCurrent(record: ObjectRecord | undefined, job: ObjectJob | SegmentJob): record is ObjectRecord {
  return record !== undefined && record.etag === job.etag;
}

/**
 * Hashes one segment of the record's current hashing attempt, records it, and assembles the
 * torrents if it was the last one. `attemptId` is the job's, already checked against the record.
 */
async function hashSegment(context: HashJobContext, job: SegmentJob, attemptId: string): Promise<JobOutcome> {
  const target = { bucket: job.bucket, key: job.key, etag: job.etag };
  const attempt = { ...target, attemptId };
  const range = await hashRange(streamObjectRange(context.anonymousS3, target, job.offset, job.length), {
    size: job.size,
    pieceLength: job.pieceLength,
    offset: job.offset,
    length: job.length,
    threads: hashThreadsFor(job.length, context.settings.hashThreads),
  });
  const result = await context.records.recordSegment(attempt, {
    index: job.index,
    firstPiece: range.firstPiece,
    pieceCount: range.pieceCount,
    offset: range.offset,
    length: range.length,
    v1: range.v1,
    v2: range.v2 as Uint8Array,
    v1PaddedTail: range.v1PaddedTail,
  });
  // Whoever sees the last count assembles; a redelivery after a crash between counting and
  // assembling gets here too, and markReady is idempotent. recordSegment has just checked that
  // the record is still on this attempt: the segments read are this attempt's, never an earlier one's.
  if (result.segmentsDone < result.segmentsTotal) return { kind: 'segment-hashed', index: job.index, counted: result.counted };
  const segments = await context.records.segmentResults(attempt);
  const hashes = combineRanges(segments, job.size, job.pieceLength);
  const torrents = await assembleTorrents(context, target, hashes);
  await context.records.markReady(attempt, torrents, hashes.v1PaddedTail);
  return { kind: 'ready' };
}

/**
 * Plans an object version: checks it is still public (S3's verdict) and unchanged, cuts it into
 * segments, moves the record to HASHING and queues one job per segment (a single segment is
 * hashed right here, with no second message). Sending every segment job again on a redelivery is harmless:
 * a segment is counted once.
 */
async function planObject(context: HashJobContext, job: ObjectJob, record: ObjectRecord): Promise<JobOutcome> {
  const readable = await context.publicAccess.check(job.bucket, job.key);
  if (readable.kind !== 'public') {
    // REVOKED, as for a private object: the API puts it back to PENDING once S3 calls it public
    // (FAILED would stay a 500, and a PENDING record left alone would stay a 202).
    const reason = refusal(readable);
    await context.records.markRevoked(job.bucket, job.key, reason);
    return { kind: 'dropped', reason };
  }
  if (readable.etag !== job.etag) return { kind: 'dropped', reason: 'object changed since the job was queued' };
  const pieceLength = record.pieceLength ?? pieceLengthFor(job.size);
  const segments = planSegments(job.size, pieceLength, context.settings.segmentBytes);
  const hashing = await context.records.startHashing(job.bucket, job.key, job.etag, {
    pieceLength,
    pieceCount: segments.reduce((n, s) => n + s.pieceCount, 0),
    segmentsTotal: segments.length,
  });
  // A redelivered job gets the same attempt back: segments already counted stay counted.
  const { attemptId } = hashing;
  const segmentJobs: SegmentJob[] = segments.map((s) => ({
    type: JobType.Segment,
    bucket: job.bucket,
    key: job.key,
    etag: job.etag,
    size: job.size,
    pieceLength,
    index: s.index,
    offset: s.offset,
    length: s.length,
    attemptId,
  }));
  const [only] = segmentJobs;
  if (segmentJobs.length === 1 && only !== undefined) return hashSegment(context, only, attemptId);
  await sendHashJobs(context.sqs, context.hashQueueUrl, segmentJobs);
  return { kind: 'planned', segments: segmentJobs.length };
}

/**
 * An upload pre-warms its torrent, as if someone had asked for it: uploads that are not public
 * (S3 decides: private, or readable from our network only) are left alone and get no record,
 * and exactly one job per ETag proceeds.
 */
async function prewarmUpload(context: HashJobContext, event: UploadEvent): Promise<JobOutcome> {
  const readable = await context.publicAccess.check(event.bucket, event.key);
  if (readable.kind !== 'public') return { kind: 'dropped', reason: refusal(readable) };
  if (readable.etag !== event.etag) return { kind: 'dropped', reason: 'object changed since the upload' };
  if (readable.size === 0) return { kind: 'dropped', reason: 'empty object' };
  const { record, enqueue } = await context.records.ensurePending(event.bucket, event.key, event.etag, event.size);
  if (!enqueue) return { kind: 'dropped', reason: `already ${record.state}` };
  return planObject(context, { ...event, type: JobType.Object }, record);
}

/**
 * Runs one hash job. Jobs for an old ETag, or for a record that is already READY, REVOKED or
 * FAILED, change nothing; so does a job whose object changed or turned private while it ran.
 * Other errors propagate so that the message is retried (and after maxReceiveCount lands in the
 * dead-letter queue).
 */
async function processHashJob(context: HashJobContext, job: HashJob): Promise<JobOutcome> {
  // A prefix job handles its members' errors itself (they revoke the snapshot, not an object).
  if (job.type === JobType.Prefix) return processPrefixJob(context, job);
  try {
    return await runHashJob(context, job);
  } catch (error) {
    // The object moved on under us: a 412 on If-Match, or the record now names another ETag.
    // Nothing to retry: the new version has its own job (its upload event or the next request).
    if (error instanceof ObjectChangedError || error instanceof StaleRecordError) {
      return { kind: 'dropped', reason: error.message };
    }
    // Made private mid-hash: S3 refused the anonymous read. Never publish it.
    if (error instanceof ObjectNotPublicError) {
      await context.records.markRevoked(job.bucket, job.key, 'object is not anonymously readable', { etag: job.etag });
      return { kind: 'dropped', reason: error.message };
    }
    throw error;
  }
}

async function runHashJob(context: HashJobContext, job: ObjectJob | SegmentJob | UploadEvent): Promise<JobOutcome> {
  if (job.type === JobType.Upload) return prewarmUpload(context, job);
  const record = await context.records.get(job.bucket, job.key);
  if (!isCurrent(record, job)) return { kind: 'dropped', reason: 'no record for this ETag' };
  if (job.type === JobType.Object) {
    if (record.state !== RecordState.Pending && record.state !== RecordState.Hashing) {
      return { kind: 'dropped', reason: `record is ${record.state}` };
    }
    return planObject(context, job, record);
  }
  if (record.state !== RecordState.Hashing) return { kind: 'dropped', reason: `record is ${record.state}` };
  // A segment of another hashing attempt of this ETag (an earlier one, or a job queued before
  // attempts existed) must not count for the current one: dropped before anything is read.
  if (job.attemptId === undefined || job.attemptId !== record.attemptId) {
    return { kind: 'dropped', reason: `segment job of hashing attempt ${job.attemptId ?? '(none)'}, the record is on ${record.attemptId ?? '(none)'}` };
  }
  return hashSegment(context, job, job.attemptId);
}

export { processHashJob };
export type { JobOutcome };
