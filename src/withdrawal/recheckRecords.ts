/**
 * Re-checks of many records: every record of a bucket (a bucket-level change), of every published
 * bucket (the account's Block Public Access, the sweep). Records are read a page at a time and
 * checked a bounded number at once; a pass that reaches its deadline stops between pages and
 * hands what is left on as a continuation message on the access-events queue, so no invocation
 * outgrows its timeout whatever the size of a bucket.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { QueueSendError, SQS_BATCH_SIZE } from '../queue/index.js';
import { RecordState, scanRecordsPage } from '../records/index.js';
import type { ObjectRecord, RecordPage } from '../records/index.js';
import type { WithdrawalContext } from './context.js';
import { recheckMessage } from './events.js';
import { recheckRecord } from './recheckRecord.js';
import type { RecheckOutcome } from './recheckRecord.js';

/**
 * Records checked at once: each is an anonymous HEAD (~20–50 ms) and at most a record write, so
 * 16 keep a pass at a few hundred checks a second, far below S3's 5,500 HEADs per second per
 * prefix and without a burst a bucket's other readers would notice.
 */
const RECHECK_CONCURRENCY = 16;

/** Records per page read from the byBucket index or the table scan (about 6 rounds of the above). */
const RECHECK_PAGE_SIZE = 100;

/** States worth a look: FAILED records wait for a request to retry them. */
const CHECKED_STATES = [RecordState.Ready, RecordState.Revoked, RecordState.Pending, RecordState.Hashing] as const;

/** Counts of what a re-check did, by outcome (see RecheckOutcome). */
interface RecheckTally {
  checked: number;
  unchanged: number;
  revoked: number;
  republished: number;
  rehashQueued: number;
  requeued: number;
  prewarmed: number;
  movedOn: number;
  noRecord: number;
  /** Records whose check threw (S3 or DynamoDB failed): nothing was decided for them. */
  failed: number;
  firstError: Error | undefined;
}

/** Where a re-check stopped and must go on: the bucket (or all records) and the page cursor. */
interface Continuation {
  readonly scope: { readonly bucket: string } | 'all';
  readonly reason: string;
  readonly cursor: string | undefined;
}

/** What one re-check invocation did, and what it leaves for later. */
interface RecheckResult {
  readonly tally: RecheckTally;
  readonly continuations: readonly Continuation[];
}

interface PassOptions {
  /** The page to start from (a continuation's cursor). */
  readonly cursor?: string | undefined;
  /** Epoch ms after which no new page is started (at least one page always is). */
  readonly deadline: number;
}

function emptyTally(): RecheckTally {
  return { checked: 0, unchanged: 0, revoked: 0, republished: 0, rehashQueued: 0, requeued: 0, prewarmed: 0, movedOn: 0, noRecord: 0, failed: 0, firstError: undefined };
}

/** Adds one outcome to `tally`. */
function count(tally: RecheckTally, outcome: RecheckOutcome): void {
  tally.checked += 1;
  switch (outcome.kind) {
    case 'unchanged': tally.unchanged += 1; break;
    case 'revoked': tally.revoked += 1; break;
    case 'republished': tally.republished += 1; break;
    case 'rehash-queued':
      tally.rehashQueued += 1;
      if (outcome.revoked !== undefined) tally.revoked += 1;
      break;
    case 'requeued': tally.requeued += 1; break;
    case 'prewarmed': tally.prewarmed += 1; break;
    case 'moved-on': tally.movedOn += 1; break;
    case 'no-record': tally.noRecord += 1; break;
  }
}

/** Adds `from` into `into`. */
function addTally(into: RecheckTally, from: RecheckTally): void {
  for (const name of ['checked', 'unchanged', 'revoked', 'republished', 'rehashQueued', 'requeued', 'prewarmed', 'movedOn', 'noRecord', 'failed'] as const) {
    into[name] += from[name];
  }
  into.firstError ??= from.firstError;
}

/** Runs `work` on every item, at most `limit` at once. */
async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Checks one page of records, counting outcomes and failures into `tally`. */
async function checkPage(context: WithdrawalContext, records: readonly ObjectRecord[], reason: string, tally: RecheckTally): Promise<void> {
  await forEachBounded(records, RECHECK_CONCURRENCY, async (record) => {
    try {
      count(tally, await recheckRecord(context, record, reason));
    } catch (caught) {
      tally.failed += 1;
      tally.firstError ??= caught instanceof Error ? caught : new Error(String(caught));
    }
  });
}

const clock = (context: WithdrawalContext): number => (context.now ?? Date.now)();

/**
 * Reads pages with `nextPage` and checks them until the last page or the deadline; returns the
 * cursor to continue from (undefined when done).
 */
