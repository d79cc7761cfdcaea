import { RecordContentionError } from '../records/index.js';
import { StorageError } from '../storage/index.js';
import { s3Error } from './s3Errors.js';
import type { ApiReply } from './s3Errors.js';
import type { TorrentRequest } from './serveTorrent.js';

/**
 * What a 503 tells the client to wait, in seconds: the SDK has already retried (about a second
 * in all), so the service is unlikely to be back at once; the 202 progress replies use the same.
 */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** How far down `cause` a failure is followed (our errors wrap the SDK's once or twice). */
const MAX_CAUSE_DEPTH = 8;

/** Connection failures (Node's system error codes): the service did not answer at all. */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);

/** Error codes AWS services use for "slow down", whatever their HTTP status (DynamoDB's are 400). */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequestsException',
  'ProvisionedThroughputExceededException', 'RequestThrottled', 'RequestThrottledException',
]);

/** The SDK's names for an error reply without a code (a HEAD's has no body): the status says it all. */
const NO_ERROR_CODE: ReadonlySet<string> = new Set(['Unknown', 'UnknownError']);

/** What the AWS SDK attaches to a service's error reply. */
interface ServiceErrorShape {
  readonly name: string;
  readonly $fault: 'client' | 'server';
  readonly $metadata: { readonly httpStatusCode?: number };
}

function isServiceError(error: unknown): error is ServiceErrorShape {
  return error instanceof Error && '$fault' in error && '$metadata' in error;
}

/**
 * Why a service this API calls failed, when it is the service's failure and not ours: it
 * answered 5xx or "slow down" (after the SDK's retries), or did not answer; or the record
 * store's writes kept conflicting. Undefined for anything else (a bug, a denied permission).
 */
function unavailability(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current instanceof Error; depth += 1) {
    if (isServiceError(current)) {
      const status = current.$metadata.httpStatusCode;
      const serviceFailed = current.$fault === 'server' || (status !== undefined && status >= 500) || status === 429 || THROTTLING_CODES.has(current.name);
      if (!serviceFailed) return undefined;
      return [status, NO_ERROR_CODE.has(current.name) ? undefined : current.name].filter((part) => part !== undefined).join(' ') || current.name;
    }
    const code = (current as NodeJS.ErrnoException).code;
    if (code !== undefined && CONNECTION_ERROR_CODES.has(code)) return code;
    if (current instanceof RecordContentionError) return 'conflicting writes';
    current = current.cause;
  }
  return undefined;
}

/**
 * The reply to a request that failed with `error`. A service we depend on that fails (S3 or
 * DynamoDB answering 5xx or "slow down", or not answering) is `503 ServiceUnavailable` with
 * `Retry-After`: the client may try again, as S3 clients do on S3's own 503. Anything else is
 * `500 InternalError`. The reply names the failing service and its answer, never our internals.
 */
function failureReply(error: unknown, request: TorrentRequest): ApiReply {
  const resource = `/${request.bucket}/${request.key}`;
  const why = unavailability(error);
  if (why === undefined) return s3Error('InternalError', resource, request.requestId);
  const service = error instanceof StorageError ? 'S3' : 'A service this API depends on';
  return s3Error('ServiceUnavailable', resource, request.requestId, `${service} failed to answer (${why}). Please try again.`, {
    'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
  });
}

export { UNAVAILABLE_RETRY_AFTER_SECONDS, failureReply };
