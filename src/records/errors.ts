import { S3TorrentError } from '../errors.js';
import type { RecordState } from './schema.js';

/** Base of the errors of the records module. */
class RecordError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RecordError';
  }
}

/** An argument the store cannot write: an empty bucket, a malformed infohash, hashes of the wrong length. */
class RecordInputError extends RecordError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RecordInputError';
  }
}

/**
 * The record is no longer the one the caller works on: it is gone, holds another ETag (the
 * object was overwritten), or its state moved on (revoked, failed, already past this step).
 * The caller's work is obsolete; it should stop, not retry.
 */
class StaleRecordError extends RecordError {
  public readonly bucket: string;
  public readonly key: string;
  /** The ETag the caller expected. */
  public readonly etag: string;
  /** The record's ETag now; undefined when there is no record. */
  public readonly currentEtag: string | undefined;
  /** The record's state now; undefined when there is no record. */
  public readonly currentState: RecordState | undefined;

  public constructor(
    bucket: string,
    key: string,
    etag: string,
    current: { readonly etag: string; readonly state: RecordState } | undefined,
    expected: string,
    options?: ErrorOptions,
  ) {
    const now = current === undefined ? 'there is no record' : `the record is ${current.state} for ETag ${current.etag}`;
    super(`record of s3://${bucket}/${key} moved on: expected ${expected} for ETag ${etag}, but ${now}`, options);
    this.name = 'StaleRecordError';
    this.bucket = bucket;
    this.key = key;
    this.etag = etag;
    this.currentEtag = current?.etag;
    this.currentState = current?.state;
  }
}

/**
 * The record is HASHING (or READY) this ETag, but for another hashing attempt: the caller's
 * attempt was given up (the record was revoked, failed or overwritten and has been hashed again
 * since), or the caller's job was queued before attempts existed. Its results must not count; like
 * any StaleRecordError, the caller drops its work.
 */
class HashingAttemptSupersededError extends StaleRecordError {
  /** The attempt the caller worked for; undefined for a job queued before attempts existed. */
  public readonly attemptId: string | undefined;
  /** The record's attempt now; undefined for a record hashed before attempts existed. */
  public readonly currentAttemptId: string | undefined;

  public constructor(
    bucket: string,
    key: string,
    etag: string,
    attemptId: string | undefined,
    current: { readonly etag: string; readonly state: RecordState; readonly attemptId?: string | undefined },
    options?: ErrorOptions,
  ) {
    super(bucket, key, etag, current, `hashing attempt ${attemptId ?? '(none)'}`, options);
    this.name = 'HashingAttemptSupersededError';
    this.message = `record of s3://${bucket}/${key} moved on: hashing attempt ${attemptId ?? '(none)'} of ETag ${etag} was superseded; ` +
      `the record is ${current.state} for attempt ${current.attemptId ?? '(none)'}`;
    this.attemptId = attemptId;
    this.currentAttemptId = current.attemptId;
  }
}

/** The piece hashes of one segment would not fit in one DynamoDB item (400 KB at most). */
class SegmentTooLargeError extends RecordError {
  public readonly index: number;
  public readonly bytes: number;
  public readonly limit: number;

  public constructor(index: number, bytes: number, limit: number, options?: ErrorOptions) {
    super(`segment ${index} holds ${bytes} bytes of piece hashes, more than the ${limit} one record item can take; plan smaller segments`, options);
    this.name = 'SegmentTooLargeError';
    this.index = index;
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** A segment index at or past the record's `segmentsTotal`: it belongs to no plan the record knows. */
class SegmentOutOfRangeError extends RecordError {
  public readonly index: number;
  public readonly segmentsTotal: number;

  public constructor(index: number, segmentsTotal: number, options?: ErrorOptions) {
    super(`segment ${index} is out of range: the record expects segments 0 to ${segmentsTotal - 1}`, options);
    this.name = 'SegmentOutOfRangeError';
    this.index = index;
    this.segmentsTotal = segmentsTotal;
  }
}

/** `startHashing` found the record already HASHING for this ETag, but with another plan. */
class HashingPlanConflictError extends RecordError {
  public constructor(bucket: string, key: string, etag: string, existing: string, requested: string, options?: ErrorOptions) {
    super(`record of s3://${bucket}/${key} (ETag ${etag}) is already hashing with ${existing}, not ${requested}`, options);
    this.name = 'HashingPlanConflictError';
  }
}

/** `markReady` before every segment was recorded. */
class SegmentsIncompleteError extends RecordError {
  public readonly segmentsDone: number;
  public readonly segmentsTotal: number;

  public constructor(bucket: string, key: string, segmentsDone: number, segmentsTotal: number, options?: ErrorOptions) {
    super(`record of s3://${bucket}/${key} cannot be READY: ${segmentsDone} of ${segmentsTotal} segments recorded`, options);
    this.name = 'SegmentsIncompleteError';
    this.segmentsDone = segmentsDone;
    this.segmentsTotal = segmentsTotal;
  }
}

/** Inline .torrent bytes too large for the record item; store them in the artifacts bucket instead. */
class InlineTorrentTooLargeError extends RecordError {
  public readonly bytes: number;
  public readonly limit: number;

  public constructor(bytes: number, limit: number, options?: ErrorOptions) {
    super(`inline torrents hold ${bytes} bytes, more than the ${limit} a record may carry; store them as artifacts`, options);
    this.name = 'InlineTorrentTooLargeError';
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** A write kept losing to concurrent writes of the same item and the store gave up. */
class RecordContentionError extends RecordError {
  public readonly attempts: number;

  public constructor(what: string, attempts: number, options?: ErrorOptions) {
    super(`${what}: still conflicting with concurrent writes after ${attempts} attempts`, options);
    this.name = 'RecordContentionError';
    this.attempts = attempts;
  }
}

/** A batch read of records kept coming back with keys DynamoDB did not read (throttled), and the store gave up. */
class UnprocessedReadsError extends RecordError {
  public readonly bucket: string;
  public readonly unread: number;

  public constructor(bucket: string, unread: number, rounds: number, options?: ErrorOptions) {
    super(`reading records of bucket ${bucket}: ${unread} still unprocessed after ${rounds} BatchGetItem rounds`, options);
    this.name = 'UnprocessedReadsError';
    this.bucket = bucket;
    this.unread = unread;
  }
}

/** An item in the table that does not have the shape this code writes. */
class MalformedItemError extends RecordError {
  public readonly pk: string;
  public readonly sk: string;

  public constructor(pk: string, sk: string, problem: string, options?: ErrorOptions) {
    super(`item ${pk} / ${sk} is malformed: ${problem}`, options);
    this.name = 'MalformedItemError';
    this.pk = pk;
    this.sk = sk;
  }
}

export {
  HashingAttemptSupersededError,
  HashingPlanConflictError,
  InlineTorrentTooLargeError,
  MalformedItemError,
  RecordContentionError,
  RecordError,
  RecordInputError,
  SegmentOutOfRangeError,
  SegmentTooLargeError,
  SegmentsIncompleteError,
  StaleRecordError,
  UnprocessedReadsError,
};
