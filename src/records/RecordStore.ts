import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { TranslateConfig } from '@aws-sdk/lib-dynamodb';
import { ChangeLog } from './ChangeLog.js';
import { retryConflicts } from './conflicts.js';
import { RecordContentionError, StaleRecordError } from './errors.js';
import { markReady, recordSegment, segmentResults, startHashing } from './hashingAttempts.js';
import type { RecordOnAttempt } from './hashingAttempts.js';
import {
  aliasHashes,
  assertBucket,
  assertInfoHash,
  assertNonNegativeInteger,
  assertObjectId,
  assertPositiveInteger,
  assertReason,
  decodeCursor,
  encodeCursor,
  namesIn,
  recordFromItem,
} from './items.js';
import type { Item } from './items.js';
import { PREFIX_KIND } from './prefixItems.js';
import { PrefixStore } from './prefixRecords.js';
import type { ArtifactReader } from './prefixRecords.js';
import type { PublishedTarget } from './prefixSchema.js';
import { readRecord, recordKey, updateRecord } from './recordItem.js';
import { readRecords } from './readRecords.js';
import type { TableAccess } from './recordItem.js';
import { OBJECT_RECORD_PREFIX, RecordState, TableKeys, aliasPartitionKey } from './schema.js';
import type { ObjectRecord, SegmentResult } from './schema.js';
import { createRecordTable, recordTableDefinition } from './table.js';
import type { TableDefinition } from './table.js';
import type {
  EnsurePendingOptions,
  EnsurePendingResult,
  HashingAttempt,
  HashingPlan,
  ListPageOptions,
  RecordPage,
  RecordStoreOptions,
  SegmentProgress,
  Torrents,
} from './types.js';

/** Rounds of read-then-conditional-write in `ensurePending`; each lost round means another caller made progress. */
const MAX_ENSURE_ATTEMPTS = 5;

/** Records per page of `listByBucket` when no page size is given (DynamoDB also stops a page at 1 MB). */
const DEFAULT_LIST_PAGE_SIZE = 100;

/**
 * The object records of the `?torrent` flow in one DynamoDB table (layout: `schema.ts`). Every
 * state change is a conditional write on the record's state and ETag, so concurrent callers can
 * neither lose an update nor publish twice; a caller whose record moved on (overwritten object,
 * revocation) gets a StaleRecordError and should drop its work.
 *
 * Reads of records are strongly consistent; `listByBucket` reads a GSI, which is not.
 *
 * @example
 * const store = new RecordStore({ client: new DynamoDBClient({}), tableName: 'records' });
 * const { enqueue } = await store.ensurePending('bucket', 'video.mp4', etag, size);
 * if (enqueue) await queue.send({ bucket: 'bucket', key: 'video.mp4', etag });
 */
class RecordStore {
  /** The transitions that stop a swarm, logged in the same transactions (ChangeLog.ts); the seeder polls it. */
  public readonly changes: ChangeLog;
  /** The prefix records (prefixRecords.ts), in the same table, logging to the same change log. */
  public readonly prefixes: PrefixStore;
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => Date;

  public constructor(options: RecordStoreOptions) {
    const { client } = options;
    // lib-dynamodb keeps a document client's marshalling options on the wrapped client's config,
    // which every document client over that client shares: `from(client, ownOptions)` would
    // replace the options of the others. So a plain client is wrapped with the options it
    // already carries, and this store never writes undefined values (it needs no options).
    this.documents = client instanceof DynamoDBDocumentClient
      ? client
      : DynamoDBDocumentClient.from(client, (client.config as { translateConfig?: TranslateConfig }).translateConfig);
    this.tableName = options.tableName;
    this.now = options.now ?? ((): Date => new Date());
    this.changes = new ChangeLog(this.documents, this.tableName);
    this.prefixes = new PrefixStore(this.tableAccess, this.changes);
  }

