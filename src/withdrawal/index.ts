export { InvalidAccessEventError, MalformedAccessEventError, RecheckIncompleteError, UnknownAccessEventError, WithdrawalError } from './errors.js';
export {
  ACCOUNT_ACCESS_CALLS,
  BUCKET_ACCESS_CALLS,
  CLOUDTRAIL_DETAIL_TYPE,
  CLOUDTRAIL_S3_SOURCE,
  MAX_ACCESS_EVENT_BYTES,
  OBJECT_WITHDRAWAL_EVENTS,
  S3_EVENT_SOURCE,
  parseAccessEvent,
  recheckMessage,
} from './events.js';
export { ACCESS_EVENTS_BATCH_SIZE, DEADLINE_MARGIN_MS, DEFAULT_BUDGET_MS, deadlineFrom, handleAccessMessages, runSweep, throwIfIncomplete } from './handleAccessMessages.js';
export { ancestorPrefixes, recheckSnapshotsOf, revokeSnapshotsOfBucket, sweepSnapshots } from './recheckPrefixes.js';
export type { PrefixRecheck } from './recheckPrefixes.js';
export { RevokeReason, recheckObject, recheckRecord } from './recheckRecord.js';
export { RECHECK_CONCURRENCY, RECHECK_PAGE_SIZE, recheckAccount, recheckBucket, sendContinuations, sweepRecords } from './recheckRecords.js';
export type { WithdrawalContext } from './context.js';
export type { AccessEvent } from './events.js';
export type { AccessMessage, AccessMessageResult } from './handleAccessMessages.js';
export type { RecheckOutcome } from './recheckRecord.js';
export type { Continuation, PassOptions, RecheckResult, RecheckTally } from './recheckRecords.js';
