import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { RecordStore } from './records/index.js';
import type { PublicAccess } from './storage/index.js';

/** The clients and resources both Lambdas' contexts carry (built once per process in src/service). */
interface ServiceClients {
  readonly records: RecordStore;
  /** Unsigned client: every read of published bytes is anonymous. */
  readonly anonymousS3: S3Client;
  /** Whether an object may be published: S3's verdict, one per process (its bucket cache is shared). */
  readonly publicAccess: PublicAccess;
  /** Signed client for the stack's own artifacts bucket. */
  readonly artifactsS3: S3Client;
  readonly artifactsBucket: string;
  readonly sqs: SQSClient;
  readonly hashQueueUrl: string;
}

export type { ServiceClients };
