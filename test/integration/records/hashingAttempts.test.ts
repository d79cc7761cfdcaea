import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  HashingAttemptSupersededError,
  RecordState,
  RecordStore,
  StaleRecordError,
  TableKeys,
  readyVersion,
  recordPartitionKey,
} from '../../../src/records/index.js';
import type { HashingAttempt, HashingPlan, SegmentResult } from '../../../src/records/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { startDynamoDbLocal } from './dynamoDbLocal.js';
import type { LocalDynamoDb } from './dynamoDbLocal.js';
import { fakeTorrents } from './recordFixtures.js';

const TABLE = 's3torrent-attempts';
const KiB = 1024;
const PIECE = 16 * KiB;
/** Two segments of one piece each: enough to tell a counted segment from a missing one. */
const PLAN: HashingPlan = { pieceLength: PIECE, pieceCount: 2, segmentsTotal: 2 };
const SIZE = 2 * PIECE;

let bucketCounter = 0;
function freshBucket(): string {
  bucketCounter += 1;
  return `attempts-${bucketCounter}`;
}

/** Segment `index` (one piece) with made-up hashes that differ by `seed`: whose result was read back shows. */
function fakeSegment(index: number, seed: string): SegmentResult {
  return {
    index, firstPiece: index, pieceCount: 1, offset: index * PIECE, length: PIECE,
    v1: pseudoRandomBytes(20, `${seed}:v1:${index}`), v2: pseudoRandomBytes(32, `${seed}:v2:${index}`),
  };
}


