/**
 * The messages of the `access-events` queue (DESIGN.md flow 5), read into one typed union: S3's
 * EventBridge object events, CloudTrail records of bucket- and account-level access changes (as
 * EventBridge delivers them, "AWS API Call via CloudTrail"), and the checker's own continuation
 * messages (a long re-check handed on to the next invocation). The CDK rules that route events to
 * the queue (lib/WithdrawalEvents.ts) are built from the same name lists.
 */
import { MalformedAccessEventError, UnknownAccessEventError } from './errors.js';

/** Source of the events S3 sends to EventBridge, and of CloudTrail records of S3 calls. */
const S3_EVENT_SOURCE = 'aws.s3';

/** S3 object events that may end an object's anonymous readability (S3 User Guide, "Using EventBridge"). */
const OBJECT_WITHDRAWAL_EVENTS = ['Object Deleted', 'Object ACL Updated'] as const;
const OBJECT_DELETED: (typeof OBJECT_WITHDRAWAL_EVENTS)[number] = 'Object Deleted';

/** The detail-type of a CloudTrail record delivered by EventBridge. */
const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** CloudTrail's `eventSource` of S3 calls, S3 Control (account-level) calls included. */
const CLOUDTRAIL_S3_SOURCE = 's3.amazonaws.com';

/**
 * Bucket-level calls that may change who can read a bucket's objects, by the event names
 * CloudTrail records them under (S3 User Guide, "Amazon S3 CloudTrail events": the API's
 * PutPublicAccessBlock on a bucket is recorded as PutBucketPublicAccessBlock). Each carries the
 * bucket in `requestParameters.bucketName`.
 */
const BUCKET_ACCESS_CALLS = [
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketAcl',
  'PutBucketPublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
  'PutBucketOwnershipControls',
  'DeleteBucketOwnershipControls',
] as const;

/**
 * The account's Block Public Access (S3 Control PutPublicAccessBlock / DeletePublicAccessBlock):
 * it may hide every published bucket at once. CloudTrail records these as
 * PutAccountPublicAccessBlock and DeleteAccountPublicAccessBlock (S3 User Guide, "Amazon S3
 * account-level actions tracked by CloudTrail logging"); the API's own names are matched too, so
 * that a record under either spelling is acted on. One that names a bucket is taken for that bucket.
 */
const ACCOUNT_ACCESS_CALLS = ['PutAccountPublicAccessBlock', 'DeleteAccountPublicAccessBlock', 'PutPublicAccessBlock', 'DeletePublicAccessBlock'] as const;

/** `source` and `detail-type` of the checker's own messages: a re-check to continue where the last one stopped. */
const RECHECK_SOURCE = 's3-torrent';
const RECHECK_DETAIL_TYPE = 'Recheck Records';

/**
 * Largest message read: EventBridge caps an event at 256 KB (a CloudTrail record of
 * PutBucketPolicy carries the whole policy, up to 20 KB); anything larger is not one of ours.
 */
const MAX_ACCESS_EVENT_BYTES = 256 * 1024;

/** Longest reason kept from a message: it ends up in records and logs. */
const MAX_REASON_CHARS = 400;

/** What a message asks the checker to re-check, and why (the why is written into revoked records). */
type AccessEvent =
  /** One object was deleted (`deleted`) or given another ACL. */
  | { readonly kind: 'object'; readonly bucket: string; readonly key: string; readonly reason: string; readonly deleted: boolean }
  /** Who may read a bucket's objects changed: every record of the bucket, from `cursor` on when continuing. */
  | { readonly kind: 'bucket'; readonly bucket: string; readonly reason: string; readonly cursor?: string | undefined }
  /** The account's Block Public Access changed: every published bucket (`cursor`: continuing a scan of all records). */
  | { readonly kind: 'account'; readonly reason: string; readonly cursor?: string | undefined };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown, max = 1024): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

/** S3 bucket names (legacy ones included) are 1–255 characters without `/`. */
function bucketName(value: unknown, where: string): string {
  if (!isText(value, 255) || value.includes('/')) throw new MalformedAccessEventError(`${where} is not a bucket name: ${JSON.stringify(value)}`);
  return value;
}

function objectOf(value: unknown, where: string): Json {
  if (!isObject(value)) throw new MalformedAccessEventError(`${where} is not an object`);
  return value;
}

function optionalText(value: unknown): string | undefined {
  return isText(value, 200) ? value : undefined;
}

function clip(reason: string): string {
  return reason.length <= MAX_REASON_CHARS ? reason : `${reason.slice(0, MAX_REASON_CHARS - 1)}…`;
}

