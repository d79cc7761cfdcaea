import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { combineRanges, hashRange, planSegments } from '../../../src/hashing/index.js';
import {
  HashingPlanConflictError,
  InlineTorrentTooLargeError,
  RecordInputError,
  RecordLimits,
  RecordState,
  RecordStore,
  SegmentOutOfRangeError,
  SegmentTooLargeError,
  SegmentsIncompleteError,
  StaleRecordError,
  TableKeys,
  aliasPartitionKey,
  recordPartitionKey,
  segmentSortKey,
} from '../../../src/records/index.js';
import type { HashingAttempt, SegmentResult, Torrents } from '../../../src/records/index.js';
import { TorrentFormat, buildTorrent } from '../../../src/torrent/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { memorySource } from '../../helpers/sources.js';
import { startDynamoDbLocal } from './dynamoDbLocal.js';
import type { LocalDynamoDb } from './dynamoDbLocal.js';
import { fakeTorrents } from './recordFixtures.js';

const TABLE = 's3torrent-records';
const KiB = 1024;

/** Every test works on its own bucket, so tests never see each other's records. */
let bucketCounter = 0;
function freshBucket(): string {
  bucketCounter += 1;
  return `bucket-${bucketCounter}`;
}

/** A small object hashed segment by segment, as the hash workers will, and its torrents built in one pass. */
async function hashedObject(seed: string): Promise<{ size: number; pieceLength: number; segments: SegmentResult[]; torrents: Torrents }> {
  const pieceLength = 16 * KiB;
  const size = 300 * KiB + 123;
  const data = pseudoRandomBytes(size, seed);
  const plan = planSegments(size, pieceLength, 64 * KiB);
  const segments = await Promise.all(plan.map(async (s) => {
    const hashes = await hashRange(memorySource(data), { size, pieceLength, offset: s.offset, length: s.length, threads: 0 });
    return { ...s, v1: hashes.v1, v2: hashes.v2 as Uint8Array };
  }));
  return { size, pieceLength, segments, torrents: torrentsOf(segments, size, pieceLength, `${seed}.bin`) };
}

function torrentsOf(segments: SegmentResult[], size: number, pieceLength: number, name: string): Torrents {
  const pieces = combineRanges(segments, size, pieceLength);
  const v1 = buildTorrent(pieces, { name, format: TorrentFormat.V1 });
  const hybrid = buildTorrent(pieces, { name, format: TorrentFormat.Hybrid });
  return {
    v1: { infoHashV1: v1.infoHashV1, inline: v1.torrent, bytes: v1.torrent.length },
    hybrid: { infoHashV1: hybrid.infoHashV1, infoHashV2: hybrid.infoHashV2, inline: hybrid.torrent, bytes: hybrid.torrent.length },
  };
}

/** Segment `index` of one piece with made-up hashes: for tests about counting, not content. */
function fakeSegment(index: number, pieceCount = 1): SegmentResult {
  return {
    index,
    firstPiece: index * pieceCount,
    pieceCount,
    offset: index * pieceCount * 16 * KiB,
    length: pieceCount * 16 * KiB,
    v1: pseudoRandomBytes(20 * pieceCount, `v1:${index}`),
    v2: pseudoRandomBytes(32 * pieceCount, `v2:${index}`),
  };
}


