import { GetCommand, QueryCommand, ScanCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeLog } from './ChangeLog.js';
import { cancellationCodes, conditionFailedAt, isConditionFailed, retryConflicts } from './conflicts.js';
import { InlineTorrentTooLargeError, RecordContentionError, RecordInputError } from './errors.js';
import { aliasHashes, assertNonNegativeInteger, assertPositiveInteger, assertReason, assertTorrents, namesIn, torrentToItem } from './items.js';
import type { Item } from './items.js';
import { ManifestUnavailableError, StalePrefixRecordError } from './prefixErrors.js';
import {
  PREFIX_KIND,
  assertManifest,
  assertPrefixId,
  assertSnapshotId,
  decodeMembers,
  manifestToItem,
  prefixIndexPartition,
  prefixRecordFromItem,
  prefixRecordKey,
} from './prefixItems.js';
import type { PrefixMember, PrefixRecord, StoredManifest } from './prefixSchema.js';
import type { TableAccess } from './recordItem.js';
import { RecordLimits, RecordState, TableKeys, aliasPartitionKey } from './schema.js';
import type { Torrents } from './types.js';

/** Rounds of read-then-conditional-write in `takeSnapshot`; each lost round means another caller made progress. */
const MAX_SNAPSHOT_ATTEMPTS = 5;

/** What a fresh listing of a prefix found: the snapshot to publish. */
interface PrefixSnapshot {
  /** SHA-256 hex of the listing (members' keys, ETags, sizes; excluded keys). */
  readonly snapshotId: string;
  readonly pieceLength: number;
  readonly totalSize: number;
  readonly memberCount: number;
  readonly excludedCount: number;
  readonly manifest: StoredManifest;
}

interface TakeSnapshotResult {
  readonly record: PrefixRecord;
  /** True for exactly one caller per snapshot (re)start: the one that must queue the prefix job. */
  readonly enqueue: boolean;
}

/** Reads a member list stored in the artifacts bucket (the caller's signed S3 client). */
type ArtifactReader = (artifactKey: string) => Promise<Uint8Array>;

/**
 * The prefix records (layout: prefixSchema.ts) in the record table: one item per prefix holding
 * its latest snapshot. As for objects, every state change is a conditional write, here on the
 * snapshot id: a job or request working on a snapshot that has since been replaced or revoked
 * gets a StalePrefixRecordError and drops its work. Transitions that must stop a swarm (READY
 * snapshot replaced, revocation) are logged in the change log with `kind: 'prefix'`.
 *
 * @example
 * const { record, enqueue } = await records.prefixes.takeSnapshot('bucket', 'data/', snapshot);
 * if (enqueue) await queue.send({ type: 'prefix', bucket: 'bucket', prefix: 'data/', snapshotId: record.snapshotId });
 */
class PrefixStore {
  public constructor(
    private readonly access: TableAccess,
    private readonly changes: ChangeLog,
  ) {}

  /** The prefix's record (strongly consistent), or undefined when no snapshot was ever taken. */
  public async get(bucket: string, prefix: string): Promise<PrefixRecord | undefined> {
    assertPrefixId(bucket, prefix);
    const { Item: item } = await this.access.documents.send(new GetCommand({
      TableName: this.access.tableName,
      Key: prefixRecordKey(bucket, prefix),
      ConsistentRead: true,
    }));
    return item === undefined ? undefined : prefixRecordFromItem(item);
  }

