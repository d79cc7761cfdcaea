/**
 * The decision for one record, from S3's answer now: the one place that turns "who may read this
 * object" into record transitions. Every write is conditional on what was read (state, ETag), so a
 * record that moved on meanwhile (an upload, a request, the seeder, another checker) is left to
 * whoever moved it.
 */
import { JobType, sendHashJobs } from '../queue/index.js';
import { RecordState, StaleRecordError, claimStaleRecord, republishRecord } from '../records/index.js';
import type { ObjectRecord } from '../records/index.js';
import { ForbiddenReason } from '../storage/index.js';
import type { Readability } from '../storage/index.js';
import type { WithdrawalContext } from './context.js';

/**
 * What became of one record, for logs, metrics and tests:
 * - `unchanged`: still public for its ETag (or nothing to decide: FAILED, a job still in time);
 * - `revoked`: S3 refuses it (403), it is gone (404) or it was replaced; `reason` is what the record now says;
 * - `republished`: REVOKED, public again with the same ETag: READY again with the torrents it had;
 * - `rehash-queued`: a version S3 serves now that has no torrents yet got a hashing job;
 * - `requeued`: a PENDING/HASHING record whose job looked lost got its job again;
 * - `prewarmed`: an object without a record turned out public: it got a record and a job;
 * - `no-record`: nothing is published for the object and S3 does not serve it;
 * - `moved-on`: the record changed while it was being checked; its new state is someone else's doing.
 */
type RecheckOutcome =
  | { readonly kind: 'unchanged' | 'republished' | 'requeued' | 'prewarmed' | 'no-record' | 'moved-on' }
  | { readonly kind: 'revoked'; readonly reason: string }
  | { readonly kind: 'rehash-queued'; readonly etag: string; readonly revoked?: string | undefined };

/** Why a record is revoked, by what S3 answered; the trigger is appended in parentheses. */
const RevokeReason = {
  Deleted: 'deleted: S3 answered 404 to an anonymous HEAD',
  /**
   * After an "Object Deleted" event S3 may answer 403, not 404: without a public s3:ListBucket
   * grant it hides whether a key exists (on AWS as on RGW). The event says why.
   */
  DeletedRefused: 'deleted: S3 no longer serves it to anyone',
  NotPublic: 'no longer public: S3 refused an anonymous HEAD',
  /** S3 still serves it to our network (a policy narrowed to a source IP or VPC endpoint), but does not call it public. */
  NetworkOnly: 'no longer public: readable from this network only, S3 does not call its access public',
  /** S3 answers an anonymous HEAD 400: an SSE-C object, for one, is served only to requests that send its key. */
  Unreadable: 'S3 serves it to no anonymous request (400: encrypted with a customer-provided key, SSE-C, for one)',
  Replaced: (etag: string): string => `replaced: S3 now serves ETag ${etag}`,
} as const;

const now = (context: WithdrawalContext): number => (context.now ?? Date.now)();

/** Whether a PENDING/HASHING record (an object's or a prefix snapshot's) has been left alone longer than a job may take. */
function isStale(context: WithdrawalContext, record: { readonly updatedAt: string }): boolean {
  const updated = Date.parse(record.updatedAt);
  return Number.isNaN(updated) || now(context) - updated >= context.staleJobMs;
}

/** Any state → REVOKED for this ETag; a record already REVOKED keeps its first reason. */
async function revoke(context: WithdrawalContext, record: ObjectRecord, why: string, trigger: string): Promise<RecheckOutcome> {
  if (record.state === RecordState.Revoked) return { kind: 'unchanged' };
  const reason = `${why} (${trigger})`;
  try {
    const written = await context.records.markRevoked(record.bucket, record.key, reason, { etag: record.etag });
    return written === undefined ? { kind: 'moved-on' } : { kind: 'revoked', reason: written.reason ?? reason };
  } catch (error) {
    if (error instanceof StaleRecordError) return { kind: 'moved-on' };
    throw error;
  }
}

/**
 * Makes sure the version S3 serves now has a record and, for the one caller whose write created
 * or reset it, a hashing job. Empty objects are never hashed.
 */
async function queueHashing(
  context: WithdrawalContext,
  target: { readonly bucket: string; readonly key: string },
  readable: Extract<Readability, { kind: 'public' }>,
  reinstateRevoked: boolean,
): Promise<boolean> {
  if (readable.size === 0) return false;
  const { bucket, key } = target;
  const ensured = await context.records.ensurePending(bucket, key, readable.etag, readable.size, { reinstateRevoked });
  if (ensured.enqueue) {
    await sendHashJobs(context.sqs, context.hashQueueUrl, [{ type: JobType.Object, bucket, key, etag: readable.etag, size: readable.size }]);
  }
  return ensured.enqueue;
}

