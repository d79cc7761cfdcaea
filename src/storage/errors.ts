import { S3TorrentError } from '../errors.js';

/** Base of the errors of S3 access. */
class StorageError extends S3TorrentError {
  public readonly bucket: string;
  public readonly key: string;

  public constructor(message: string, bucket: string, key: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageError';
    this.bucket = bucket;
    this.key = key;
  }
}

/** The object's ETag is no longer the one we hash or serve (412, or a new ETag). */
class ObjectChangedError extends StorageError {
  public readonly expectedEtag: string;

  public constructor(bucket: string, key: string, expectedEtag: string, options?: ErrorOptions) {
    super(`s3://${bucket}/${key} changed: it no longer has ETag ${expectedEtag}`, bucket, key, options);
    this.name = 'ObjectChangedError';
    this.expectedEtag = expectedEtag;
  }
}

/** S3 refused an anonymous read: the object is not (or no longer) public. */
class ObjectNotPublicError extends StorageError {
  public constructor(bucket: string, key: string, options?: ErrorOptions) {
    super(`s3://${bucket}/${key} is not anonymously readable`, bucket, key, options);
    this.name = 'ObjectNotPublicError';
  }
}

/** The object (or its bucket) does not exist. */
class ObjectMissingError extends StorageError {
  public constructor(bucket: string, key: string, options?: ErrorOptions) {
    super(`s3://${bucket}/${key} does not exist`, bucket, key, options);
    this.name = 'ObjectMissingError';
  }
}

/** S3 answered something we cannot use (5xx after retries, a short body). */
class StorageUnavailableError extends StorageError {
  public constructor(message: string, bucket: string, key: string, options?: ErrorOptions) {
    super(message, bucket, key, options);
    this.name = 'StorageUnavailableError';
  }
}

export { ObjectChangedError, ObjectMissingError, ObjectNotPublicError, StorageError, StorageUnavailableError };