async function runPass(
  context: WithdrawalContext,
  nextPage: (cursor: string | undefined) => Promise<RecordPage>,
  reason: string,
  options: PassOptions,
  tally: RecheckTally,
  beforePage?: (records: readonly ObjectRecord[]) => Promise<void>,
): Promise<string | undefined> {
  let cursor = options.cursor;
  let pages = 0;
  do {
    if (pages > 0 && clock(context) >= options.deadline) return cursor;
    const page = await nextPage(cursor);
    const wanted = page.records.filter((record) => (CHECKED_STATES as readonly string[]).includes(record.state));
    await beforePage?.(wanted);
    await checkPage(context, wanted, reason, tally);
    cursor = page.cursor;
    pages += 1;
  } while (cursor !== undefined);
  return undefined;
}

/**
 * Re-checks every record of `bucket` (the byBucket index, page by page, RECHECK_CONCURRENCY at
 * once) after a change of who may read it; `forgetBucket` is called first.
 *
 * @returns the tally, and a continuation when the deadline came before the last page
 */
async function recheckBucket(context: WithdrawalContext, bucket: string, reason: string, options: PassOptions): Promise<RecheckResult> {
  const tally = emptyTally();
  await context.forgetBucket?.(bucket);
  const cursor = await runPass(context, (from) => context.records.listByBucketPage(bucket, { cursor: from, limit: RECHECK_PAGE_SIZE }), reason, options, tally);
  return { tally, continuations: cursor === undefined ? [] : [{ scope: { bucket }, reason, cursor }] };
}

/** Every record of the table, by a scan: for a deployment publishing any bucket (`'*'`). */
async function recheckAllRecords(context: WithdrawalContext, reason: string, options: PassOptions): Promise<RecheckResult> {
  const tally = emptyTally();
  const forgotten = new Set<string>();
  const cursor = await runPass(
    context,
    (from) => scanRecordsPage(context.records, { states: CHECKED_STATES, cursor: from, limit: RECHECK_PAGE_SIZE }),
    reason,
    options,
    tally,
    async (records) => {
      for (const bucket of new Set(records.map((record) => record.bucket))) {
        if (forgotten.has(bucket)) continue;
        forgotten.add(bucket);
        await context.forgetBucket?.(bucket);
      }
    },
  );
  return { tally, continuations: cursor === undefined ? [] : [{ scope: 'all', reason, cursor }] };
}

/**
 * Re-checks every record of every published bucket, bucket after bucket, until the deadline;
 * the buckets not reached are handed on as continuations (one message each, so later
 * invocations share them). With `'*'` (local stack) the whole table is scanned, from `cursor`.
 */
async function recheckAccount(context: WithdrawalContext, reason: string, options: PassOptions): Promise<RecheckResult> {
  if (context.publishedBuckets === '*') return recheckAllRecords(context, reason, options);
  const tally = emptyTally();
  const continuations: Continuation[] = [];
  let started = 0;
  for (const bucket of [...context.publishedBuckets].sort()) {
    // Past the deadline, the rest waits for other invocations; the first bucket always gets a page.
    if (started > 0 && clock(context) >= options.deadline) {
      continuations.push({ scope: { bucket }, reason, cursor: undefined });
      continue;
    }
    started += 1;
    const result = await recheckBucket(context, bucket, reason, { deadline: options.deadline });
    addTally(tally, result.tally);
    continuations.push(...result.continuations);
  }
  return { tally, continuations };
}

/**
 * The scheduled sweep: every record of every published bucket, as for an account-level change.
 * The safety net for lost events and for S3s that send none for ACL and policy changes (Ceph
 * RGW): READY records S3 no longer serves are revoked, REVOKED ones it serves again (same ETag)
 * are republished, PENDING/HASHING ones whose job looks lost are queued again.
 */
async function sweepRecords(context: WithdrawalContext, options: { readonly deadline: number }): Promise<RecheckResult> {
  return recheckAccount(context, `sweep at ${new Date(clock(context)).toISOString()}`, options);
}

/**
 * Sends continuations to the access-events queue, where the access checker picks them up.
 *
 * @throws QueueSendError when SQS refuses some: the caller fails, so that its own work is retried
 */
async function sendContinuations(context: WithdrawalContext, continuations: readonly Continuation[]): Promise<void> {
  for (let start = 0; start < continuations.length; start += SQS_BATCH_SIZE) {
    const batch = continuations.slice(start, start + SQS_BATCH_SIZE);
    const reply = await context.sqs.send(new SendMessageBatchCommand({
      QueueUrl: context.accessQueueUrl,
      Entries: batch.map((next, i) => ({ Id: String(i), MessageBody: recheckMessage(next.scope, next.reason, next.cursor) })),
    }));
    const failed = reply.Failed ?? [];
    if (failed.length > 0) throw new QueueSendError(`SQS refused ${failed.length} re-check continuation(s): ${failed.map((f) => f.Message ?? f.Code).join('; ')}`);
  }
}

export { RECHECK_CONCURRENCY, RECHECK_PAGE_SIZE, count, emptyTally, forEachBounded, recheckAccount, recheckBucket, sendContinuations, sweepRecords };
export type { Continuation, PassOptions, RecheckResult, RecheckTally };
