import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ObjectRecord, StoredTorrent } from './schema.js';

/** The options and results of RecordStore's methods. */
interface RecordStoreOptions {
  /**
   * A document client, used as is, or a DynamoDB client (endpoint, region, credentials) the store
   * wraps in one. The store needs no marshalling options: whatever the client carries is fine.
   */
  readonly client: DynamoDBClient | DynamoDBDocumentClient;
  readonly tableName: string;
  /** Clock for timestamps and segment TTLs. @default () => new Date() */
  readonly now?: (() => Date) | undefined;
}

interface EnsurePendingOptions {
  /** Also restart a FAILED record of the same ETag (FAILED → PENDING, enqueued once). @default false */
  readonly retryFailed?: boolean | undefined;
  /**
   * Also restart a REVOKED record of the same ETag: the caller has just seen S3 serve the object
   * anonymously again, so it is public once more. @default false
   */
  readonly reinstateRevoked?: boolean | undefined;
}

interface EnsurePendingResult {
  readonly record: ObjectRecord;
  /** True for exactly one caller per bucket/key/ETag: the one that must queue the hashing job. */
  readonly enqueue: boolean;
}

/** How the object is cut up for hashing; fixed once HASHING starts. */
interface HashingPlan {
  readonly pieceLength: number;
  readonly pieceCount: number;
  readonly segmentsTotal: number;
}

/**
 * One hashing attempt of one object version: `attemptId` is the record's when `startHashing`
 * returned it. Segment jobs carry it; results are recorded and read for it alone.
 */
interface HashingAttempt {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly attemptId: string;
}

interface SegmentProgress {
  /** False when this segment had been recorded before (a redelivered job): nothing was counted. */
  readonly counted: boolean;
  /** Segments recorded so far, read after the write: may already include other workers' segments. */
  readonly segmentsDone: number;
  readonly segmentsTotal: number;
}

interface ListPageOptions {
  /** Records per page at most. @default 100 */
  readonly limit?: number | undefined;
  /** The `cursor` of the previous page; absent for the first page. */
  readonly cursor?: string | undefined;
}

interface RecordPage {
  readonly records: ObjectRecord[];
  /** Pass to the next call for the next page; undefined on the last page. */
  readonly cursor: string | undefined;
}

interface Torrents {
  readonly v1: StoredTorrent;
  readonly hybrid: StoredTorrent;
}

export type {
  EnsurePendingOptions,
  EnsurePendingResult,
  HashingAttempt,
  HashingPlan,
  ListPageOptions,
  RecordPage,
  RecordStoreOptions,
  SegmentProgress,
  Torrents,
};
