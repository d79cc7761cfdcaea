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

/**
 * The Lambdas' sizes (docs/sizing.md). The hash-worker's memory is a setting; its timeout covers
 * the slowest segment we plan for (256 MiB at ~10 MB/s is ~27 s; a 4 GiB segment at 90 MB/s is
 * ~48 s) and the assembly of the largest torrents, with room to spare.
 */
const HASH_WORKER_TIMEOUT = Duration.minutes(5);

/** SQS's advice for a Lambda consumer: visibility at least 6x the function timeout. */
const HASH_QUEUE_VISIBILITY_TIMEOUT = Duration.minutes(30);

/** Hash jobs are long and few: one message per invocation, so one slow segment delays no other. */
const HASH_WORKER_BATCH_SIZE = 1;

/**
 * The torrent API answers within API Gateway's integration limit (29 s for an HTTP API route, the
 * same figure for the function): its wait for small objects (`S3TORRENT_API_WAIT_MS`, 20 s) plus
 * a margin. 512 MB: bencode and presigning, no hashing.
 */
const TORRENT_API_TIMEOUT = Duration.seconds(29);
const TORRENT_API_MEMORY_MB = 512;

/**
 * The access checker: an object event is one anonymous HEAD and at most a record write; a
 * bucket-level re-check stops 15 s before the timeout and hands the rest on (src/withdrawal), so
 * a minute is plenty. 512 MB: network-bound work, with the CPU share 512 MB brings.
 */
const ACCESS_CHECKER_TIMEOUT = Duration.minutes(1);
const ACCESS_CHECKER_MEMORY_MB = 512;

/**
 * The sweep re-checks records inline for most of its timeout, then hands what is left to the
 * access checker: five minutes keep a sweep of ~100k records in one invocation.
 */
const SWEEP_TIMEOUT = Duration.minutes(5);
const SWEEP_MEMORY_MB = 512;

/**
 * How long queued messages and their dead letters are kept. A dead letter is kept the longest SQS
 * allows, so an operator back from two weeks away still finds what failed.
 */
const QUEUE_RETENTION = Duration.days(4);
const DEAD_LETTER_RETENTION = Duration.days(14);

/** Log retention of every log group the stack creates: long enough to look back on an incident. */
const LOG_RETENTION_DAYS = 30;

export {
  ABORT_INCOMPLETE_UPLOADS_AFTER,
  ACCESS_CHECKER_MEMORY_MB,
  ACCESS_CHECKER_TIMEOUT,
  DEAD_LETTER_RETENTION,
  HASH_QUEUE_VISIBILITY_TIMEOUT,
  HASH_WORKER_BATCH_SIZE,
  HASH_WORKER_TIMEOUT,
  LOG_RETENTION_DAYS,
  QUEUE_RETENTION,
  SWEEP_MEMORY_MB,
  SWEEP_TIMEOUT,
  TORRENT_API_MEMORY_MB,
  TORRENT_API_TIMEOUT,
  ARTIFACTS_ACCESS_LOGS_PREFIX,
  LAMBDA_RUNTIME,
  PRIVATE_BUCKET_PROPS,
};
