import { createHash } from 'node:crypto';
import {
  ManifestUnavailableError,
  PrefixLimits,
  RecordInputError,
  RecordState,
  RecordStore,
  StalePrefixRecordError,
  encodeMembers,
  scanRecordsPage,
} from '../../../src/records/index.js';
import type { PrefixMember, PrefixSnapshot } from '../../../src/records/index.js';
import { startDynamoDbLocal } from '../records/dynamoDbLocal.js';
import type { LocalDynamoDb } from '../records/dynamoDbLocal.js';
import { fakeTorrents } from '../records/recordFixtures.js';

const TABLE = 's3torrent-records';
const PIECE = 256 * 1024;

let bucketCounter = 0;
function freshBucket(): string {
  bucketCounter += 1;
  return `prefix-bucket-${bucketCounter}`;
}

function snapshotIdOf(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

const MEMBERS: PrefixMember[] = [
  { key: 'data/a.bin', etag: '"ea"', size: 1000 },
  { key: 'data/sub/b.bin', etag: '"eb"', size: 0 },
];

/** A snapshot of MEMBERS (inline list) named by `label`. */
function snapshotOf(label: string, excludedCount = 1): PrefixSnapshot {
  const inline = encodeMembers(MEMBERS);
  return {
    snapshotId: snapshotIdOf(label), pieceLength: PIECE, totalSize: 1000, memberCount: MEMBERS.length, excludedCount,
    manifest: { inline, bytes: inline.length },
  };
}

describe('Class: PrefixStore (DynamoDB Local)', () => {
  let dynamo: LocalDynamoDb;
  let store: RecordStore;
  const startedAt = new Date(Date.now() - 1_000);

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    await RecordStore.createTable(dynamo.client, TABLE);
    store = new RecordStore({ client: dynamo.client, tableName: TABLE });
  }, 60_000);

  afterAll(async () => {
    await dynamo?.stop();
  });

  /** A prefix READY for snapshot `label`, in a fresh bucket. */
  async function readyPrefix(label: string): Promise<{ bucket: string; snapshotId: string; torrents: ReturnType<typeof fakeTorrents> }> {
    const bucket = freshBucket();
    const snapshot = snapshotOf(label);
    await store.prefixes.takeSnapshot(bucket, 'data/', snapshot);
    await store.prefixes.startHashing(bucket, 'data/', snapshot.snapshotId);
    const torrents = fakeTorrents(`${bucket}:${label}`);
    await store.prefixes.markReady(bucket, 'data/', snapshot.snapshotId, torrents);
    return { bucket, snapshotId: snapshot.snapshotId, torrents };
  }

  describe('Method: takeSnapshot', () => {
    it('creates the record PENDING and lets exactly one of concurrent callers enqueue the job', async () => {
      // Prepare
      const bucket = freshBucket();
      const snapshot = snapshotOf('s1');

      // Act
      const results = await Promise.all(Array.from({ length: 6 }, () => store.prefixes.takeSnapshot(bucket, 'data/', snapshot)));

      // Assess
      expect(results.filter((result) => result.enqueue)).toHaveLength(1);
      expect(await store.prefixes.get(bucket, 'data/')).toMatchObject({
        bucket, prefix: 'data/', state: RecordState.Pending, snapshotId: snapshot.snapshotId, pieceLength: PIECE,
        totalSize: 1000, memberCount: 2, excludedCount: 1, membersDone: 0,
      });
    });

    it('returns a READY record of the same snapshot as is, and replaces it (PENDING, logged) for another snapshot', async () => {
      // Prepare
      const { bucket, snapshotId, torrents } = await readyPrefix('s1');

      // Act
      const same = await store.prefixes.takeSnapshot(bucket, 'data/', snapshotOf('s1'));
      const other = await store.prefixes.takeSnapshot(bucket, 'data/', snapshotOf('s2', 0));

      // Assess
      expect(same.enqueue).toBe(false);
      expect(same.record).toMatchObject({ state: RecordState.Ready, snapshotId, torrents });
      expect(other.enqueue).toBe(true);
      expect(other.record).toMatchObject({ state: RecordState.Pending, snapshotId: snapshotIdOf('s2'), excludedCount: 0, membersDone: 0 });
      expect(other.record.torrents).toBeUndefined();
      const changes = (await store.changes.since(startedAt)).filter((change) => change.bucket === bucket);
      expect(changes.map(({ key, state, kind }) => ({ key, state, kind }))).toEqual([{ key: 'data/', state: RecordState.Pending, kind: 'prefix' }]);
      expect(await store.findTargetByInfoHash(torrents.hybrid.infoHashV1)).toBeUndefined();
    });

    it('restarts a REVOKED snapshot of the same id, but a FAILED one only with retryFailed', async () => {
      // Prepare
      const revoked = await readyPrefix('s1');
      await store.prefixes.markRevoked(revoked.bucket, 'data/', 'member made private');
      const failedBucket = freshBucket();
      const snapshot = snapshotOf('s1');
      await store.prefixes.takeSnapshot(failedBucket, 'data/', snapshot);
      await store.prefixes.markFailed(failedBucket, 'data/', snapshot.snapshotId, 'listing gave up');

      // Act
      const restarted = await store.prefixes.takeSnapshot(revoked.bucket, 'data/', snapshot);
      const keptFailed = await store.prefixes.takeSnapshot(failedBucket, 'data/', snapshot);
      const retried = await store.prefixes.takeSnapshot(failedBucket, 'data/', snapshot, { retryFailed: true });

      // Assess
      expect(restarted).toMatchObject({ enqueue: true, record: { state: RecordState.Pending } });
      expect(restarted.record.reason).toBeUndefined();
      expect(keptFailed).toMatchObject({ enqueue: false, record: { state: RecordState.Failed, reason: 'listing gave up' } });
      expect(retried).toMatchObject({ enqueue: true, record: { state: RecordState.Pending } });
    });

    it('refuses a prefix that is empty or does not end with "/", and an inline member list over the limit', async () => {
      // Prepare
      const big = new Uint8Array(PrefixLimits.MaxInlineManifestBytes + 1);

      // Act
      const results = await Promise.allSettled([
        store.prefixes.takeSnapshot('b', '', snapshotOf('x')),
        store.prefixes.takeSnapshot('b', 'data', snapshotOf('x')),
        store.prefixes.takeSnapshot('b', 'data/', { ...snapshotOf('x'), manifest: { inline: big, bytes: big.length } }),
      ]);

      // Assess
      for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: expect.any(RecordInputError) });
    });
  });

  describe('Methods: startHashing / progress / markReady', () => {
    it('moves PENDING → HASHING → READY, counts progress without going back, and writes prefix aliases', async () => {
      // Prepare
      const bucket = freshBucket();
      const snapshot = snapshotOf('s1');
      await store.prefixes.takeSnapshot(bucket, 'data/', snapshot);
      const torrents = fakeTorrents(`${bucket}:ready`);

      // Act
      const hashing = await store.prefixes.startHashing(bucket, 'data/', snapshot.snapshotId);
      const again = await store.prefixes.startHashing(bucket, 'data/', snapshot.snapshotId);
      await store.prefixes.progress(bucket, 'data/', snapshot.snapshotId, 2);
      const late = await store.prefixes.progress(bucket, 'data/', snapshot.snapshotId, 1);
      const ready = await store.prefixes.markReady(bucket, 'data/', snapshot.snapshotId, torrents);
      const readyAgain = await store.prefixes.markReady(bucket, 'data/', snapshot.snapshotId, torrents);

      // Assess
      expect(hashing.state).toBe(RecordState.Hashing);
      expect(again.state).toBe(RecordState.Hashing);
      expect(late.membersDone).toBe(2);
      expect(ready).toMatchObject({ state: RecordState.Ready, membersDone: 2, torrents });
      expect(readyAgain).toEqual(ready);
      for (const hash of [torrents.v1.infoHashV1, torrents.hybrid.infoHashV1, torrents.hybrid.infoHashV2 as string]) {
        const target = await store.findTargetByInfoHash(hash);
        expect(target).toMatchObject({ kind: 'prefix', record: { bucket, prefix: 'data/', snapshotId: snapshot.snapshotId }, members: MEMBERS });
        expect(await store.findByInfoHash(hash)).toBeUndefined();
      }
    });

    it('refuses every step of a job whose snapshot was replaced', async () => {
      // Prepare
      const bucket = freshBucket();
      const old = snapshotOf('old');
      await store.prefixes.takeSnapshot(bucket, 'data/', old);
      await store.prefixes.startHashing(bucket, 'data/', old.snapshotId);
      await store.prefixes.takeSnapshot(bucket, 'data/', snapshotOf('new'));

      // Act
      const results = await Promise.allSettled([
        store.prefixes.startHashing(bucket, 'data/', old.snapshotId),
        store.prefixes.progress(bucket, 'data/', old.snapshotId, 1),
        store.prefixes.markReady(bucket, 'data/', old.snapshotId, fakeTorrents(`${bucket}:old`)),
        store.prefixes.markFailed(bucket, 'data/', old.snapshotId, 'too late'),
      ]);

      // Assess
      for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: expect.any(StalePrefixRecordError) });
      expect(await store.prefixes.get(bucket, 'data/')).toMatchObject({ state: RecordState.Pending, snapshotId: snapshotIdOf('new') });
    });
  });

  describe('Method: markRevoked', () => {
    it('revokes once, logged with kind "prefix" and the prefix as key; stops finding the snapshot by infohash', async () => {
      // Prepare
      const { bucket, snapshotId, torrents } = await readyPrefix('s1');

      // Act
      const revoked = await store.prefixes.markRevoked(bucket, 'data/', 'member deleted', { snapshotId });
      const again = await store.prefixes.markRevoked(bucket, 'data/', 'another reason');

      // Assess
      expect(revoked).toMatchObject({ state: RecordState.Revoked, reason: 'member deleted' });
      expect(again?.reason).toBe('member deleted');
      const changes = (await store.changes.since(startedAt)).filter((change) => change.bucket === bucket);
      expect(changes.map(({ key, state, kind }) => ({ key, state, kind }))).toEqual([{ key: 'data/', state: RecordState.Revoked, kind: 'prefix' }]);
      expect(await store.findTargetByInfoHash(torrents.v1.infoHashV1)).toBeUndefined();
    });

    it('returns undefined for a prefix never snapshotted and refuses another snapshot\'s revocation', async () => {
      // Prepare
      const { bucket } = await readyPrefix('current');

      // Act
      const none = await store.prefixes.markRevoked(freshBucket(), 'data/', 'bucket policy changed');
      const stale = store.prefixes.markRevoked(bucket, 'data/', 'late event', { snapshotId: snapshotIdOf('older') });

      // Assess
      expect(none).toBeUndefined();
      await expect(stale).rejects.toBeInstanceOf(StalePrefixRecordError);
      expect((await store.prefixes.get(bucket, 'data/'))?.state).toBe(RecordState.Ready);
    });
  });

  describe('Method: findTargetByInfoHash', () => {
    it('reads a member list kept as an artifact through the reader given, and says so when none is', async () => {
      // Prepare
      const bucket = freshBucket();
      const bytes = encodeMembers(MEMBERS);
      const snapshot: PrefixSnapshot = { ...snapshotOf('artifact'), manifest: { artifactKey: `torrents/${bucket}/data/.prefix-x.members.json`, bytes: bytes.length } };
      await store.prefixes.takeSnapshot(bucket, 'data/', snapshot);
      await store.prefixes.startHashing(bucket, 'data/', snapshot.snapshotId);
      const torrents = fakeTorrents(`${bucket}:artifact`);
      await store.prefixes.markReady(bucket, 'data/', snapshot.snapshotId, torrents);
      const read: string[] = [];

      // Act
      const target = await store.findTargetByInfoHash(torrents.v1.infoHashV1, async (key) => {
        read.push(key);
        return bytes;
      });
      const withoutReader = store.findTargetByInfoHash(torrents.v1.infoHashV1);

      // Assess
      expect(target).toMatchObject({ kind: 'prefix', members: MEMBERS });
      expect(read).toEqual([`torrents/${bucket}/data/.prefix-x.members.json`]);
      await expect(withoutReader).rejects.toBeInstanceOf(ManifestUnavailableError);
    });

    it('still finds objects, as kind "object"', async () => {
      // Prepare
      const bucket = freshBucket();
      await store.ensurePending(bucket, 'video.mp4', '"e1"', 100);
      const { attemptId } = await store.startHashing(bucket, 'video.mp4', '"e1"', { pieceLength: 16_384, pieceCount: 1, segmentsTotal: 1 });
      await store.recordSegment({ bucket, key: 'video.mp4', etag: '"e1"', attemptId }, {
        index: 0, firstPiece: 0, pieceCount: 1, offset: 0, length: 100, v1: new Uint8Array(20), v2: new Uint8Array(32),
      });
      const torrents = fakeTorrents(`${bucket}:object`);
      await store.markReady({ bucket, key: 'video.mp4', etag: '"e1"', attemptId }, torrents);

      // Act
      const target = await store.findTargetByInfoHash(torrents.v1.infoHashV1);

      // Assess
      expect(target).toMatchObject({ kind: 'object', record: { bucket, key: 'video.mp4', state: RecordState.Ready } });
    });
  });

  describe('Listing: prefixesOfBucket and the object listings', () => {
    it('lists a bucket\'s prefix records apart from its object records, and object scans skip prefix records', async () => {
      // Prepare
      const bucket = freshBucket();
      await store.ensurePending(bucket, 'data/a.bin', '"ea"', 1000);
      await store.prefixes.takeSnapshot(bucket, 'data/', snapshotOf('one'));
      await store.prefixes.takeSnapshot(bucket, 'data/sub/', snapshotOf('two'));
      await store.prefixes.takeSnapshot(freshBucket(), 'data/', snapshotOf('elsewhere'));

      // Act
      const prefixes = [];
      for await (const record of store.prefixes.prefixesOfBucket(bucket)) prefixes.push(record.prefix);
      const objects = [];
      for await (const record of store.listByBucket(bucket)) objects.push(record.key);
      const unfinishedObjects = [];
      for await (const record of store.listUnfinished()) unfinishedObjects.push(record.bucket);
      const unfinishedPrefixes = [];
      for await (const record of store.prefixes.listUnfinished()) if (record.bucket === bucket) unfinishedPrefixes.push(record.prefix);
      const scanned = await scanRecordsPage(store, { limit: 1_000 });

      // Assess
      expect(prefixes).toEqual(['data/', 'data/sub/']);
      expect(objects).toEqual(['data/a.bin']);
      expect(unfinishedObjects).toContain(bucket);
      expect(unfinishedPrefixes.sort()).toEqual(['data/', 'data/sub/']);
      expect(scanned.records.every((record) => record.key !== undefined && record.etag !== undefined)).toBe(true);
    });
  });
});
