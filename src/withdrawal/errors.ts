import { S3TorrentError } from '../errors.js';

/** Base of the errors of the withdrawal module (access events, re-checks, the sweep). */
class WithdrawalError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WithdrawalError';
  }
}

/**
 * A message on the access-events queue that no re-check can come of: retrying it would fail
 * the same way forever, so the access checker logs it and drops it (reports it done).
 */
class InvalidAccessEventError extends WithdrawalError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidAccessEventError';
  }
}

/** Not an event at all: not JSON, too large, or an event without the fields its kind must have. */
class MalformedAccessEventError extends InvalidAccessEventError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MalformedAccessEventError';
  }
}

/** A well-formed event of a kind the access checker does not act on (another detail-type or API call). */
class UnknownAccessEventError extends InvalidAccessEventError {
  /** The event's `source`, `detail-type` and, for CloudTrail events, `eventName`, as far as they were read. */
  public readonly source: string | undefined;
  public readonly detailType: string | undefined;
  public readonly eventName: string | undefined;

  public constructor(what: { source?: string | undefined; detailType?: string | undefined; eventName?: string | undefined }, options?: ErrorOptions) {
    const described = [what.source, what.detailType, what.eventName].filter((part) => part !== undefined).map((part) => JSON.stringify(part)).join(' / ');
    super(`not an access event the checker acts on: ${described === '' ? 'no source or detail-type' : described}`, options);
    this.name = 'UnknownAccessEventError';
    this.source = what.source;
    this.detailType = what.detailType;
    this.eventName = what.eventName;
  }
}

/**
 * Some records could not be checked (S3 or DynamoDB failed on them): nothing was decided about
 * them, and the work must run again (the message is retried; the sweep fails so its alarm fires).
 */
class RecheckIncompleteError extends WithdrawalError {
  /** Records whose check failed. */
  public readonly failed: number;

  public constructor(what: string, failed: number, firstError: Error | undefined, options?: ErrorOptions) {
    const detail = firstError === undefined ? '' : `; first error: ${firstError.name}: ${firstError.message}`;
    super(`${what}: ${failed} record(s) could not be checked${detail}`, { cause: firstError, ...options });
    this.name = 'RecheckIncompleteError';
    this.failed = failed;
  }
}

export { InvalidAccessEventError, MalformedAccessEventError, RecheckIncompleteError, UnknownAccessEventError, WithdrawalError };