describe('Hashing attempts: one ETag hashed again (RecordStore on DynamoDB Local)', () => {
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

  /** PENDING → HASHING with PLAN; the attempt it started. */
  async function startAttempt(bucket: string, key: string, etag: string): Promise<HashingAttempt> {
    const { attemptId } = await store.startHashing(bucket, key, etag, PLAN);
    return { bucket, key, etag, attemptId };
  }

  /** A first attempt of ETag A with both segments counted and their items written, then `back` puts the record to PENDING for A again. */
  const waysBack: Array<[string, (bucket: string, key: string, first: HashingAttempt) => Promise<unknown>]> = [
    ['revoked mid-hash, then reinstated', async (bucket, key) => {
      await store.markRevoked(bucket, key, 'made private (test)');
      return store.ensurePending(bucket, key, 'A', SIZE, { reinstateRevoked: true });
    }],
    ['failed, then retried', async (bucket, key) => {
      await store.markFailed(bucket, key, 'A', 'assembly failed (test)');
      return store.ensurePending(bucket, key, 'A', SIZE, { retryFailed: true });
    }],
    ['READY, overwritten by B (hashed and READY), then A uploaded again', async (bucket, key, first) => {
      await store.markReady(first, fakeTorrents(`${bucket}:A`));
      await store.ensurePending(bucket, key, 'B', SIZE);
      const b = await startAttempt(bucket, key, 'B');
      for (const index of [0, 1]) await store.recordSegment(b, fakeSegment(index, 'B'));
      await store.markReady(b, fakeTorrents(`${bucket}:B`));
      return store.ensurePending(bucket, key, 'A', SIZE);
    }],
  ];

  it.each(waysBack)('counts every segment of a second attempt of the same ETag and reaches READY: %s', async (_way, back) => {
    // Prepare: the first attempt's segment items stay (TTL a week) whatever becomes of the record.
    const bucket = freshBucket();
    const key = 'again.bin';
    await store.ensurePending(bucket, key, 'A', SIZE);
    const first = await startAttempt(bucket, key, 'A');
    for (const index of [0, 1]) await store.recordSegment(first, fakeSegment(index, 'first'));
    const reset = await back(bucket, key, first);

    // Act
    const second = await startAttempt(bucket, key, 'A');
    const progress = [
      await store.recordSegment(second, fakeSegment(0, 'second')),
      await store.recordSegment(second, fakeSegment(0, 'second')), // a duplicate delivery
      await store.recordSegment(second, fakeSegment(1, 'second')),
    ];
    const results = await store.segmentResults(second);
    const ready = await store.markReady(second, fakeTorrents(`${bucket}:A-again`));

    // Assess
    expect(reset).toMatchObject({ enqueue: true, record: { etag: 'A', state: RecordState.Pending, attemptId: undefined } });
    expect(second.attemptId).not.toBe(first.attemptId);
    expect(progress).toEqual([
      { counted: true, segmentsDone: 1, segmentsTotal: 2 },
      { counted: false, segmentsDone: 1, segmentsTotal: 2 },
      { counted: true, segmentsDone: 2, segmentsTotal: 2 },
    ]);
    expect(results.map((s) => Buffer.from(s.v1))).toEqual([0, 1].map((i) => Buffer.from(fakeSegment(i, 'second').v1)));
    expect(ready).toMatchObject({ etag: 'A', state: RecordState.Ready, attemptId: second.attemptId, segmentsDone: 2, segmentsTotal: 2 });
    expect((await store.segmentResults(first)).map((s) => Buffer.from(s.v1))).toEqual([0, 1].map((i) => Buffer.from(fakeSegment(i, 'first').v1)));
  });

  it('changes nothing for a late result of the earlier attempt, neither while the next one hashes nor once it is READY', async () => {
    // Prepare: attempt one counted segment 0, was revoked and reinstated; attempt two counted its segment 0.
    const bucket = freshBucket();
    const key = 'late.bin';
    await store.ensurePending(bucket, key, 'A', SIZE);
    const first = await startAttempt(bucket, key, 'A');
    await store.recordSegment(first, fakeSegment(0, 'first'));
    await store.markRevoked(bucket, key, 'made private (test)');
    await store.ensurePending(bucket, key, 'A', SIZE, { reinstateRevoked: true });
    const second = await startAttempt(bucket, key, 'A');
    await store.recordSegment(second, fakeSegment(0, 'second'));
    const hashing = await store.get(bucket, key);

    // Act 1: the earlier attempt's workers finish late, one of them twice.
    const lateWhileHashing = await Promise.all([
      store.recordSegment(first, fakeSegment(1, 'first')),
      store.recordSegment(first, fakeSegment(0, 'first')),
      store.markReady(first, fakeTorrents('late-first')),
    ].map((late) => late.catch((e: unknown) => e)));
    const afterLate = await store.get(bucket, key);
    // Act 2: the current attempt completes; then more late results of the earlier one.
    await store.recordSegment(second, fakeSegment(1, 'second'));
    const ready = await store.markReady(second, fakeTorrents('second'));
    const lateWhenReady = await Promise.all([
      store.recordSegment(first, fakeSegment(1, 'first')),
      store.markReady(first, fakeTorrents('late-first')),
    ].map((late) => late.catch((e: unknown) => e)));

    // Assess
    for (const error of [...lateWhileHashing, ...lateWhenReady]) {
      expect(error).toBeInstanceOf(HashingAttemptSupersededError);
      expect(error).toBeInstanceOf(StaleRecordError); // what the hash worker drops its job on
      expect(error).toMatchObject({ etag: 'A', attemptId: first.attemptId, currentAttemptId: second.attemptId });
    }
    expect((lateWhileHashing[0] as Error).message).toBe(
      `record of s3://${bucket}/${key} moved on: hashing attempt ${first.attemptId} of ETag A was superseded; the record is HASHING for attempt ${second.attemptId}`,
    );
    expect(afterLate).toEqual(hashing);
    expect(hashing).toMatchObject({ state: RecordState.Hashing, attemptId: second.attemptId, segmentsDone: 1 });
    // Nothing of the late writes was stored: the transaction is all or nothing.
    expect((await store.segmentResults(first)).map((s) => s.index)).toEqual([0]);
    expect(await store.get(bucket, key)).toEqual(ready);
    expect(ready.torrents?.v1.infoHashV1).toBe(fakeTorrents('second').v1.infoHashV1);
    expect(await store.findByInfoHash(fakeTorrents('late-first').v1.infoHashV1)).toBeUndefined();
  });

  it('lets a segment job that keeps failing fail its own attempt only, never a later one of the same ETag', async () => {
    // Prepare
    const bucket = freshBucket();
    const key = 'failing.bin';
    await store.ensurePending(bucket, key, 'A', SIZE);
    const first = await startAttempt(bucket, key, 'A');
    await store.markRevoked(bucket, key, 'made private (test)');
    await store.ensurePending(bucket, key, 'A', SIZE, { reinstateRevoked: true });
    const second = await startAttempt(bucket, key, 'A');

    // Act
    const lateFailure = await store.markFailed(bucket, key, 'A', 'earlier attempt gave up (test)', { attemptId: first.attemptId }).catch((e: unknown) => e);
    const stillHashing = await store.get(bucket, key);
    const failed = await store.markFailed(bucket, key, 'A', 'current attempt gave up (test)', { attemptId: second.attemptId });

    // Assess
    expect(lateFailure).toBeInstanceOf(StaleRecordError);
    expect(stillHashing).toMatchObject({ state: RecordState.Hashing, attemptId: second.attemptId });
    expect(failed).toMatchObject({ state: RecordState.Failed, reason: 'current attempt gave up (test)', attemptId: second.attemptId });
  });

  it('gives 10 concurrent starts of one PENDING record (duplicate object jobs) one and the same attempt', async () => {
    // Prepare
    const bucket = freshBucket();
    await store.ensurePending(bucket, 'dup.bin', 'A', SIZE);

    // Act
    const started = await Promise.all(Array.from({ length: 10 }, () => store.startHashing(bucket, 'dup.bin', 'A', PLAN)));

    // Assess
    expect(new Set(started.map((record) => record.attemptId)).size).toBe(1);
    expect(started[0]?.attemptId).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });

  it('gives a record left HASHING before attempts existed a fresh attempt, whatever old segment items of its ETag remain', async () => {
    // Prepare: the record and segment items as the version without attempts wrote them.
    const bucket = freshBucket();
    const key = 'legacy.bin';
    await store.ensurePending(bucket, key, 'A', SIZE);
    await documents.send(new UpdateCommand({
      TableName: TABLE,
      Key: { pk: recordPartitionKey(bucket, key), sk: TableKeys.RecordSortKey },
      UpdateExpression: 'SET #state = :hashing, pieceLength = :pl, pieceCount = :pc, segmentsTotal = :st, segmentsDone = :zero',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':hashing': RecordState.Hashing, ':pl': PIECE, ':pc': 2, ':st': 2, ':zero': 0 },
    }));
    for (const index of [0, 1]) {
      const { v1, v2, ...rest } = fakeSegment(index, 'legacy');
      await documents.send(new PutCommand({
        TableName: TABLE,
        Item: { pk: recordPartitionKey(bucket, key), sk: `seg/A/${String(index).padStart(6, '0')}`, etag: 'A', ...rest, v1, v2, expiresAt: Math.floor(Date.now() / 1000) + 3_600, createdAt: new Date().toISOString() },
      }));
    }

    // Act: its object job comes again (redelivered, or re-queued by the sweep or a local restart).
    const attempt = await startAttempt(bucket, key, 'A');
    const progress = [];
    for (const index of [0, 1]) progress.push(await store.recordSegment(attempt, fakeSegment(index, 'new')));
    const ready = await store.markReady(attempt, fakeTorrents(`${bucket}:legacy`));

    // Assess
    expect(progress.map((p) => p.counted)).toEqual([true, true]);
    expect((await store.segmentResults(attempt)).map((s) => Buffer.from(s.v1))).toEqual([0, 1].map((i) => Buffer.from(fakeSegment(i, 'new').v1)));
    expect(ready).toMatchObject({ state: RecordState.Ready, attemptId: attempt.attemptId, segmentsDone: 2 });
  });

  it('keeps the padded tail hash: the last segment stores it, a READY record holds it, a new version drops it', async () => {
    // Prepare: the last segment carries the tail, as the hasher gives it for a short last piece.
    const bucket = freshBucket();
    const key = 'tail.bin';
    const tail = pseudoRandomBytes(20, 'padded tail');
    await store.ensurePending(bucket, key, 'A', SIZE);
    const attempt = await startAttempt(bucket, key, 'A');
    await store.recordSegment(attempt, fakeSegment(0, 'tail'));
    await store.recordSegment(attempt, { ...fakeSegment(1, 'tail'), v1PaddedTail: tail });

    // Act
    const segments = await store.segmentResults(attempt);
    const ready = await store.markReady(attempt, fakeTorrents(`${bucket}:tail`), tail);
    const again = await store.markReady(attempt, fakeTorrents(`${bucket}:tail`), tail);
    const read = await store.get(bucket, key);
    await store.ensurePending(bucket, key, 'B', SIZE);
    const overwritten = await store.get(bucket, key);

    // Assess
    expect(segments.map((s) => (s.v1PaddedTail === undefined ? undefined : Buffer.from(s.v1PaddedTail)))).toEqual([undefined, tail]);
    for (const record of [ready, again, read]) expect(Buffer.from(record?.v1PaddedTail ?? [])).toEqual(tail);
    expect(overwritten).toMatchObject({ etag: 'B', state: RecordState.Pending, v1PaddedTail: undefined });
  });

  it('makes a record READY without a padded tail when none is given, and refuses one that is not a SHA-1 digest', async () => {
    const bucket = freshBucket();
    await store.ensurePending(bucket, 'whole.bin', 'A', SIZE);
    const attempt = await startAttempt(bucket, 'whole.bin', 'A');
    await expect(store.recordSegment(attempt, { ...fakeSegment(0, 'bad'), v1PaddedTail: new Uint8Array(19) })).rejects.toThrow('v1PaddedTail must be 20 bytes, got 19');
    for (const index of [0, 1]) await store.recordSegment(attempt, fakeSegment(index, 'whole'));
    await expect(store.markReady(attempt, fakeTorrents(`${bucket}:whole`), new Uint8Array(32))).rejects.toThrow('v1PaddedTail must be 20 bytes, got 32');
    const ready = await store.markReady(attempt, fakeTorrents(`${bucket}:whole`));
    expect(ready).toMatchObject({ state: RecordState.Ready, v1PaddedTail: undefined });
  });

  describe('Function: readyVersion', () => {
    it('names the READY version and its infohashes, and nothing for a record in any other state or none', async () => {
      // Prepare
      const bucket = freshBucket();
      const torrents = fakeTorrents(`${bucket}:ready`);
      await store.ensurePending(bucket, 'ready.bin', 'A', SIZE);
      const attempt = await startAttempt(bucket, 'ready.bin', 'A');
      const hashing = await readyVersion(store, bucket, 'ready.bin');
      for (const index of [0, 1]) await store.recordSegment(attempt, fakeSegment(index, 'ready'));
      await store.markReady(attempt, torrents);

      // Act
      const ready = await readyVersion(store, bucket, 'ready.bin');
      await store.markRevoked(bucket, 'ready.bin', 'made private (test)');
      const revoked = await readyVersion(store, bucket, 'ready.bin');
      const none = await readyVersion(store, bucket, 'never.bin');

      // Assess
      expect(ready).toEqual({ etag: 'A', infoHashV1: { v1: torrents.v1.infoHashV1, hybrid: torrents.hybrid.infoHashV1 } });
      expect([hashing, revoked, none]).toEqual([undefined, undefined, undefined]);
    });
  });
});