describe('Class: RecordStore (DynamoDB Local)', () => {
  let dynamo: LocalDynamoDb;
  let store: RecordStore;
  let documents: DynamoDBDocumentClient;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    await RecordStore.createTable(dynamo.client, TABLE);
    store = new RecordStore({ client: dynamo.client, tableName: TABLE });
    documents = DynamoDBDocumentClient.from(dynamo.client);
  }, 60_000);

  afterAll(async () => {
    await dynamo?.stop();
  });

  /** PENDING → HASHING for a record of fake segments in a fresh bucket; returns the hashing attempt (its bucket too). */
  async function hashingRecord(key: string, etag: string, segmentsTotal: number, pieceCount = segmentsTotal): Promise<HashingAttempt> {
    const bucket = freshBucket();
    await store.ensurePending(bucket, key, etag, pieceCount * 16 * KiB);
    const { attemptId } = await store.startHashing(bucket, key, etag, { pieceLength: 16 * KiB, pieceCount, segmentsTotal });
    return { bucket, key, etag, attemptId };
  }

  describe('Method: tableDefinition / createTable', () => {
    it('creates the table the schema describes: pk/sk, the byBucket index projecting all, on demand, TTL on expiresAt', async () => {
      // Prepare
      const definition = RecordStore.tableDefinition(TABLE);

      // Act
      const { Table: table } = await dynamo.client.send(new DescribeTableCommand({ TableName: TABLE }));
      const { TimeToLiveDescription: ttl } = await dynamo.client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));

      // Assess
      expect(definition.createTable.BillingMode).toBe('PAY_PER_REQUEST');
      expect(definition.timeToLive).toEqual({ AttributeName: 'expiresAt', Enabled: true });
      expect(table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema, index.Projection])).toEqual([
        ['byBucket', [{ AttributeName: 'gsiBucket', KeyType: 'HASH' }, { AttributeName: 'gsiKey', KeyType: 'RANGE' }], { ProjectionType: 'ALL' }],
      ]);
      expect(ttl).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    });

    it('accepts being asked to create a table that already exists', async () => {
      // Act / Assess
      await expect(RecordStore.createTable(dynamo.client, TABLE)).resolves.toBeUndefined();
    });
  });

  describe('Lifecycle', () => {
    it('takes an object from PENDING through HASHING and its segments to READY, findable by all three infohashes', async () => {
      // Prepare
      const bucket = freshBucket();
      const key = 'videos/lifecycle.bin';
      const etag = '"etag-lifecycle"';
      const object = await hashedObject('lifecycle');

      // Act
      const pending = await store.ensurePending(bucket, key, etag, object.size);
      const hashing = await store.startHashing(bucket, key, etag, {
        pieceLength: object.pieceLength,
        pieceCount: object.segments.reduce((sum, s) => sum + s.pieceCount, 0),
        segmentsTotal: object.segments.length,
      });
      const attempt = { bucket, key, etag, attemptId: hashing.attemptId };
      const progress = [];
      for (const segment of [...object.segments].reverse()) progress.push(await store.recordSegment(attempt, segment));
      const stored = await store.segmentResults(attempt);
      const rebuilt = torrentsOf(stored, object.size, object.pieceLength, 'lifecycle.bin');
      const ready = await store.markReady(attempt, rebuilt);
      const { torrents } = object;
      const found = await Promise.all([
        torrents.v1.infoHashV1,
        torrents.hybrid.infoHashV1,
        torrents.hybrid.infoHashV2 as string,
        (torrents.hybrid.infoHashV2 as string).slice(0, 40),
        torrents.v1.infoHashV1.toUpperCase(),
      ].map((hash) => store.findByInfoHash(hash)));

      // Assess
      expect(pending).toMatchObject({ enqueue: true, record: { bucket, key, etag, size: object.size, state: RecordState.Pending } });
      expect(hashing).toMatchObject({ state: RecordState.Hashing, segmentsDone: 0, segmentsTotal: 5, pieceCount: 19, pieceLength: 16 * KiB });
      expect(progress.map((p) => [p.counted, p.segmentsDone, p.segmentsTotal])).toEqual([[true, 1, 5], [true, 2, 5], [true, 3, 5], [true, 4, 5], [true, 5, 5]]);
      expect(stored.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
      expect(stored.map((s) => ({ ...s, v1: Buffer.from(s.v1), v2: Buffer.from(s.v2) }))).toEqual(
        object.segments.map((s) => ({ ...s, v1: Buffer.from(s.v1), v2: Buffer.from(s.v2) })),
      );
      // Hashes read back from DynamoDB give byte for byte the torrents of the one-pass build.
      expect(Buffer.from(rebuilt.hybrid.inline as Uint8Array).equals(Buffer.from(torrents.hybrid.inline as Uint8Array))).toBe(true);
      expect(ready).toMatchObject({ state: RecordState.Ready, etag, segmentsDone: 5 });
      expect(Buffer.from(ready.torrents?.v1.inline as Uint8Array).equals(Buffer.from(torrents.v1.inline as Uint8Array))).toBe(true);
      expect(ready.torrents?.hybrid).toMatchObject({ infoHashV1: torrents.hybrid.infoHashV1, infoHashV2: torrents.hybrid.infoHashV2 });
      for (const record of found) expect(record).toEqual(ready);
      expect(await store.get(bucket, key)).toEqual(ready);
    });

    it('keeps the record out of the bucket index for segment and alias items', async () => {
      // Prepare
      const key = 'index-only-records';
      const attempt = await hashingRecord(key, 'e1', 1);
      const { bucket } = attempt;
      await store.recordSegment(attempt, fakeSegment(0));
      await store.markReady(attempt, fakeTorrents('index-only'));

      // Act
      const listed = [];
      for await (const record of store.listByBucket(bucket)) listed.push(record);

      // Assess
      expect(listed.map((r) => [r.key, r.state])).toEqual([[key, RecordState.Ready]]);
    });
  });

  describe('Method: ensurePending', () => {
    it('lets exactly one of 50 concurrent callers enqueue the job for a new object', async () => {
      // Prepare
      const bucket = freshBucket();

      // Act
      const results = await Promise.all(Array.from({ length: 50 }, () => store.ensurePending(bucket, 'concurrent.bin', 'etag-1', 1_000)));

      // Assess
      expect(results.filter((r) => r.enqueue)).toHaveLength(1);
      for (const { record } of results) expect(record).toMatchObject({ etag: 'etag-1', state: RecordState.Pending, size: 1_000 });
    });

    it('resets an overwritten object to PENDING for the new ETag once, however many callers see the overwrite', async () => {
      // Prepare
      const key = 'overwritten.bin';
      const attempt = await hashingRecord(key, 'old', 1);
      const { bucket } = attempt;
      await store.recordSegment(attempt, fakeSegment(0));
      const ready = await store.markReady(attempt, fakeTorrents('overwritten-old'));

      // Act
      const results = await Promise.all(Array.from({ length: 30 }, () => store.ensurePending(bucket, key, 'new', 2_000)));

      // Assess
      expect(results.filter((r) => r.enqueue)).toHaveLength(1);
      const record = await store.get(bucket, key);
      expect(record).toEqual({
        bucket, key, etag: 'new', size: 2_000, state: RecordState.Pending, createdAt: ready.createdAt, updatedAt: expect.any(String),
        reason: undefined, pieceLength: undefined, pieceCount: undefined, segmentsTotal: undefined, segmentsDone: undefined, torrents: undefined,
      });
    });

    it('leaves a REVOKED or FAILED record of the same ETag as it is', async () => {
      // Prepare
      const bucket = freshBucket();
      await store.ensurePending(bucket, 'revoked.bin', 'e', 10);
      await store.markRevoked(bucket, 'revoked.bin', 'no longer public');
      await store.ensurePending(bucket, 'failed.bin', 'e', 10);
      await store.markFailed(bucket, 'failed.bin', 'e', 'read error');

      // Act
      const revoked = await store.ensurePending(bucket, 'revoked.bin', 'e', 10);
      const failed = await store.ensurePending(bucket, 'failed.bin', 'e', 10);

      // Assess
      expect(revoked).toMatchObject({ enqueue: false, record: { state: RecordState.Revoked, reason: 'no longer public' } });
      expect(failed).toMatchObject({ enqueue: false, record: { state: RecordState.Failed, reason: 'read error' } });
    });

    it('restarts a FAILED record with retryFailed, enqueuing once among 20 concurrent callers', async () => {
      // Prepare
      const key = 'retry.bin';
      const attempt = await hashingRecord(key, 'e', 2);
      const { bucket } = attempt;
      await store.markFailed(bucket, key, 'e', 'worker timed out');

      // Act
      const results = await Promise.all(Array.from({ length: 20 }, () => store.ensurePending(bucket, key, 'e', 32 * KiB, { retryFailed: true })));

      // Assess
      expect(results.filter((r) => r.enqueue)).toHaveLength(1);
      expect(await store.get(bucket, key)).toMatchObject({ state: RecordState.Pending, reason: undefined, segmentsTotal: undefined });
    });

    it('refuses a bucket name with a slash', async () => {
      // Act / Assess
      await expect(store.ensurePending('a/b', 'k', 'e', 1)).rejects.toThrow(new RecordInputError('invalid bucket name "a/b"'));
    });
  });

  describe('Method: startHashing', () => {
    it('returns the HASHING record unchanged, same attempt, when the same plan is started again', async () => {
      // Prepare
      const key = 'again.bin';
      const attempt = await hashingRecord(key, 'e', 3);
      const { bucket } = attempt;
      await store.recordSegment(attempt, fakeSegment(1));

      // Act
      const again = await store.startHashing(bucket, key, 'e', { pieceLength: 16 * KiB, pieceCount: 3, segmentsTotal: 3 });

      // Assess
      expect(again).toMatchObject({ state: RecordState.Hashing, segmentsDone: 1, segmentsTotal: 3, attemptId: attempt.attemptId });
    });

    it('refuses another plan for a record already HASHING', async () => {
      // Prepare
      const key = 'plan.bin';
      const attempt = await hashingRecord(key, 'e', 3);
      const { bucket } = attempt;

      // Act
      const act = store.startHashing(bucket, key, 'e', { pieceLength: 16 * KiB, pieceCount: 3, segmentsTotal: 1 });

      // Assess
      await expect(act).rejects.toThrow(HashingPlanConflictError);
      await expect(act).rejects.toThrow(
        `record of s3://${bucket}/${key} (ETag e) is already hashing with piece length 16384, 3 pieces, 3 segments, not piece length 16384, 3 pieces, 1 segments`,
      );
    });

    it('refuses a stale ETag with StaleRecordError naming what the record holds now', async () => {
      // Prepare
      const bucket = freshBucket();
      await store.ensurePending(bucket, 'k', 'new', 10);

      // Act
      const error = await store.startHashing(bucket, 'k', 'old', { pieceLength: 16 * KiB, pieceCount: 1, segmentsTotal: 1 }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(StaleRecordError);
      expect(error).toMatchObject({
        name: 'StaleRecordError', bucket, key: 'k', etag: 'old', currentEtag: 'new', currentState: RecordState.Pending,
        message: `record of s3://${bucket}/k moved on: expected PENDING for ETag old, but the record is PENDING for ETag new`,
      });
    });
  });

  describe('Method: recordSegment', () => {
    it('does not count a redelivered segment twice', async () => {
      // Prepare
      const key = 'redelivered.bin';
      const attempt = await hashingRecord(key, 'e', 3);
      const { bucket } = attempt;
      const first = await store.recordSegment(attempt, fakeSegment(0));

      // Act
      const again = await store.recordSegment(attempt, fakeSegment(0));
      const concurrent = await Promise.all(Array.from({ length: 10 }, () => store.recordSegment(attempt, fakeSegment(1))));

      // Assess
      expect(first).toEqual({ counted: true, segmentsDone: 1, segmentsTotal: 3 });
      expect(again).toEqual({ counted: false, segmentsDone: 1, segmentsTotal: 3 });
      expect(concurrent.filter((p) => p.counted)).toHaveLength(1);
      expect(await store.get(bucket, key)).toMatchObject({ segmentsDone: 2 });
      expect((await store.segmentResults(attempt)).map((s) => s.index)).toEqual([0, 1]);
    });

    it('counts every one of 60 segments recorded at once, each also redelivered, exactly once', async () => {
      // Prepare
      const key = 'parallel.bin';
      const total = 60;
      const attempt = await hashingRecord(key, 'e', total);
      const { bucket } = attempt;
      const deliveries = Array.from({ length: total * 2 }, (_, i) => fakeSegment(i % total));

      // Act
      const progress = await Promise.all(deliveries.map((segment) => store.recordSegment(attempt, segment)));

      // Assess
      expect(progress.filter((p) => p.counted)).toHaveLength(total);
      expect(progress.some((p) => p.segmentsDone === total)).toBe(true);
      expect(await store.get(bucket, key)).toMatchObject({ segmentsDone: total, segmentsTotal: total });
      expect((await store.segmentResults(attempt)).map((s) => s.index)).toEqual(Array.from({ length: total }, (_, i) => i));
    });

    it('refuses segments of the old ETag once the object is overwritten, and the old torrent never becomes READY', async () => {
      // Prepare
      const key = 'overwritten-while-hashing.bin';
      const old = await hashedObject('old-version');
      const bucket = freshBucket();
      await store.ensurePending(bucket, key, 'old', old.size);
      const { attemptId } = await store.startHashing(bucket, key, 'old', { pieceLength: old.pieceLength, pieceCount: 19, segmentsTotal: old.segments.length });
      const attempt = { bucket, key, etag: 'old', attemptId };
      const [firstSegment, ...otherSegments] = old.segments as [SegmentResult, ...SegmentResult[]];
      await store.recordSegment(attempt, firstSegment);

      // Act
      const overwrite = await store.ensurePending(bucket, key, 'new', 5_000);
      const segmentErrors = await Promise.all(otherSegments.map((s) => store.recordSegment(attempt, s).catch((e: unknown) => e)));
      const readyError = await store.markReady(attempt, old.torrents).catch((e: unknown) => e);

      // Assess
      expect(overwrite.enqueue).toBe(true);
      for (const error of [...segmentErrors, readyError]) {
        expect(error).toBeInstanceOf(StaleRecordError);
        expect(error).toMatchObject({ etag: 'old', currentEtag: 'new', currentState: RecordState.Pending });
      }
      expect((readyError as Error).message).toBe(
        `record of s3://${bucket}/${key} moved on: expected HASHING for ETag old, but the record is PENDING for ETag new`,
      );
      // The refused segments were not written either: the transaction is all or nothing.
      expect((await store.segmentResults(attempt)).map((s) => s.index)).toEqual([0]);
      expect(await store.get(bucket, key)).toMatchObject({ etag: 'new', state: RecordState.Pending, torrents: undefined });
      expect(await store.findByInfoHash(old.torrents.v1.infoHashV1)).toBeUndefined();
    });

    it('refuses a segment index past the plan', async () => {
      // Prepare
      const key = 'range.bin';
      const attempt = await hashingRecord(key, 'e', 2, 4);

      // Act
      const act = store.recordSegment(attempt, fakeSegment(2));

      // Assess
      await expect(act).rejects.toThrow(new SegmentOutOfRangeError(2, 2));
      await expect(act).rejects.toThrow('segment 2 is out of range: the record expects segments 0 to 1');
    });

    it('refuses hashes too large for one item, and stores the largest that fit, read back over several pages', async () => {
      // Prepare
      const key = 'large-segments.bin';
      const perPiece = 20 + 32;
      const fitting = Math.floor(RecordLimits.MaxSegmentHashBytes / perPiece);
      const attempt = await hashingRecord(key, 'e', 4, fitting * 4);
      const { bucket } = attempt;
      const segments = Array.from({ length: 4 }, (_, i) => fakeSegment(i, fitting));

      // Act
      const tooLarge = await store.recordSegment(attempt, fakeSegment(0, fitting + 1)).catch((e: unknown) => e);
      for (const segment of segments) await store.recordSegment(attempt, segment);
      const stored = await store.segmentResults(attempt);
      const firstPage = await documents.send(new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': recordPartitionKey(bucket, key), ':prefix': 'seg/e/' },
      }));

      // Assess
      expect(tooLarge).toBeInstanceOf(SegmentTooLargeError);
      expect(tooLarge).toMatchObject({
        name: 'SegmentTooLargeError',
        bytes: (fitting + 1) * perPiece,
        message: `segment 0 holds ${(fitting + 1) * perPiece} bytes of piece hashes, more than the ${RecordLimits.MaxSegmentHashBytes} one record item can take; plan smaller segments`,
      });
      expect(firstPage.LastEvaluatedKey).toBeDefined();
      expect(firstPage.Items?.length).toBeLessThan(4);
      expect(stored.map((s) => [s.index, Buffer.from(s.v1).equals(Buffer.from(segments[s.index]?.v1 as Uint8Array)), s.v2.length])).toEqual(
        segments.map((s) => [s.index, true, fitting * 32]),
      );
    });

    it('writes a segment item that expires a week after it was recorded', async () => {
      // Prepare
      const now = new Date('2026-11-20T10:00:00.000Z');
      const clocked = new RecordStore({ client: dynamo.client, tableName: TABLE, now: () => now });
      const bucket = freshBucket();
      await clocked.ensurePending(bucket, 'ttl.bin', 'e', 16 * KiB);
      const { attemptId } = await clocked.startHashing(bucket, 'ttl.bin', 'e', { pieceLength: 16 * KiB, pieceCount: 1, segmentsTotal: 1 });
      const attempt = { bucket, key: 'ttl.bin', etag: 'e', attemptId };

      // Act
      await clocked.recordSegment(attempt, fakeSegment(0));
      const { Item: item } = await documents.send(new GetCommand({
        TableName: TABLE,
        Key: { pk: recordPartitionKey(bucket, 'ttl.bin'), sk: segmentSortKey('e', attemptId, 0) },
      }));

      // Assess
      expect(item?.[TableKeys.ExpiresAt]).toBe(now.getTime() / 1000 + 7 * 24 * 3600);
      expect(item?.[TableKeys.ByBucketPartition]).toBeUndefined();
    });
  });

  describe('Method: markReady', () => {
    it('publishes once: a second call, and ten concurrent ones, return the same READY record without rewriting it', async () => {
      // Prepare
      let tick = 0;
      const clocked = new RecordStore({ client: dynamo.client, tableName: TABLE, now: () => new Date(Date.UTC(2026, 10, 1) + (tick += 1) * 1_000) });
      const bucket = freshBucket();
      const key = 'twice.bin';
      await clocked.ensurePending(bucket, key, 'e', 16 * KiB);
      const { attemptId } = await clocked.startHashing(bucket, key, 'e', { pieceLength: 16 * KiB, pieceCount: 1, segmentsTotal: 1 });
      const attempt = { bucket, key, etag: 'e', attemptId };
      await clocked.recordSegment(attempt, fakeSegment(0));
      const torrents = fakeTorrents('twice');

      // Act
      const first = await clocked.markReady(attempt, torrents);
      const second = await clocked.markReady(attempt, fakeTorrents('different-bytes'));
      const concurrent = await Promise.all(Array.from({ length: 10 }, () => clocked.markReady(attempt, torrents)));

      // Assess
      expect(first).toMatchObject({ state: RecordState.Ready, torrents: { v1: torrents.v1, hybrid: torrents.hybrid } });
      expect(second).toEqual(first);
      for (const record of concurrent) expect(record).toEqual(first);
      expect(await clocked.findByInfoHash(fakeTorrents('different-bytes').v1.infoHashV1)).toBeUndefined();
    });

    it('publishes all three infohashes of 10 concurrent finishers of the same record exactly once', async () => {
      // Prepare
      const key = 'race.bin';
      const attempt = await hashingRecord(key, 'e', 1);
      const { bucket } = attempt;
      await store.recordSegment(attempt, fakeSegment(0));
      const torrents = fakeTorrents('race');

      // Act
      const records = await Promise.all(Array.from({ length: 10 }, () => store.markReady(attempt, torrents)));
      const aliases = await Promise.all([torrents.v1.infoHashV1, torrents.hybrid.infoHashV1, torrents.hybrid.infoHashV2 as string].map(
        async (hash) => (await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: aliasPartitionKey(hash), sk: 'alias' } }))).Item,
      ));

      // Assess
      expect(new Set(records.map((r) => r.updatedAt)).size).toBe(1);
      for (const alias of aliases) expect(alias).toMatchObject({ bucket, key, etag: 'e' });
    });

    it('refuses to publish before every segment is recorded', async () => {
      // Prepare
      const key = 'incomplete.bin';
      const attempt = await hashingRecord(key, 'e', 3);
      const { bucket } = attempt;
      await store.recordSegment(attempt, fakeSegment(0));

      // Act
      const act = store.markReady(attempt, fakeTorrents('incomplete'));

      // Assess
      await expect(act).rejects.toThrow(SegmentsIncompleteError);
      await expect(act).rejects.toThrow(`record of s3://${bucket}/${key} cannot be READY: 1 of 3 segments recorded`);
      expect(await store.findByInfoHash(fakeTorrents('incomplete').v1.infoHashV1)).toBeUndefined();
    });

    it('refuses inline torrents too large for the record', async () => {
      // Prepare
      const key = 'huge-inline.bin';
      const attempt = await hashingRecord(key, 'e', 1);
      await store.recordSegment(attempt, fakeSegment(0));
      const inline = new Uint8Array(RecordLimits.MaxInlineTorrentBytes);
      const torrents = fakeTorrents('huge');

      // Act
      const act = store.markReady(attempt, { v1: { ...torrents.v1, inline, bytes: inline.length }, hybrid: { ...torrents.hybrid, inline, bytes: inline.length } });

      // Assess
      await expect(act).rejects.toThrow(InlineTorrentTooLargeError);
      await expect(act).rejects.toThrow(`inline torrents hold ${2 * inline.length} bytes, more than the ${RecordLimits.MaxInlineTorrentBytes} a record may carry`);
    });
  });

  describe('Methods: markFailed, markRevoked, findByInfoHash', () => {
    it('no longer finds a READY record by infohash once it is REVOKED, and keeps its ETag and torrents', async () => {
      // Prepare
      const key = 'revoke.bin';
      const attempt = await hashingRecord(key, 'e', 1);
      const { bucket } = attempt;
      await store.recordSegment(attempt, fakeSegment(0));
      const torrents = fakeTorrents('revoke');
      await store.markReady(attempt, torrents);
      const before = await store.findByInfoHash(torrents.hybrid.infoHashV2 as string);

      // Act
      const revoked = await store.markRevoked(bucket, key, 'ACL no longer public-read');
      const again = await store.markRevoked(bucket, key, 'second event');

      // Assess
      expect(before?.state).toBe(RecordState.Ready);
      expect(revoked).toMatchObject({ state: RecordState.Revoked, etag: 'e', reason: 'ACL no longer public-read', torrents: { v1: torrents.v1 } });
      expect(again).toEqual(revoked);
      for (const hash of [torrents.v1.infoHashV1, torrents.hybrid.infoHashV1, torrents.hybrid.infoHashV2 as string]) {
        expect(await store.findByInfoHash(hash)).toBeUndefined();
      }
    });

    it('revokes nothing for an object without a record, and only the named version when given an ETag', async () => {
      // Prepare
      const bucket = freshBucket();
      await store.ensurePending(bucket, 'k', 'current', 1);

      // Act
      const missing = await store.markRevoked(bucket, 'never-seen', 'deleted');
      const noReason = store.markRevoked(bucket, 'k', ' ');
      const stale = await store.markRevoked(bucket, 'k', 'deleted', { etag: 'previous' }).catch((e: unknown) => e);

      // Assess
      expect(missing).toBeUndefined();
      await expect(noReason).rejects.toThrow(new RecordInputError('a reason is required'));
      expect(stale).toBeInstanceOf(StaleRecordError);
      expect(await store.get(bucket, 'k')).toMatchObject({ state: RecordState.Pending, etag: 'current' });
    });

    it('marks a HASHING record FAILED once, keeping the first reason, and never fails a READY one', async () => {
      // Prepare
      const attempt = await hashingRecord('fail.bin', 'e', 1);
      const { bucket } = attempt;
      const readyAttempt = await hashingRecord('ready.bin', 'e', 1);
      const readyBucket = readyAttempt.bucket;
      await store.recordSegment(readyAttempt, fakeSegment(0));
      await store.markReady(readyAttempt, fakeTorrents('never-fail'));

      // Act
      const failed = await store.markFailed(bucket, 'fail.bin', 'e', 'first');
      const again = await store.markFailed(bucket, 'fail.bin', 'e', 'second');
      const readyError = await store.markFailed(readyBucket, 'ready.bin', 'e', 'late worker').catch((e: unknown) => e);

      // Assess
      expect(failed).toMatchObject({ state: RecordState.Failed, reason: 'first' });
      expect(again).toEqual(failed);
      expect(readyError).toBeInstanceOf(StaleRecordError);
      expect((readyError as Error).message).toBe(
        `record of s3://${readyBucket}/ready.bin moved on: expected PENDING or HASHING for ETag e, but the record is READY for ETag e`,
      );
    });

    it('finds nothing for an unknown infohash and refuses one that is not hex', async () => {
      // Act / Assess
      await expect(store.findByInfoHash('0'.repeat(40))).resolves.toBeUndefined();
      await expect(store.findByInfoHash('xyz')).rejects.toThrow(new RecordInputError('"xyz" is not a 40- or 64-digit hex infohash'));
    });
  });

  describe('Collisions with concurrent transactions', () => {
    const clients: DynamoDBClient[] = [];
    afterAll(() => clients.forEach((client) => client.destroy()));

    /**
     * DynamoDB Local runs transactions one at a time and never answers TransactionConflict, which
     * DynamoDB does when transactions on one item overlap. This client fails the next `conflicts`
     * transactions that way before they reach the emulator, the way DynamoDB would.
     */
    function collidingStore(conflicts: number): { store: RecordStore; attempts: () => number } {
      const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      clients.push(client);
      let attempts = 0;
      let remaining = conflicts;
      client.middlewareStack.add((next) => async (args) => {
        if ((args.input as { TransactItems?: unknown[] }).TransactItems === undefined) return next(args);
        attempts += 1;
        if (remaining <= 0) return next(args);
        remaining -= 1;
        const items = (args.input as { TransactItems: unknown[] }).TransactItems;
        throw new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]',
          $metadata: {},
          CancellationReasons: items.map((_, i) => ({ Code: i === items.length - 1 ? 'TransactionConflict' : 'None' })),
        });
      }, { step: 'initialize' });
      return { store: new RecordStore({ client, tableName: TABLE }), attempts: () => attempts };
    }

    it('retries a segment and a publish that collided with another transaction, counting and publishing once', async () => {
      // Prepare
      const key = 'collisions.bin';
      const attempt = await hashingRecord(key, 'e', 1);
      const colliding = collidingStore(3);

      // Act
      const progress = await colliding.store.recordSegment(attempt, fakeSegment(0));
      const afterSegment = colliding.attempts();
      const collidingReady = collidingStore(2);
      const ready = await collidingReady.store.markReady(attempt, fakeTorrents('collisions'));

      // Assess
      expect(progress).toEqual({ counted: true, segmentsDone: 1, segmentsTotal: 1 });
      expect(afterSegment).toBe(4);
      expect(collidingReady.attempts()).toBe(3);
      expect(ready).toMatchObject({ state: RecordState.Ready, etag: 'e' });
    });
  });

  describe('Method: listByBucket', () => {
    it('pages through 120 records of a bucket in key order, and none of another bucket', async () => {
      // Prepare
      const bucket = freshBucket();
      const other = freshBucket();
      const keys = Array.from({ length: 120 }, (_, i) => `dir/object-${String(i).padStart(3, '0')}`);
      for (let i = 0; i < keys.length; i += 20) {
        await Promise.all(keys.slice(i, i + 20).map((key) => store.ensurePending(bucket, key, 'e', 1)));
      }
      await store.ensurePending(other, 'dir/object-000', 'e', 1);

      // Act
      const pageSizes: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listByBucketPage(bucket, { limit: 25, cursor });
        pageSizes.push(page.records.length);
        cursor = page.cursor;
      } while (cursor !== undefined);
      const listed = [];
      for await (const record of store.listByBucket(bucket, { pageSize: 7 })) listed.push(record.key);

      // Assess
      expect(pageSizes).toEqual([25, 25, 25, 25, 20]);
      expect(listed).toEqual(keys);
    });

    it('refuses a malformed cursor', async () => {
      // Act / Assess
      const act = store.listByBucketPage('b', { cursor: 'bm90IGpzb24' });
      await expect(act).rejects.toThrow(RecordInputError);
      await expect(act).rejects.toThrow('malformed page cursor');
    });
  });
});