  /** @internal The table and clock, for the record operations kept in other modules (maintenance.ts). */
  public get tableAccess(): TableAccess {
    return { documents: this.documents, tableName: this.tableName, now: this.now };
  }

  /** The CreateTable input and TTL setting of the record table (the CDK stack mirrors it). */
  public static tableDefinition(tableName: string): TableDefinition {
    return recordTableDefinition(tableName);
  }

  /** Creates the record table if absent, waits for it, turns TTL on: for the local stack and tests. */
  public static async createTable(client: DynamoDBClient, tableName: string): Promise<void> {
    await createRecordTable(client, tableName);
  }

  /** The record of an object, or undefined when none was ever created. */
  public async get(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    assertObjectId(bucket, key);
    return readRecord(this.tableAccess, bucket, key);
  }

  /**
   * The records of several objects of one bucket (strongly consistent, as `get`), by key, read
   * a hundred per BatchGetItem; keys without a record are absent. `keys` must be distinct.
   */
  public async getMany(bucket: string, keys: ReadonlyArray<string>): Promise<Map<string, ObjectRecord>> {
    return readRecords(this.tableAccess, bucket, keys);
  }

  /**
   * Makes sure a record exists for this version of the object. Creates it PENDING when absent;
   * resets it to PENDING (dropping the old version's plan and torrents) when it holds another
   * ETag. A record of this ETag is returned as is, whatever its state, except that with
   * `retryFailed` a FAILED one, and with `reinstateRevoked` a REVOKED one, goes back to PENDING.
   *
   * @returns the record, and `enqueue: true` for exactly the one caller whose write created or
   *   reset it: that caller queues the hashing job.
   */
  public async ensurePending(bucket: string, key: string, etag: string, size: number, options: EnsurePendingOptions = {}): Promise<EnsurePendingResult> {
    assertObjectId(bucket, key, etag);
    assertNonNegativeInteger('size', size);
    for (let attempt = 1; attempt <= MAX_ENSURE_ATTEMPTS; attempt += 1) {
      const current = await this.get(bucket, key);
      const retry =
        (options.retryFailed === true && current?.state === RecordState.Failed) ||
        (options.reinstateRevoked === true && current?.state === RecordState.Revoked);
      if (current !== undefined && current.etag === etag && !retry) return { record: current, enqueue: false };
      // Absent: create. Other ETag: reset unless someone already moved it to ours.
      // FAILED (retryFailed) or REVOKED (reinstateRevoked): restart once, whoever wins the write.
      const condition = current === undefined
        ? 'attribute_not_exists(#pk)'
        : current.etag !== etag
          ? 'attribute_exists(#pk) AND #etag <> :etag'
          : '#etag = :etag AND #state = :restart';
      // Replacing another ETag stops that version's swarm (it may be READY by now): logged.
      const logged = current !== undefined && current.etag !== etag;
      const record = await this.resetToPending(bucket, key, etag, size, condition, retry ? { ':restart': current?.state } : {}, logged);
      if (record !== undefined) return { record, enqueue: true };
    }
    throw new RecordContentionError(`ensuring a PENDING record for s3://${bucket}/${key}`, MAX_ENSURE_ATTEMPTS);
  }

  /**
   * PENDING → HASHING with the hashing plan and a new hashing attempt (`attemptId`), which the
   * segment jobs carry. Repeating it for a record already HASHING this ETag with the same plan
   * returns the record unchanged, same attempt (a redelivered job). Why attempts:
   * hashingAttempts.ts.
   *
   * @throws StaleRecordError when the record is gone, holds another ETag, or is in another state.
   * @throws HashingPlanConflictError when it is HASHING this ETag with a different plan.
   */
  public startHashing(bucket: string, key: string, etag: string, plan: HashingPlan): Promise<RecordOnAttempt> {
    return startHashing(this.tableAccess, bucket, key, etag, plan);
  }

