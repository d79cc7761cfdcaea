import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { RecordStore } from '../records/index.js';

/** How torrents are made and where they point; one deployment-wide setting each. */
interface PublishSettings {
  /** Tracker tiers written in every torrent (the deployment's HTTP and UDP trackers). */
  readonly trackers: ReadonlyArray<ReadonlyArray<string>>;
  /**
   * Base of the public S3 URL of an object, for the BEP 19 webseed: `<base>/<bucket>/<key>`
   * (path style). Undefined: no webseed.
   */
  readonly webseedBaseUrl: string | undefined;
  /** Objects larger than this are hashed in segments of about this size, one message each. */
  readonly segmentBytes: number;
  /** Hashing threads per worker (0 = on the handler's thread). */
  readonly hashThreads: number;
  /** Torrents up to this size live inline in the record, larger ones in the artifacts bucket. */
  readonly inlineTorrentMaxBytes: number;
}

/** What the hash-job handlers work with. */
interface HashJobContext {
  readonly records: RecordStore;
  /** Unsigned client: every read of published bytes is anonymous. */
  readonly anonymousS3: S3Client;
  /** Signed client for the stack's own artifacts bucket. */
  readonly artifactsS3: S3Client;
  readonly artifactsBucket: string;
  readonly sqs: SQSClient;
  readonly hashQueueUrl: string;
  readonly settings: PublishSettings;
}

export type { HashJobContext, PublishSettings };
