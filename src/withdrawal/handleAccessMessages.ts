/**
 * What the access-checker and sweep handlers call: one batch of access-events messages, or one
 * sweep, with the deadline their invocation leaves them. Handlers only turn the results into
 * logs, metrics and their reply.
 */
import type { WithdrawalContext } from './context.js';
import { InvalidAccessEventError, RecheckIncompleteError } from './errors.js';
import { parseAccessEvent } from './events.js';
import type { AccessEvent } from './events.js';
import { recheckSnapshotsOf, revokeSnapshotsOfBucket, sweepSnapshots } from './recheckPrefixes.js';
import type { PrefixRecheck, SnapshotSweep } from './recheckPrefixes.js';
import { recheckObject } from './recheckRecord.js';
import type { RecheckOutcome } from './recheckRecord.js';
import { count, emptyTally, recheckAccount, recheckBucket, sendContinuations, sweepRecords } from './recheckRecords.js';
import type { RecheckResult, RecheckTally } from './recheckRecords.js';

/**
 * Time kept back from an invocation's remaining time: the page being checked when the deadline
 * passes (a hundred HEADs and writes, ~1 s, far longer on a slow day) and the continuation's
 * SendMessage finish within it.
 */
const DEADLINE_MARGIN_MS = 15_000;

/**
 * Messages per access-checker invocation (the CDK event source's and the local poller's batch
 * size): most are object events, one HEAD and at most a write each; a bucket-level one stops at
 * the invocation's deadline and hands on the rest, so a batch never outlasts its timeout.
 */
const ACCESS_EVENTS_BATCH_SIZE = 10;

/** Time a re-check may take when the caller has no Lambda context to ask (the local stack's runners). */
const DEFAULT_BUDGET_MS = 45_000;

/** One SQS message, whatever delivered it (Lambda or the local runner). */
interface AccessMessage {
  readonly messageId: string;
  readonly body: string;
}

/**
 * What became of one message. `dropped`: not an access event (logged, reported done, never
 * retried). `error`: the work failed and must run again (a partial batch failure). Otherwise the
 * re-check's outcome (one object) or tally (many records) and how many continuation messages
 * carry the rest.
 */
interface AccessMessageResult {
  readonly messageId: string;
  readonly event?: AccessEvent | undefined;
  readonly dropped?: InvalidAccessEventError | undefined;
  readonly outcome?: RecheckOutcome | undefined;
  readonly tally?: RecheckTally | undefined;
  readonly continued?: number | undefined;
  /** An object event: the prefix snapshots that listed the object, and those it revoked. */
  readonly prefixes?: PrefixRecheck | undefined;
  /** A bucket event: the prefix snapshots of the bucket it revoked. */
  readonly revokedPrefixes?: ReadonlyArray<string> | undefined;
  readonly error?: Error | undefined;
}

/**
 * The epoch ms after which a re-check starts no new page: `remainingMs` (Lambda's
 * `getRemainingTimeInMillis()`) minus a margin; DEFAULT_BUDGET_MS when there is no Lambda context.
 */
function deadlineFrom(remainingMs: number | undefined, now: number = Date.now()): number {
  const budget = remainingMs === undefined ? DEFAULT_BUDGET_MS : remainingMs - DEADLINE_MARGIN_MS;
  return now + Math.max(0, budget);
}

/** Sends what a pass left over, then fails if some records could not be checked (the work is retried). */
async function finishPass(context: WithdrawalContext, what: string, result: RecheckResult): Promise<number> {
  throwIfIncomplete(what, result.tally);
  await sendContinuations(context, result.continuations);
  return result.continuations.length;
}

async function handleOne(context: WithdrawalContext, message: AccessMessage, deadline: number): Promise<AccessMessageResult> {
  const { messageId } = message;
  let event: AccessEvent;
  try {
    event = parseAccessEvent(message.body);
  } catch (error) {
    if (error instanceof InvalidAccessEventError) return { messageId, dropped: error };
    throw error;
  }
  try {
    if (event.kind === 'object') {
      const outcome = await recheckObject(context, event.bucket, event.key, event.reason, { deleted: event.deleted });
      const tally = emptyTally();
      count(tally, outcome);
      // The object may be a member of prefix snapshots whether or not it has a record of its own.
      const prefixes = await recheckSnapshotsOf(context, event.bucket, event.key, event.reason);
      return { messageId, event, outcome, tally, prefixes };
    }
    const options = { cursor: event.cursor, deadline };
    // Snapshots are revoked on the first pass only (a continuation carries a cursor): they are
    // rebuilt on the next request from their members' hashes, which the pass below re-checks.
    const revokedPrefixes = event.kind === 'bucket' && event.cursor === undefined ? await revokeSnapshotsOfBucket(context, event.bucket, event.reason) : undefined;
    const result = event.kind === 'bucket'
      ? await recheckBucket(context, event.bucket, event.reason, options)
      : await recheckAccount(context, event.reason, options);
    const what = event.kind === 'bucket' ? `re-checking bucket ${event.bucket}` : 're-checking every published bucket';
    // A failed pass is retried from its own cursor: nothing after it is handed on.
    const continued = await finishPass(context, what, result);
    return { messageId, event, tally: result.tally, continued, revokedPrefixes };
  } catch (caught) {
    return { messageId, event, error: caught instanceof Error ? caught : new Error(String(caught)) };
  }
}

/**
 * Handles a batch of access-events messages one by one: object events re-check the object,
 * bucket events every record of the bucket, account events every published bucket (each from
 * its cursor when continuing). Messages that are not access events are dropped. A failed
 * message is reported alone, so SQS retries it and not its neighbours (and after the queue's
 * maxReceiveCount moves it to the dead-letter queue).
 */
async function handleAccessMessages(context: WithdrawalContext, messages: readonly AccessMessage[], deadline: number): Promise<AccessMessageResult[]> {
  const results: AccessMessageResult[] = [];
  for (const message of messages) results.push(await handleOne(context, message, deadline));
  return results;
}

/**
 * One sweep (sweepRecords) until `deadline`; what is left goes to the access-events queue. The
 * caller logs the tally, then calls {@link throwIfIncomplete} so that failed checks fail the
 * invocation (its error alarm fires; the next sweep checks them again).
 *
 * @returns the tally and how many continuation messages were sent
 */
async function runSweep(
  context: WithdrawalContext,
  deadline: number,
): Promise<{ readonly tally: RecheckTally; readonly continued: number; readonly prefixes: SnapshotSweep }> {
  const result = await sweepRecords(context, { deadline });
  await sendContinuations(context, result.continuations);
  const prefixes = await sweepSnapshots(context, `sweep at ${new Date((context.now ?? Date.now)()).toISOString()}`, deadline);
  return { tally: result.tally, continued: result.continuations.length, prefixes };
}

/** @throws RecheckIncompleteError when `tally` counts records that could not be checked. */
function throwIfIncomplete(what: string, tally: RecheckTally): void {
  if (tally.failed > 0) throw new RecheckIncompleteError(what, tally.failed, tally.firstError);
}

export { ACCESS_EVENTS_BATCH_SIZE, DEADLINE_MARGIN_MS, DEFAULT_BUDGET_MS, deadlineFrom, handleAccessMessages, runSweep, throwIfIncomplete };
export type { AccessMessage, AccessMessageResult };
