import { ForbiddenReason } from '../../../src/storage/index.js';
import { RecordState, republishRecord } from '../../../src/records/index.js';
import { recheckObject } from '../../../src/withdrawal/index.js';
import { KiB, RecheckBench, STALE_JOB_MS, freshBucket, isPublic } from './recheckFixture.js';

// One object's re-check on real records (DynamoDB Local) and a real queue (fauxqs), for every
// answer S3 can give (scripted through the one function the module asks, \`readability\`); the
// local stack tests ask Ceph RGW itself.

describe('Module: withdrawal, one object (DynamoDB Local and fauxqs)', () => {
  let bench: RecheckBench;

  beforeAll(async () => {
    bench = await RecheckBench.start();
  }, 60_000);

  afterAll(async () => {
    await bench?.stop();
  });

  beforeEach(async () => {
    await bench.reset();
  });

  describe('Function: recheckObject', () => {
    it('revokes a READY record S3 now refuses, with the reason, the trigger and the time', async () => {
      // Prepare
      const bucket = freshBucket();
      const before = await bench.readyRecord(bucket, 'private.bin');
      bench.answers.set(`${bucket}/private.bin`, { kind: 'forbidden', reason: ForbiddenReason.NotAnonymouslyReadable });

      // Act
      const outcome = await recheckObject(bench.context(), bucket, 'private.bin', 'Object ACL Updated event');

      // Assess
      const reason = 'no longer public: S3 refused an anonymous HEAD (Object ACL Updated event)';
      expect(outcome).toEqual({ kind: 'revoked', reason });
      const after = await bench.records.get(bucket, 'private.bin');
      expect(after).toMatchObject({ state: RecordState.Revoked, etag: '"v1"', reason, torrents: before.torrents });
      expect(Date.parse(after?.updatedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
      expect(await bench.records.findByInfoHash(before.torrents?.v1.infoHashV1 ?? '')).toBeUndefined();
      expect(await bench.jobsOnHashQueue()).toEqual([]);
    });

    it('revokes a READY record of a deleted object as deleted (and keeps it)', async () => {
      // Prepare
      const bucket = freshBucket();
      await bench.readyRecord(bucket, 'gone.bin');

      // Act
      const outcome = await recheckObject(bench.context(), bucket, 'gone.bin', 'Object Deleted event (DeleteObject)');

      // Assess
      expect(outcome).toEqual({ kind: 'revoked', reason: 'deleted: S3 answered 404 to an anonymous HEAD (Object Deleted event (DeleteObject))' });
      expect((await bench.records.get(bucket, 'gone.bin'))?.state).toBe(RecordState.Revoked);
    });

    it('records a deletion as such when S3 answers 403 after an "Object Deleted" event (it hides missing keys from who may not list)', async () => {
      // Prepare
      const bucket = freshBucket();
      await bench.readyRecord(bucket, 'hidden.bin');
      bench.answers.set(`${bucket}/hidden.bin`, { kind: 'forbidden', reason: ForbiddenReason.NotAnonymouslyReadable });

      // Act
      const outcome = await recheckObject(bench.context(), bucket, 'hidden.bin', 'Object Deleted event (DeleteObject)', { deleted: true });

      // Assess
      expect(outcome).toEqual({ kind: 'revoked', reason: 'deleted: S3 no longer serves it to anyone (Object Deleted event (DeleteObject))' });
    });

    it('leaves a READY record alone while S3 serves the same version to anyone', async () => {
      // Prepare
      const bucket = freshBucket();
      const before = await bench.readyRecord(bucket, 'fine.bin');
      bench.answers.set(`${bucket}/fine.bin`, isPublic('"v1"'));

      // Act
      const outcome = await recheckObject(bench.context(), bucket, 'fine.bin', 'Object ACL Updated event');

      // Assess
      expect(outcome).toEqual({ kind: 'unchanged' });
      expect(await bench.records.get(bucket, 'fine.bin')).toEqual(before);
    });

    it('never serves a replaced version again and queues the new one for hashing', async () => {
      // Prepare
      const bucket = freshBucket();
      const before = await bench.readyRecord(bucket, 'replaced.bin');
      bench.answers.set(`${bucket}/replaced.bin`, isPublic('"v2"', 20 * KiB));

      // Act
      const outcome = await recheckObject(bench.context(), bucket, 'replaced.bin', 'sweep');

      // Assess
      expect(outcome).toEqual({ kind: 'rehash-queued', etag: '"v2"', revoked: 'replaced: S3 now serves ETag "v2" (sweep)' });
      expect(await bench.records.get(bucket, 'replaced.bin')).toMatchObject({ state: RecordState.Pending, etag: '"v2"', size: 20 * KiB });
      expect(await bench.records.findByInfoHash(before.torrents?.v1.infoHashV1 ?? '')).toBeUndefined();
      expect(await bench.jobsOnHashQueue()).toEqual([{ type: 'object', bucket, key: 'replaced.bin', etag: '"v2"', size: 20 * KiB }]);
    });

    it('republishes a REVOKED record that is public again with the same ETag, without hashing', async () => {
      // Prepare
      const bucket = freshBucket();
      const ready = await bench.readyRecord(bucket, 'back.bin');
      await bench.records.markRevoked(bucket, 'back.bin', 'no longer public (test)');
      bench.answers.set(`${bucket}/back.bin`, isPublic('"v1"'));

      // Act
      const outcome = await recheckObject(bench.context(), bucket, 'back.bin', 'Object ACL Updated event');

      // Assess
      expect(outcome).toEqual({ kind: 'republished' });
      const after = await bench.records.get(bucket, 'back.bin');
      expect(after).toMatchObject({ state: RecordState.Ready, etag: '"v1"', torrents: ready.torrents, segmentsDone: 1 });
      expect(after?.reason).toBeUndefined();
      expect((await bench.records.findByInfoHash(ready.torrents?.hybrid.infoHashV2 ?? ''))?.key).toBe('back.bin');
      expect(await bench.records.segmentResults({ bucket, key: 'back.bin', etag: '"v1"', attemptId: ready.attemptId as string })).toHaveLength(1);
      expect(await bench.jobsOnHashQueue()).toEqual([]);
    });

    it('hashes a record revoked before it had torrents, once public again', async () => {
      // Prepare
      const bucket = freshBucket();
      await bench.records.ensurePending(bucket, 'early.bin', '"v1"', 16 * KiB);
      await bench.records.markRevoked(bucket, 'early.bin', 'made private while pending (test)');
      bench.answers.set(`${bucket}/early.bin`, isPublic('"v1"'));

      // Act
      const outcome = await recheckObject(bench.context(), bucket, 'early.bin', 'sweep');

      // Assess
      expect(outcome).toEqual({ kind: 'rehash-queued', etag: '"v1"' });
      expect((await bench.records.get(bucket, 'early.bin'))?.state).toBe(RecordState.Pending);
      expect(await bench.jobsOnHashQueue()).toHaveLength(1);
    });

    it('gives an object without a record that S3 serves to anyone a record and a job (an ACL made public after upload)', async () => {
      // Prepare
      const bucket = freshBucket();
      bench.answers.set(`${bucket}/late.bin`, isPublic('"v9"', 5 * KiB));

      // Act
      const outcome = await recheckObject(bench.context(), bucket, 'late.bin', 'Object ACL Updated event');

      // Assess
      expect(outcome).toEqual({ kind: 'prewarmed' });
      expect(await bench.records.get(bucket, 'late.bin')).toMatchObject({ state: RecordState.Pending, etag: '"v9"' });
      expect(await bench.jobsOnHashQueue()).toEqual([{ type: 'object', bucket, key: 'late.bin', etag: '"v9"', size: 5 * KiB }]);
    });

    it('does nothing for an object without a record that S3 does not serve', async () => {
      // Prepare
      const bucket = freshBucket();

      // Act & Assess
      expect(await recheckObject(bench.context(), bucket, 'never.bin', 'Object Deleted event')).toEqual({ kind: 'no-record' });
      expect(await bench.records.get(bucket, 'never.bin')).toBeUndefined();
    });

    it('revokes an object S3 serves only with a customer key (SSE-C)', async () => {
      // Prepare
      const bucket = freshBucket();
      await bench.readyRecord(bucket, 'ssec.bin');
      bench.answers.set(`${bucket}/ssec.bin`, { kind: 'unreadable' });

      // Act & Assess
      expect((await recheckObject(bench.context(), bucket, 'ssec.bin', 'sweep')).kind).toBe('revoked');
      expect(await bench.jobsOnHashQueue()).toEqual([]);
    });

    it('asks S3 nothing about FAILED records, nor about PENDING ones still in time', async () => {
      // Prepare
      const bucket = freshBucket();
      await bench.records.ensurePending(bucket, 'failed.bin', '"v1"', 16 * KiB);
      await bench.records.markFailed(bucket, 'failed.bin', '"v1"', 'test');
      await bench.records.ensurePending(bucket, 'waiting.bin', '"v1"', 16 * KiB);

      // Act
      const outcomes = [await recheckObject(bench.context(), bucket, 'failed.bin', 'sweep'), await recheckObject(bench.context(), bucket, 'waiting.bin', 'sweep')];

      // Assess
      expect(outcomes).toEqual([{ kind: 'unchanged' }, { kind: 'unchanged' }]);
      expect(bench.asked).toEqual([]);
    });

    it('re-queues a PENDING record whose job looks lost, once per stale period', async () => {
      // Prepare: a record written, then a crash before its job was sent.
      const bucket = freshBucket();
      await bench.records.ensurePending(bucket, 'lost.bin', '"v1"', 16 * KiB);
      bench.clock = Date.now() + STALE_JOB_MS;

      // Act
      const first = await recheckObject(bench.context(), bucket, 'lost.bin', 'sweep');
      const again = await recheckObject(bench.context(), bucket, 'lost.bin', 'sweep');

      // Assess
      expect([first, again]).toEqual([{ kind: 'requeued' }, { kind: 'unchanged' }]);
      expect(await bench.jobsOnHashQueue()).toEqual([{ type: 'object', bucket, key: 'lost.bin', etag: '"v1"', size: 16 * KiB }]);
      expect((await bench.records.get(bucket, 'lost.bin'))?.state).toBe(RecordState.Pending);
    });
  });

  describe('Function: republishRecord', () => {
    it('refuses a record that is not REVOKED, or holds another ETag', async () => {
      // Prepare
      const bucket = freshBucket();
      await bench.readyRecord(bucket, 'ready.bin');
      await bench.readyRecord(bucket, 'other.bin');
      await bench.records.markRevoked(bucket, 'other.bin', 'test');

      // Act & Assess
      expect(await republishRecord(bench.records, bucket, 'ready.bin', '"v1"')).toBeUndefined();
      expect(await republishRecord(bench.records, bucket, 'other.bin', '"v2"')).toBeUndefined();
      expect((await bench.records.get(bucket, 'other.bin'))?.state).toBe(RecordState.Revoked);
      expect((await republishRecord(bench.records, bucket, 'other.bin', '"v1"'))?.state).toBe(RecordState.Ready);
    });
  });
});