/** S3's EventBridge "Object Deleted" / "Object ACL Updated": `detail.bucket.name`, `detail.object.key` (keys are not URL-encoded there). */
function objectEvent(event: Json, detailType: string): AccessEvent {
  const detail = objectOf(event.detail, 'detail');
  const bucket = bucketName(objectOf(detail.bucket, 'detail.bucket').name, 'detail.bucket.name');
  const key = objectOf(detail.object, 'detail.object').key;
  if (!isText(key)) throw new MalformedAccessEventError(`detail.object.key is not an object key: ${JSON.stringify(key)}`);
  const how = [optionalText(detail.reason), optionalText(detail['deletion-type'])].filter((part) => part !== undefined).join(', ');
  const at = optionalText(event.time);
  const reason = clip(`${detailType} event${how === '' ? '' : ` (${how})`}${at === undefined ? '' : ` at ${at}`}`);
  return { kind: 'object', bucket, key, reason, deleted: detailType === OBJECT_DELETED };
}

/** A CloudTrail record of an S3 call, delivered by EventBridge: the record is the event's `detail`. */
function cloudTrailEvent(event: Json): AccessEvent {
  const detail = objectOf(event.detail, 'detail');
  const eventName = optionalText(detail.eventName);
  const bucketCall = (BUCKET_ACCESS_CALLS as readonly string[]).includes(eventName ?? '');
  const accountCall = (ACCOUNT_ACCESS_CALLS as readonly string[]).includes(eventName ?? '');
  if (detail.eventSource !== CLOUDTRAIL_S3_SOURCE || eventName === undefined || (!bucketCall && !accountCall)) {
    throw new UnknownAccessEventError({ source: S3_EVENT_SOURCE, detailType: CLOUDTRAIL_DETAIL_TYPE, eventName: optionalText(detail.eventName) ?? optionalText(detail.eventSource) });
  }
  const at = optionalText(detail.eventTime) ?? optionalText(event.time);
  const when = at === undefined ? '' : ` at ${at}`;
  const parameters = detail.requestParameters;
  const named = isObject(parameters) ? parameters.bucketName : undefined;
  if (bucketCall || named !== undefined) {
    if (!isObject(parameters)) throw new MalformedAccessEventError(`${eventName} has no requestParameters`);
    const bucket = bucketName(named, 'detail.requestParameters.bucketName');
    return { kind: 'bucket', bucket, reason: clip(`${eventName} on bucket ${bucket}${when}`) };
  }
  return { kind: 'account', reason: clip(`${eventName} (the account's Block Public Access)${when}`) };
}

/** The checker's own continuation message (see {@link recheckMessage}). */
function recheckEvent(event: Json): AccessEvent {
  const detail = objectOf(event.detail, 'detail');
  if (!isText(detail.reason, MAX_REASON_CHARS)) throw new MalformedAccessEventError('a re-check message needs a reason');
  const cursor = detail.cursor;
  if (cursor !== undefined && !isText(cursor, 4096)) throw new MalformedAccessEventError('a re-check cursor must be a non-empty string');
  if (detail.bucket !== undefined) return { kind: 'bucket', bucket: bucketName(detail.bucket, 'detail.bucket'), reason: detail.reason, cursor };
  if (detail.scope === 'all') return { kind: 'account', reason: detail.reason, cursor };
  throw new MalformedAccessEventError('a re-check message names neither a bucket nor scope "all"');
}

/**
 * Reads one message of the access-events queue.
 *
 * @throws MalformedAccessEventError when it is not JSON, too large, or lacks what its kind needs
 * @throws UnknownAccessEventError when it is an event of another kind (another detail-type or
 *   API call): both are InvalidAccessEventError, which the checker logs and drops
 * @example
 * parseAccessEvent(JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Deleted', detail: { bucket: { name: 'b' }, object: { key: 'k' } } }))
 * // → { kind: 'object', bucket: 'b', key: 'k', reason: 'Object Deleted event', deleted: true }
 */
function parseAccessEvent(body: string): AccessEvent {
  if (body.length > MAX_ACCESS_EVENT_BYTES) throw new MalformedAccessEventError(`message of ${body.length} bytes is larger than any access event`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw new MalformedAccessEventError('message is not JSON', { cause });
  }
  const event = objectOf(parsed, 'message');
  const source = optionalText(event.source);
  const detailType = optionalText(event['detail-type']);
  if (source === S3_EVENT_SOURCE && (OBJECT_WITHDRAWAL_EVENTS as readonly string[]).includes(detailType ?? '')) return objectEvent(event, detailType as string);
  if (source === S3_EVENT_SOURCE && detailType === CLOUDTRAIL_DETAIL_TYPE) return cloudTrailEvent(event);
  if (source === RECHECK_SOURCE && detailType === RECHECK_DETAIL_TYPE) return recheckEvent(event);
  throw new UnknownAccessEventError({ source, detailType });
}

/**
 * The message that continues a re-check later, on the access-events queue: every record of
 * `bucket` (or, for `'all'`, of the table) from `cursor` on, for `reason`.
 */
function recheckMessage(scope: { readonly bucket: string } | 'all', reason: string, cursor: string | undefined): string {
  const where = scope === 'all' ? { scope: 'all' } : { bucket: scope.bucket };
  return JSON.stringify({ source: RECHECK_SOURCE, 'detail-type': RECHECK_DETAIL_TYPE, detail: { ...where, reason: clip(reason), cursor } });
}

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
};
export type { AccessEvent };
