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

/**
 * An unsigned read succeeded, but S3 does not call the access public: neither the bucket policy
 * (GetBucketPolicyStatus.IsPublic) nor an object ACL grant to AllUsers makes it so. A policy
 * limited to a source IP or a VPC endpoint lets our own process in; the internet is not.
 */
class ObjectNetworkOnlyError extends ObjectNotPublicError {
  public constructor(bucket: string, key: string, options?: ErrorOptions) {
    super(bucket, key, options);
    this.message = `s3://${bucket}/${key} is readable from this network only: S3 does not call its access public`;
    this.name = 'ObjectNetworkOnlyError';
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

/** The signed calls behind S3's verdict of "public". */
const VerdictOperation = {
  BucketPolicyStatus: 'GetBucketPolicyStatus',
  ObjectAcl: 'GetObjectAcl',
} as const;
type VerdictOperation = (typeof VerdictOperation)[keyof typeof VerdictOperation];

/**
 * S3 would not say whether the access to an object is public: GetBucketPolicyStatus or
 * GetObjectAcl failed (no permission, throttled, 5xx). Never taken for "public".
 */
class PublicVerdictUnavailableError extends StorageUnavailableError {
  public readonly operation: VerdictOperation;

  public constructor(operation: VerdictOperation, bucket: string, key: string, options?: ErrorOptions) {
    const cause: unknown = options?.cause;
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`S3 would not say whether s3://${bucket}/${key} is public: ${operation} failed (${detail})`, bucket, key, options);
    this.name = 'PublicVerdictUnavailableError';
    this.operation = operation;
  }
}

export {
  ObjectChangedError,
  ObjectMissingError,
  ObjectNetworkOnlyError,
  ObjectNotPublicError,
  PublicVerdictUnavailableError,
  StorageError,
  StorageUnavailableError,
  VerdictOperation,
};
