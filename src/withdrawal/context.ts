import type { SQSClient } from '@aws-sdk/client-sqs';
import type { RecordStore } from '../records/index.js';
import type { Readability } from '../storage/index.js';

/**
 * What the access checker and the sweep work with (built once per process in src/service).
 *
 * Readability is asked of exactly one function: S3's own answer for anyone on the internet.
 * Nothing here parses ACLs or policies.
 */
interface WithdrawalContext {
  readonly records: RecordStore;
  /**
   * Whether anyone may read the object now, and which version: S3's answer to an unsigned HEAD
   * (`checkReadability` of src/storage), or a check that also asks S3's public verdict.
   */
  readonly readability: (bucket: string, key: string) => Promise<Readability>;
  /**
   * Drops whatever `readability` remembers about a bucket (a cached policy status, say); called
   * before the records of a bucket are re-checked for a bucket- or account-level change, and by
   * the sweep. @default - nothing to forget
   */
  readonly forgetBucket?: ((bucket: string) => void | Promise<void>) | undefined;
  /** Published buckets; `'*'` publishes every bucket (local stack): its records are found by a table scan. */
  readonly publishedBuckets: ReadonlySet<string> | '*';
  readonly sqs: SQSClient;
  /** Where re-hash jobs and re-queued jobs go (`hash-jobs`). */
  readonly hashQueueUrl: string;
  /** Where a re-check that ran out of time continues (`access-events`). */
  readonly accessQueueUrl: string;
  /**
   * A PENDING or HASHING record left unchanged this long has lost its job (a crash between the
   * record write and SendMessage, a message gone): the sweep queues it again.
   */
  readonly staleJobMs: number;
  /**
   * Reads an artifact of the stack's artifacts bucket: a prefix snapshot's member list lives there
   * when it is too long for its record. @default - such snapshots cannot be read (their re-check fails)
   */
  readonly readArtifact?: ((artifactKey: string) => Promise<Uint8Array>) | undefined;
  /** Clock (ms since the epoch), for staleness and deadlines. @default Date.now */
  readonly now?: (() => number) | undefined;
}

export type { WithdrawalContext };
