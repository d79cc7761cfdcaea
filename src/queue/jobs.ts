import { InvalidJobError } from './errors.js';

/**
 * Messages on the `hash-jobs` queue. An object job plans the work for one version of an object;
 * a segment job hashes one piece-aligned range of it. Both name the ETag, so a job for an old
 * version is recognised and dropped.
 */
const JobType = { Object: 'object', Segment: 'segment', Upload: 'upload', Prefix: 'prefix' } as const;

/**
 * An object was written: S3's EventBridge "Object Created" event, delivered to the same queue by
 * an EventBridge rule (the local stack makes the same event from the emulator's notifications).
 */
interface UploadEvent {
  readonly type: typeof JobType.Upload;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

interface ObjectJob {
  readonly type: typeof JobType.Object;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

interface SegmentJob {
  readonly type: typeof JobType.Segment;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly pieceLength: number;
  readonly index: number;
  readonly offset: number;
  readonly length: number;
  /**
   * The hashing attempt the segment belongs to (the record's `attemptId` when the object job
   * planned it): its result counts only while the record is on that attempt, so a late result
   * of an earlier hashing of the same ETag changes nothing. Absent in messages queued before
   * attempts existed; such a job is dropped unhashed, and its record is hashed again when its
   * object job is re-queued (the sweep does so for a record left HASHING).
   */
  readonly attemptId?: string | undefined;
}

/**
 * Builds one prefix snapshot's torrents (processPrefixJob): names the snapshot, so a job for a
 * snapshot since replaced or revoked is dropped. A job that reached its byte budget sends itself
 * again to continue.
 */
interface PrefixJob {
  readonly type: typeof JobType.Prefix;
  readonly bucket: string;
  /** Ends with `/`. */
  readonly prefix: string;
  /** 64 hex digits (PrefixRecord.snapshotId). */
  readonly snapshotId: string;
}

type HashJob = ObjectJob | SegmentJob | UploadEvent | PrefixJob;

/** SQS caps a message at 256 KiB; ours are small, anything near that is not ours. */
const MAX_JOB_MESSAGE_BYTES = 16 * 1024;

function field<T>(body: Record<string, unknown>, name: string, check: (v: unknown) => v is T, what: string): T {
  const value = body[name];
  if (!check(value)) throw new InvalidJobError(`job field "${name}" must be ${what}`);
  return value;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 2048;
/** Attempt ids as the records module makes them (base64url, a few characters): never a `/`, nothing to escape. */
const isAttemptId = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v);
const isPrefix = (v: unknown): v is string => isText(v) && v.endsWith('/');
const isSnapshotId = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * S3 writes ETags in quotes in HTTP headers and without them in events; records and If-Match
 * always use the quoted form.
 */
function normalizeEtag(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

/** Reads S3's EventBridge "Object Created" event (its keys are not URL-encoded, unlike S3 notifications). */
function parseUploadEvent(event: Record<string, unknown>): UploadEvent {
  const detail = field(event, 'detail', isRecord, 'an object');
  const bucket = field(detail, 'bucket', isRecord, 'an object');
  const object = field(detail, 'object', isRecord, 'an object');
  return {
    type: JobType.Upload,
    bucket: field(bucket, 'name', isText, 'a bucket name'),
    key: field(object, 'key', isText, 'an object key'),
    etag: normalizeEtag(field(object, 'etag', isText, 'an ETag')),
    size: field(object, 'size', isCount, 'a byte count'),
  };
}
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Parses and validates a job message body.
 *
 * @throws InvalidJobError: the message is malformed and must go to the dead-letter queue.
 */
function parseHashJob(body: string): HashJob {
  if (body.length > MAX_JOB_MESSAGE_BYTES) throw new InvalidJobError(`job message of ${body.length} bytes is too large`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw new InvalidJobError('job message is not JSON', { cause });
  }
  if (!isRecord(parsed)) throw new InvalidJobError('job message is not an object');
  const obj = parsed;
  if (obj.source === 'aws.s3' && obj['detail-type'] === 'Object Created') return parseUploadEvent(obj);
  if (obj.type === JobType.Prefix) {
    return {
      type: JobType.Prefix,
      bucket: field(obj, 'bucket', isText, 'a bucket name'),
      prefix: field(obj, 'prefix', isPrefix, 'a prefix ending in "/"'),
      snapshotId: field(obj, 'snapshotId', isSnapshotId, 'a snapshot id (64 hex digits)'),
    };
  }
  const base = {
    bucket: field(obj, 'bucket', isText, 'a bucket name'),
    key: field(obj, 'key', isText, 'an object key'),
    etag: normalizeEtag(field(obj, 'etag', isText, 'an ETag')),
    size: field(obj, 'size', isCount, 'a byte count'),
  };
  if (obj.type === JobType.Object) return { type: JobType.Object, ...base };
  if (obj.type === JobType.Segment) {
    return {
      type: JobType.Segment,
      ...base,
      pieceLength: field(obj, 'pieceLength', isCount, 'a piece length'),
      index: field(obj, 'index', isCount, 'a segment index'),
      offset: field(obj, 'offset', isCount, 'a byte offset'),
      length: field(obj, 'length', isCount, 'a byte count'),
      attemptId: obj.attemptId === undefined ? undefined : field(obj, 'attemptId', isAttemptId, 'a hashing attempt id'),
    };
  }
  throw new InvalidJobError(`unknown job type ${JSON.stringify(obj.type)}`);
}

export { JobType, MAX_JOB_MESSAGE_BYTES, normalizeEtag, parseHashJob };
export type { HashJob, ObjectJob, PrefixJob, SegmentJob, UploadEvent };