  /**
   * Stores one segment's piece hashes for one hashing attempt and counts it on the record, in one
   * transaction: the segment item is written only if absent, the count only while the record is
   * HASHING that ETag and that attempt. A redelivered segment is not counted again
   * (`counted: false`); a segment of an earlier attempt is neither written nor counted.
   *
   * `segmentsDone` is read after the write, so several callers may see it equal `segmentsTotal`;
   * each may call `markReady`, which publishes once.
   *
   * @throws SegmentTooLargeError when the hashes would not fit in one item.
   * @throws HashingAttemptSupersededError when the record is on another attempt of this ETag.
   * @throws StaleRecordError when the record is gone, holds another ETag, or is not HASHING.
   * @throws SegmentOutOfRangeError when `index` is not below the record's `segmentsTotal`.
   */
  public recordSegment(attempt: HashingAttempt, segment: SegmentResult): Promise<SegmentProgress> {
    return recordSegment(this.tableAccess, attempt, segment);
  }

  /** Every recorded segment of one hashing attempt, sorted by index. */
  public segmentResults(attempt: HashingAttempt): Promise<SegmentResult[]> {
    return segmentResults(this.tableAccess, attempt);
  }

  /**
   * HASHING → READY with the torrents, once every segment of the attempt is recorded, and in the
   * same transaction the aliases that find the record by infohash. Calling it again for a record
   * already READY by this attempt changes nothing and returns that record. `v1PaddedTail`: the
   * hasher's padded tail hash (see ObjectRecord), stored with the torrents.
   *
   * @returns the record read right after the write (READY, unless revoked in between).
   * @throws SegmentsIncompleteError when segments are still missing.
   * @throws HashingAttemptSupersededError when the record is on another attempt of this ETag.
   * @throws StaleRecordError when the record is gone, holds another ETag, or is not HASHING.
   * @throws InlineTorrentTooLargeError when the inline bytes would not fit in the record.
   */
  public markReady(attempt: HashingAttempt, torrents: Torrents, v1PaddedTail?: Uint8Array): Promise<ObjectRecord> {
    return markReady(this.tableAccess, attempt, torrents, v1PaddedTail);
  }

  /**
   * PENDING or HASHING → FAILED with a reason. Repeating it for a record already FAILED for this
   * ETag returns it unchanged (the first reason stays). With `attemptId` (a segment job's), only
   * while the record is HASHING that attempt: a failing job of an earlier hashing of the same
   * ETag must not fail the current one.
   *
   * @throws StaleRecordError when the record is gone, holds another ETag, is READY or REVOKED, or is on another attempt.
   */
  public async markFailed(bucket: string, key: string, etag: string, reason: string, options: { readonly attemptId?: string | undefined } = {}): Promise<ObjectRecord> {
    assertObjectId(bucket, key, etag);
    assertReason(reason);
    const { attemptId } = options;
    const update = 'SET #state = :failed, #reason = :reason, #updatedAt = :now';
    const condition = `#etag = :etag AND ${attemptId === undefined ? '#state IN (:pending, :hashing)' : '#state = :hashing AND #attemptId = :attemptId'}`;
    const values: Record<string, unknown> = { ':failed': RecordState.Failed, ':reason': reason, ':etag': etag, ':hashing': RecordState.Hashing };
    if (attemptId === undefined) values[':pending'] = RecordState.Pending;
    else values[':attemptId'] = attemptId;
    const written = await this.conditionalUpdate(bucket, key, update, condition, values);
    if (written !== undefined) return written;
    const current = await this.get(bucket, key);
    if (current?.etag === etag && current.state === RecordState.Failed && (attemptId === undefined || current.attemptId === attemptId)) return current;
    throw new StaleRecordError(bucket, key, etag, current, attemptId === undefined ? `${RecordState.Pending} or ${RecordState.Hashing}` : `${RecordState.Hashing} attempt ${attemptId}`);
  }

