/**
 * Telling DynamoDB's refusals apart: a failed condition (someone else's write won; decide from
 * the current item) versus a conflict with a concurrent transaction (nothing decided; retry).
 *
 * @internal
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RecordContentionError } from './errors.js';

/** Code DynamoDB gives a transaction item whose condition was false. */
const CONDITION_FAILED = 'ConditionalCheckFailed';

/**
 * Attempts at a write that conflicts with concurrent transactions on the same item. Many segment
 * workers finishing together all update one record item; backing off with jitter spreads them.
 */
const MAX_CONFLICT_ATTEMPTS = 12;
const BACKOFF_BASE_MS = 20;
const BACKOFF_CAP_MS = 1_000;

/** Codes that mean "nothing was decided, try again": a concurrent transaction or throttling. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);
const RETRYABLE_ERRORS: ReadonlySet<string> = new Set(['TransactionConflictException', 'TransactionInProgressException']);

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** A single-item write whose condition was false. */
function isConditionFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/**
 * The per-item codes of a cancelled transaction, in the order of its TransactItems ('None' for
 * items that were fine); undefined when `error` is not a cancelled transaction.
 */
function cancellationCodes(error: unknown): string[] | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string | undefined }> }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

/** True when the transaction failed because item `index`'s condition was false. */
function conditionFailedAt(codes: readonly string[], index: number): boolean {
  return codes[index] === CONDITION_FAILED;
}

function isRetryable(error: unknown): boolean {
  const name = errorName(error);
  if (name !== undefined && RETRYABLE_ERRORS.has(name)) return true;
  const codes = cancellationCodes(error);
  // Only when no condition failed: a failed condition is a decision, not a collision.
  return codes !== undefined && !codes.includes(CONDITION_FAILED) && codes.some((code) => RETRYABLE_CODES.has(code));
}

/**
 * Runs `write` until it does not collide with a concurrent transaction, backing off with full
 * jitter. Safe only for writes whose conditions make a repeat harmless (all of ours).
 *
 * @throws RecordContentionError after MAX_CONFLICT_ATTEMPTS collisions.
 */
async function retryConflicts<T>(what: string, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= MAX_CONFLICT_ATTEMPTS) throw new RecordContentionError(what, attempt, { cause: error });
      await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
    }
  }
}

export { cancellationCodes, conditionFailedAt, isConditionFailed, retryConflicts };
