import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Runtime for every Lambda in the stack. Node.js 22: Node 20 reached end of life in April 2026 and
 * the AWS SDK v3 warns that it needs Node >= 22 after January 2027.
 */
const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;

/**
 * Properties every bucket this stack creates starts from: private, encrypted at rest, HTTPS only.
 *
 * - SSE-S3 rather than SSE-KMS: server access logs can only be delivered to an SSE-S3 bucket, and
 *   large .torrent files are handed out as presigned URLs, which with SSE-KMS would also need
 *   `kms:Decrypt` for whoever signs them.
 * - `enforceSSL` adds a bucket policy denying `aws:SecureTransport = false` (cdk-nag AwsSolutions-S10);
 *   `minimumTLSVersion` adds a deny for clients negotiating TLS below 1.2.
 * - ACLs are disabled (`BUCKET_OWNER_ENFORCED`): access is decided by IAM and bucket policy only.
 * - `RETAIN` is the CDK default, spelled out so nobody flips it casually: deleting the stack must
 *   not delete what the buckets hold.
 */
const PRIVATE_BUCKET_PROPS = {
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  removalPolicy: RemovalPolicy.RETAIN,
} as const satisfies s3.BucketProps;

/** Key prefix under which the artifacts bucket's server access logs are written. */
const ARTIFACTS_ACCESS_LOGS_PREFIX = 'artifacts/';

/**
 * Abort multipart uploads left incomplete for this long: their parts are billed but invisible.
 * A day is generous for the .torrent files the artifacts bucket holds (kilobytes to a few MiB).
 */
const ABORT_INCOMPLETE_UPLOADS_AFTER = Duration.days(1);

export {
  ABORT_INCOMPLETE_UPLOADS_AFTER,
  ARTIFACTS_ACCESS_LOGS_PREFIX,
  LAMBDA_RUNTIME,
  PRIVATE_BUCKET_PROPS,
};