  /**
   * Any state → REVOKED with a reason, keeping the ETag: the object is no longer anonymously
   * readable, or is gone. Already REVOKED: returned unchanged. With `etag`, only that version is
   * revoked (a late event about an overwritten version must not revoke the new one). Logged in
   * the change log in the same transaction: the seeder stops the swarm at its next poll.
   *
   * @returns the record, or undefined when the object never had one (nothing to revoke).
   * @throws StaleRecordError when `etag` is given and the record holds another.
   */
  public async markRevoked(bucket: string, key: string, reason: string, options: { readonly etag?: string | undefined } = {}): Promise<ObjectRecord | undefined> {
    assertObjectId(bucket, key, options.etag);
    assertReason(reason);
    const update = 'SET #state = :revoked, #reason = :reason, #updatedAt = :now';
    const condition = `attribute_exists(#pk) AND #state <> :revoked${options.etag === undefined ? '' : ' AND #etag = :etag'}`;
    const values: Record<string, unknown> = { ':revoked': RecordState.Revoked, ':reason': reason };
    if (options.etag !== undefined) values[':etag'] = options.etag;
    const written = await this.conditionalUpdate(bucket, key, update, condition, values, RecordState.Revoked);
    if (written !== undefined) return written;
    const current = await this.get(bucket, key);
    if (current === undefined || options.etag === undefined || current.etag === options.etag) return current;
    throw new StaleRecordError(bucket, key, options.etag, current, 'any state');
  }

  /**
   * The READY record a v1 infohash (40 hex) or v2 infohash (64 hex, or its first 40) names;
   * undefined when unknown, or when the record has since been overwritten, revoked or failed,
   * or when the infohash names a prefix snapshot (`findTargetByInfoHash`).
   */
  public async findByInfoHash(infoHashHex: string): Promise<ObjectRecord | undefined> {
    const alias = await this.readAlias(infoHashHex);
    return alias === undefined || alias['kind'] === PREFIX_KIND ? undefined : this.objectOfAlias(alias, infoHashHex);
  }

  /**
   * What an infohash names: a READY object version, or a READY prefix snapshot with its members
   * (`readArtifact` reads a member list kept in the artifacts bucket); undefined as for
   * `findByInfoHash`.
   */
  public async findTargetByInfoHash(infoHashHex: string, readArtifact?: ArtifactReader): Promise<PublishedTarget | undefined> {
    const alias = await this.readAlias(infoHashHex);
    if (alias === undefined) return undefined;
    if (alias['kind'] === PREFIX_KIND) {
      const target = await this.prefixes.targetOfAlias(alias, infoHashHex, readArtifact);
      return target === undefined ? undefined : { kind: 'prefix', ...target };
    }
    const record = await this.objectOfAlias(alias, infoHashHex);
    return record === undefined ? undefined : { kind: 'object', record };
  }

  private async readAlias(infoHashHex: string): Promise<Item | undefined> {
    assertInfoHash(infoHashHex);
    const { Item: alias } = await this.documents.send(new GetCommand({
      TableName: this.tableName,
      Key: { [TableKeys.PartitionKey]: aliasPartitionKey(infoHashHex), [TableKeys.SortKey]: TableKeys.AliasSortKey },
      ConsistentRead: true,
    }));
    return alias;
  }

  private async objectOfAlias(alias: Item, infoHashHex: string): Promise<ObjectRecord | undefined> {
    const record = await this.get(String(alias['bucket']), String(alias['key']));
    if (record?.state !== RecordState.Ready || record.etag !== alias['etag'] || record.torrents === undefined) return undefined;
    // The alias may outlive the version it was written for; only the record's own hashes count.
    return aliasHashes(record.torrents).includes(infoHashHex.slice(0, 40).toLowerCase()) ? record : undefined;
  }