  /**
   * Records a snapshot a fresh listing found. A record of the same snapshot is returned as is
   * (READY, PENDING, HASHING; FAILED unless `retryFailed`); a REVOKED one of the same snapshot
   * goes back to PENDING, since the caller has just seen every member served to the public
   * again. Another snapshot, in any state, is replaced by this one, PENDING (logged: the old
   * snapshot's swarm must stop).
   *
   * @returns the record, and `enqueue: true` for the one caller whose write created or reset it.
   */
  public async takeSnapshot(bucket: string, prefix: string, snapshot: PrefixSnapshot, options: { readonly retryFailed?: boolean } = {}): Promise<TakeSnapshotResult> {
    assertPrefixId(bucket, prefix);
    assertSnapshotId(snapshot.snapshotId);
    assertPositiveInteger('pieceLength', snapshot.pieceLength);
    for (const name of ['totalSize', 'memberCount', 'excludedCount'] as const) assertNonNegativeInteger(name, snapshot[name]);
    assertManifest(snapshot.manifest);
    for (let attempt = 1; attempt <= MAX_SNAPSHOT_ATTEMPTS; attempt += 1) {
      const current = await this.get(bucket, prefix);
      const same = current?.snapshotId === snapshot.snapshotId;
      const restart = same && (current.state === RecordState.Revoked || (options.retryFailed === true && current.state === RecordState.Failed));
      if (same && !restart) return { record: current, enqueue: false };
      const condition = current === undefined
        ? 'attribute_not_exists(#pk)'
        : same ? '#snapshotId = :previous AND #state = :restart' : '#snapshotId = :previous';
      const values: Record<string, unknown> = current === undefined ? {} : { ':previous': current.snapshotId };
      if (restart) values[':restart'] = current.state;
      const record = await this.writePending(bucket, prefix, snapshot, condition, values, current !== undefined && !same);
      if (record !== undefined) return { record, enqueue: true };
    }
    throw new RecordContentionError(`taking a snapshot of s3://${bucket}/${prefix}`, MAX_SNAPSHOT_ATTEMPTS);
  }

  /**
   * PENDING → HASHING for the prefix job of `snapshotId`; a record already HASHING it is returned
   * unchanged (a redelivered or continued job).
   *
   * @throws StalePrefixRecordError when the record holds another snapshot or another state.
   */
  public async startHashing(bucket: string, prefix: string, snapshotId: string): Promise<PrefixRecord> {
    assertPrefixId(bucket, prefix);
    assertSnapshotId(snapshotId);
    const written = await this.update(bucket, prefix, 'SET #state = :hashing, #updatedAt = :now', '#snapshotId = :snapshotId AND #state IN (:pending, :hashing)', {
      ':hashing': RecordState.Hashing, ':pending': RecordState.Pending, ':snapshotId': snapshotId,
    });
    if (written !== undefined) return written;
    return this.stale(bucket, prefix, snapshotId, `${RecordState.Pending} or ${RecordState.Hashing}`);
  }

  /**
   * Claims a PENDING/HASHING snapshot whose job looks lost, for one re-queue: touches `updatedAt`
   * only if the record is exactly as `record` saw it (same snapshot, state and `updatedAt`), so
   * that of several sweeps racing, one re-queues, and a job that moved meanwhile is left alone.
   *
   * @returns whether this caller won the claim
   */
  public async claimStale(record: PrefixRecord): Promise<boolean> {
    const { bucket, prefix, snapshotId, state, updatedAt } = record;
    assertPrefixId(bucket, prefix);
    assertSnapshotId(snapshotId);
    if (state !== RecordState.Pending && state !== RecordState.Hashing) {
      throw new RecordInputError(`only a PENDING or HASHING prefix record can be re-queued, not a ${state} one (s3://${bucket}/${prefix})`);
    }
    const written = await this.update(bucket, prefix, 'SET #updatedAt = :now', '#snapshotId = :snapshotId AND #state = :state AND #updatedAt = :seen', {
      ':snapshotId': snapshotId, ':state': state, ':seen': updatedAt,
    });
    return written !== undefined;
  }

  /**
   * Counts the members whose hashes are available (for the 202 body). Never moves back: a
   * lower count than the record's (a late or repeated write) leaves the record as it is.
   *
   * @throws StalePrefixRecordError when the record is not HASHING `snapshotId`.
   */
  public async progress(bucket: string, prefix: string, snapshotId: string, membersDone: number): Promise<PrefixRecord> {
    assertPrefixId(bucket, prefix);
    assertSnapshotId(snapshotId);
    assertNonNegativeInteger('membersDone', membersDone);
    const written = await this.update(bucket, prefix, 'SET #membersDone = :done, #updatedAt = :now', '#snapshotId = :snapshotId AND #state = :hashing AND #membersDone < :done', {
      ':done': membersDone, ':hashing': RecordState.Hashing, ':snapshotId': snapshotId,
    });
    if (written !== undefined) return written;
    const current = await this.get(bucket, prefix);
    if (current?.snapshotId === snapshotId && current.state === RecordState.Hashing) return current;
    throw new StalePrefixRecordError(bucket, prefix, snapshotId, current, RecordState.Hashing);
  }