/** A PENDING/HASHING record: nothing to check in S3 (its job does that); re-queue the job if it looks lost. */
async function recheckUnfinished(context: WithdrawalContext, record: ObjectRecord): Promise<RecheckOutcome> {
  if (!isStale(context, record)) return { kind: 'unchanged' };
  if (!(await claimStaleRecord(context.records, record))) return { kind: 'moved-on' };
  const { bucket, key, etag, size } = record;
  await sendHashJobs(context.sqs, context.hashQueueUrl, [{ type: JobType.Object, bucket, key, etag, size }]);
  return { kind: 'requeued' };
}

/**
 * Re-checks one record against S3's answer now (`context.readability`):
 * - 404 → REVOKED as deleted; 403 → REVOKED as no longer public (the record is kept, with the
 *   reason and time, so that its infohashes stay refused and a re-upload of the same bytes can
 *   be republished);
 * - public with another ETag → the old version REVOKED (never served again) and the new one
 *   queued for hashing;
 * - public with the same ETag: READY stays READY; REVOKED with its torrents → READY again
 *   without hashing; REVOKED before it had torrents → hashed, as a request would;
 * - PENDING/HASHING → its job is queued again if it has been left alone `staleJobMs`;
 * - FAILED → unchanged (a request retries it).
 *
 * @param trigger - why the record is checked (an event, the sweep): appended to a revocation reason
 * @param options.deleted - the trigger is an "Object Deleted" event: a refusal then means deleted
 */
async function recheckRecord(
  context: WithdrawalContext,
  record: ObjectRecord,
  trigger: string,
  options: { readonly deleted?: boolean | undefined } = {},
): Promise<RecheckOutcome> {
  if (record.state === RecordState.Pending || record.state === RecordState.Hashing) return recheckUnfinished(context, record);
  if (record.state === RecordState.Failed) return { kind: 'unchanged' };
  const readable = await context.readability(record.bucket, record.key);
  if (readable.kind === 'missing') return revoke(context, record, RevokeReason.Deleted, trigger);
  if (readable.kind === 'forbidden') {
    const why = options.deleted === true
      ? RevokeReason.DeletedRefused
      : readable.reason === ForbiddenReason.NetworkOnly ? RevokeReason.NetworkOnly : RevokeReason.NotPublic;
    return revoke(context, record, why, trigger);
  }
  if (readable.kind === 'unreadable') return revoke(context, record, RevokeReason.Unreadable, trigger);
  if (readable.etag !== record.etag) {
    const old = await revoke(context, record, RevokeReason.Replaced(readable.etag), trigger);
    const queued = await queueHashing(context, record, readable, false);
    // Not queued: someone else queued it, or the new version cannot be published (empty).
    return queued ? { kind: 'rehash-queued', etag: readable.etag, revoked: old.kind === 'revoked' ? old.reason : undefined } : old;
  }
  if (record.state === RecordState.Ready) return { kind: 'unchanged' };
  // REVOKED, and S3 serves this very version to anyone again.
  if (record.torrents !== undefined) {
    return (await republishRecord(context.records, record.bucket, record.key, record.etag)) === undefined ? { kind: 'moved-on' } : { kind: 'republished' };
  }
  return (await queueHashing(context, record, readable, true)) ? { kind: 'rehash-queued', etag: readable.etag } : { kind: 'moved-on' };
}

/**
 * Re-checks one object: its record as above; an object without a record that S3 serves to
 * anyone (an ACL made public after the upload) gets a record and a hashing job, as its upload
 * would have.
 */
async function recheckObject(
  context: WithdrawalContext,
  bucket: string,
  key: string,
  trigger: string,
  options: { readonly deleted?: boolean | undefined } = {},
): Promise<RecheckOutcome> {
  const record = await context.records.get(bucket, key);
  if (record !== undefined) return recheckRecord(context, record, trigger, options);
  const readable = await context.readability(bucket, key);
  if (readable.kind !== 'public') return { kind: 'no-record' };
  return (await queueHashing(context, { bucket, key }, readable, false)) ? { kind: 'prewarmed' } : { kind: 'no-record' };
}

export { RevokeReason, isStale, recheckObject, recheckRecord };
export type { RecheckOutcome };