  /** Every record of a bucket, page by page (for bucket-level revocation). Reads a GSI: eventually consistent. */
  public async *listByBucket(bucket: string, options: { readonly pageSize?: number | undefined } = {}): AsyncGenerator<ObjectRecord> {
    let cursor: string | undefined;
    do {
      const page = await this.listByBucketPage(bucket, { limit: options.pageSize, cursor });
      yield* page.records;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** One page of a bucket's records, ordered by key, and the cursor of the next page. */
  public async listByBucketPage(bucket: string, options: ListPageOptions = {}): Promise<RecordPage> {
    assertBucket(bucket);
    const limit = options.limit ?? DEFAULT_LIST_PAGE_SIZE;
    assertPositiveInteger('limit', limit);
    const condition = '#gsiBucket = :bucket';
    const page = await this.documents.send(new QueryCommand({
      TableName: this.tableName,
      IndexName: TableKeys.ByBucketIndex,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: namesIn(condition),
      ExpressionAttributeValues: { ':bucket': bucket },
      Limit: limit,
      ExclusiveStartKey: decodeCursor(options.cursor),
    }));
    return { records: (page.Items ?? []).map(recordFromItem), cursor: encodeCursor(page.LastEvaluatedKey) };
  }

  /**
   * Every record still PENDING or HASHING, by a full table scan: for the restart of the local
   * stack (its queue emulator keeps no messages) and for a sweep that re-queues lost jobs.
   * A scan reads the whole table; call it rarely.
   */
  public async *listUnfinished(): AsyncGenerator<ObjectRecord> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({
          TableName: this.tableName,
          // Object records only: prefix records (pk `p/...`) share the sort key (prefixes.listUnfinished).
          FilterExpression: '#sk = :record AND begins_with(#pk, :objects) AND #state IN (:pending, :hashing)',
          ExpressionAttributeNames: { '#sk': TableKeys.SortKey, '#pk': TableKeys.PartitionKey, '#state': 'state' },
          ExpressionAttributeValues: { ':record': TableKeys.RecordSortKey, ':objects': OBJECT_RECORD_PREFIX, ':pending': RecordState.Pending, ':hashing': RecordState.Hashing },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) yield recordFromItem(item as Item);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /** Writes PENDING for `etag` if `condition` holds; undefined when it does not. */
  private async resetToPending(
    bucket: string,
    key: string,
    etag: string,
    size: number,
    condition: string,
    conditionValues: Record<string, unknown>,
    logged: boolean,
  ): Promise<ObjectRecord | undefined> {
    const update = [
      'SET #bucket = :bucket, #key = :key, #gsiBucket = :bucket, #gsiKey = :key, #etag = :etag, #size = :size,',
      '#state = :pending, #createdAt = if_not_exists(#createdAt, :now), #updatedAt = :now',
      'REMOVE #reason, #pieceLength, #pieceCount, #segmentsTotal, #segmentsDone, #attemptId, #torrents, #v1PaddedTail',
    ].join(' ');
    const values = { ...conditionValues, ':bucket': bucket, ':key': key, ':etag': etag, ':size': size, ':pending': RecordState.Pending };
    return this.conditionalUpdate(bucket, key, update, condition, values, logged ? RecordState.Pending : undefined);
  }

  /**
   * One conditional UpdateItem on the record, `:now` supplied; the new record, or undefined when
   * the condition was false. With `logged` (the state it moves to), in one transaction with a
   * change item (ChangeLog.ts), then read back.
   */
  private async conditionalUpdate(
    bucket: string,
    key: string,
    update: string,
    condition: string,
    values: Record<string, unknown>,
    logged?: RecordState,
  ): Promise<ObjectRecord | undefined> {
    if (logged === undefined) return updateRecord(this.tableAccess, { bucket, key }, update, condition, values);
    const now = this.now();
    const input = {
      TableName: this.tableName,
      Key: recordKey(bucket, key),
      UpdateExpression: update,
      ConditionExpression: condition,
      ExpressionAttributeNames: namesIn(update, condition),
      ExpressionAttributeValues: { ...values, ':now': now.toISOString() },
    };
    const written = await retryConflicts(`updating the record of s3://${bucket}/${key}`, () =>
      this.changes.updateWithNote(input, { bucket, key, state: logged }, now));
    return written ? this.get(bucket, key) : undefined;
  }
}

export { RecordStore };