  /**
   * HASHING → READY with the torrents and, in the same transaction, the aliases (`kind:
   * 'prefix'`) that find the snapshot by infohash. Again for a record already READY with this
   * snapshot: returns it unchanged.
   *
   * @throws StalePrefixRecordError when the record is not HASHING (or READY) `snapshotId`.
   * @throws InlineTorrentTooLargeError when the inline bytes would not fit in the record.
   */
  public async markReady(bucket: string, prefix: string, snapshotId: string, torrents: Torrents): Promise<PrefixRecord> {
    assertPrefixId(bucket, prefix);
    assertSnapshotId(snapshotId);
    const inlineBytes = assertTorrents(torrents);
    if (inlineBytes > RecordLimits.MaxInlineTorrentBytes) throw new InlineTorrentTooLargeError(inlineBytes, RecordLimits.MaxInlineTorrentBytes);
    const { tableName, documents } = this.access;
    const now = this.access.now().toISOString();
    const update = 'SET #state = :ready, #torrents = :torrents, #membersDone = #memberCount, #updatedAt = :now REMOVE #reason';
    const condition = '#state = :hashing AND #snapshotId = :snapshotId';
    const aliases = aliasHashes(torrents).map((hash) => ({
      Put: {
        TableName: tableName,
        Item: { [TableKeys.PartitionKey]: aliasPartitionKey(hash), [TableKeys.SortKey]: TableKeys.AliasSortKey, kind: PREFIX_KIND, bucket, prefix, snapshotId, createdAt: now },
      },
    }));
    try {
      await retryConflicts(`marking the prefix record of s3://${bucket}/${prefix} READY`, () => documents.send(new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: prefixRecordKey(bucket, prefix),
              UpdateExpression: update,
              ConditionExpression: condition,
              ExpressionAttributeNames: namesIn(update, condition),
              ExpressionAttributeValues: {
                ':ready': RecordState.Ready, ':hashing': RecordState.Hashing, ':snapshotId': snapshotId, ':now': now,
                ':torrents': { v1: torrentToItem(torrents.v1), hybrid: torrentToItem(torrents.hybrid) },
              },
            },
          },
          ...aliases,
        ],
      })));
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes === undefined || !conditionFailedAt(codes, 0)) throw error;
    }
    const current = await this.get(bucket, prefix);
    if (current?.snapshotId === snapshotId && current.state === RecordState.Ready) return current;
    throw new StalePrefixRecordError(bucket, prefix, snapshotId, current, RecordState.Ready);
  }

  /**
   * PENDING or HASHING → FAILED with a reason; again for a record already FAILED with this
   * snapshot: returned unchanged (the first reason stays).
   *
   * @throws StalePrefixRecordError when the record holds another snapshot or is READY or REVOKED.
   */
  public async markFailed(bucket: string, prefix: string, snapshotId: string, reason: string): Promise<PrefixRecord> {
    assertPrefixId(bucket, prefix);
    assertSnapshotId(snapshotId);
    assertReason(reason);
    const written = await this.update(bucket, prefix, 'SET #state = :failed, #reason = :reason, #updatedAt = :now', '#snapshotId = :snapshotId AND #state IN (:pending, :hashing)', {
      ':failed': RecordState.Failed, ':reason': reason, ':snapshotId': snapshotId, ':pending': RecordState.Pending, ':hashing': RecordState.Hashing,
    });
    if (written !== undefined) return written;
    return this.stale(bucket, prefix, snapshotId, `${RecordState.Pending} or ${RecordState.Hashing}`, RecordState.Failed);
  }

  /**
   * Any state → REVOKED with a reason: a member changed, was deleted or made private, or the
   * bucket's access changed. Already REVOKED: returned unchanged. With `snapshotId`, only that
   * snapshot is revoked (a late event must not revoke a newer snapshot). Logged in the change log
   * (`kind: 'prefix'`) in the same transaction: seeders stop the prefix swarm at their next poll.
   *
   * @returns the record, or undefined when the prefix never had one.
   * @throws StalePrefixRecordError when `snapshotId` is given and the record holds another.
   */
  public async markRevoked(bucket: string, prefix: string, reason: string, options: { readonly snapshotId?: string | undefined } = {}): Promise<PrefixRecord | undefined> {
    assertPrefixId(bucket, prefix);
    assertReason(reason);
    const { snapshotId } = options;
    if (snapshotId !== undefined) assertSnapshotId(snapshotId);
    const update = 'SET #state = :revoked, #reason = :reason, #updatedAt = :now';
    const condition = `attribute_exists(#pk) AND #state <> :revoked${snapshotId === undefined ? '' : ' AND #snapshotId = :snapshotId'}`;
    const values: Record<string, unknown> = { ':revoked': RecordState.Revoked, ':reason': reason };
    if (snapshotId !== undefined) values[':snapshotId'] = snapshotId;
    const written = await this.loggedUpdate(bucket, prefix, update, condition, values, RecordState.Revoked);
    if (written !== undefined) return written;
    const current = await this.get(bucket, prefix);
    if (current === undefined) return undefined;
    if (snapshotId !== undefined && current.snapshotId !== snapshotId) throw new StalePrefixRecordError(bucket, prefix, snapshotId, current, RecordState.Revoked);
    return current;
  }

  /**
   * The snapshot's members in torrent order, from the record (inline) or the artifacts bucket.
   *
   * @throws ManifestUnavailableError when the list is an artifact and no reader was given.
   */
  public async members(record: PrefixRecord, readArtifact?: ArtifactReader): Promise<PrefixMember[]> {
    const { manifest } = record;
    if (manifest?.inline !== undefined) return decodeMembers(manifest.inline);
    if (manifest?.artifactKey === undefined || readArtifact === undefined) throw new ManifestUnavailableError(record.bucket, record.prefix, manifest?.artifactKey);
    return decodeMembers(await readArtifact(manifest.artifactKey));
  }

  /**
   * The READY snapshot a prefix alias names, with its members; undefined when the record has
   * moved on (another snapshot, revoked) or the infohash is not one of its torrents'.
   */
  public async targetOfAlias(alias: Item, infoHashHex: string, readArtifact?: ArtifactReader): Promise<{ record: PrefixRecord; members: PrefixMember[] } | undefined> {
    const record = await this.get(String(alias['bucket']), String(alias['prefix']));
    if (record?.state !== RecordState.Ready || record.snapshotId !== alias['snapshotId'] || record.torrents === undefined) return undefined;
    if (!aliasHashes(record.torrents).includes(infoHashHex.slice(0, 40).toLowerCase())) return undefined;
    return { record, members: await this.members(record, readArtifact) };
  }

  /**
   * Every prefix record of a bucket, in prefix order (for bucket-level revocation): one Query of
   * the byBucket index per 1 MB, on the partition `p/<bucket>` (prefixItems.ts says why). The
   * index is eventually consistent: a snapshot taken a moment ago may be missing.
   */
  public async *prefixesOfBucket(bucket: string): AsyncGenerator<PrefixRecord> {
    assertPrefixId(bucket, '/');
    yield* this.query(IndexQuery.ByBucket, { ':bucket': prefixIndexPartition(bucket) });
  }

  /** Every prefix record still PENDING or HASHING, by a scan: for the local stack's restart (its queue keeps no messages). */
  public listUnfinished(): AsyncGenerator<PrefixRecord> {
    return this.listInStates([RecordState.Pending, RecordState.Hashing]);
  }

  /**
   * Every prefix record in one of `states`, by one scan of the table: for a deployment that
   * publishes any bucket (the local stack's sweep); with named buckets, `prefixesOfBucket`.
   */
  public async *listInStates(states: ReadonlyArray<RecordState>): AsyncGenerator<PrefixRecord> {
    const stateValues = Object.fromEntries(states.map((state, i) => [`:state${i}`, state]));
    const filter = `#sk = :record AND begins_with(#pk, :prefixes) AND #state IN (${Object.keys(stateValues).join(', ')})`;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.access.documents.send(new ScanCommand({
        TableName: this.access.tableName,
        FilterExpression: filter,
        ExpressionAttributeNames: namesIn(filter),
        ExpressionAttributeValues: { ':record': TableKeys.RecordSortKey, ':prefixes': 'p/', ...stateValues },
        ExclusiveStartKey: startKey,
      }));
      for (const item of page.Items ?? []) yield prefixRecordFromItem(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  private async *query(condition: string, values: Record<string, unknown>): AsyncGenerator<PrefixRecord> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.access.documents.send(new QueryCommand({
        TableName: this.access.tableName,
        IndexName: TableKeys.ByBucketIndex,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: namesIn(condition),
        ExpressionAttributeValues: values,
        ExclusiveStartKey: startKey,
      }));
      for (const item of page.Items ?? []) yield prefixRecordFromItem(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /** Reads the record after a refused write: returned when it is already in `done` for this snapshot, else a StalePrefixRecordError. */
  private async stale(bucket: string, prefix: string, snapshotId: string, expected: string, done?: RecordState): Promise<PrefixRecord> {
    const current = await this.get(bucket, prefix);
    if (done !== undefined && current?.snapshotId === snapshotId && current.state === done) return current;
    throw new StalePrefixRecordError(bucket, prefix, snapshotId, current, expected);
  }

  /** Writes the snapshot PENDING if `condition` holds; undefined when it does not. */
  private writePending(bucket: string, prefix: string, snapshot: PrefixSnapshot, condition: string, values: Record<string, unknown>, logged: boolean): Promise<PrefixRecord | undefined> {
    const update = [
      'SET #bucket = :bucket, #prefix = :prefix, #gsiBucket = :gsiBucket, #gsiKey = :prefix, #snapshotId = :snapshotId,',
      '#pieceLength = :pieceLength, #totalSize = :totalSize, #memberCount = :memberCount, #excludedCount = :excludedCount,',
      '#membersDone = :zero, #manifest = :manifest, #state = :pending, #createdAt = if_not_exists(#createdAt, :now), #updatedAt = :now',
      'REMOVE #reason, #torrents',
    ].join(' ');
    const all = {
      ...values,
      ':bucket': bucket, ':prefix': prefix, ':gsiBucket': prefixIndexPartition(bucket), ':snapshotId': snapshot.snapshotId,
      ':pieceLength': snapshot.pieceLength, ':totalSize': snapshot.totalSize, ':memberCount': snapshot.memberCount,
      ':excludedCount': snapshot.excludedCount, ':zero': 0, ':manifest': manifestToItem(snapshot.manifest), ':pending': RecordState.Pending,
    };
    return logged ? this.loggedUpdate(bucket, prefix, update, condition, all, RecordState.Pending) : this.update(bucket, prefix, update, condition, all);
  }

  /** One conditional UpdateItem, `:now` supplied; the new record, or undefined when the condition was false. */
  private async update(bucket: string, prefix: string, update: string, condition: string, values: Record<string, unknown>): Promise<PrefixRecord | undefined> {
    try {
      const { Attributes: attributes } = await retryConflicts(`updating the prefix record of s3://${bucket}/${prefix}`, () =>
        this.access.documents.send(new UpdateCommand({
          TableName: this.access.tableName,
          Key: prefixRecordKey(bucket, prefix),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: namesIn(update, condition),
          ExpressionAttributeValues: { ...values, ':now': this.access.now().toISOString() },
          ReturnValues: 'ALL_NEW',
        })));
      return prefixRecordFromItem(attributes as Item);
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  /** As `update`, in one transaction with a change item (`kind: 'prefix'`, the state it moves to), then read back. */
  private async loggedUpdate(bucket: string, prefix: string, update: string, condition: string, values: Record<string, unknown>, state: RecordState): Promise<PrefixRecord | undefined> {
    const now = this.access.now();
    const input = {
      TableName: this.access.tableName,
      Key: prefixRecordKey(bucket, prefix),
      UpdateExpression: update,
      ConditionExpression: condition,
      ExpressionAttributeNames: namesIn(update, condition),
      ExpressionAttributeValues: { ...values, ':now': now.toISOString() },
    };
    const written = await retryConflicts(`updating the prefix record of s3://${bucket}/${prefix}`, () =>
      this.changes.updateWithNote(input, { bucket, key: prefix, state, kind: PREFIX_KIND }, now));
    return written ? this.get(bucket, prefix) : undefined;
  }
}

/** Key conditions of the index queries. */
const IndexQuery = {
  ByBucket: '#gsiBucket = :bucket',
} as const;

export { PrefixStore };
export type { ArtifactReader, PrefixSnapshot, TakeSnapshotResult };
