import { ForbiddenReason } from '../../../src/storage/index.js';
import { RecordState } from '../../../src/records/index.js';
import {
  RECHECK_CONCURRENCY,
  RECHECK_PAGE_SIZE,
  handleAccessMessages,
  parseAccessEvent,
  recheckAccount,
  recheckBucket,
  recheckMessage,
  sweepRecords,
} from '../../../src/withdrawal/index.js';
import { FAR, KiB, PAST, RecheckBench, freshBucket, isPublic } from './recheckFixture.js';

// Re-checks of many records on real records (DynamoDB Local) and a real queue (fauxqs): pages,
// the deadline and its hand-off through access-events, bounded parallelism, failures, the sweep.

describe('Module: withdrawal, many records (DynamoDB Local and fauxqs)', () => {
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

  describe('Function: recheckBucket', () => {
    it(`reads the bucket ${RECHECK_PAGE_SIZE} records a page, stops at the deadline with a cursor, and the cursor covers the rest`, async () => {
      // Prepare: more than one page of PENDING records still in time (checked, nothing to do).
      const bucket = freshBucket();
      const total = RECHECK_PAGE_SIZE + 17;
      await Promise.all(Array.from({ length: total }, (_, i) => bench.records.ensurePending(bucket, `k${String(i).padStart(4, '0')}`, '"v1"', KiB)));

      // Act
      const first = await recheckBucket(bench.context(), bucket, 'PutBucketPolicy', { deadline: PAST });
      const rest = await recheckBucket(bench.context(), bucket, 'PutBucketPolicy', { deadline: PAST, cursor: first.continuations[0]?.cursor });

      // Assess
      expect(first.tally.checked).toBe(RECHECK_PAGE_SIZE);
      expect(first.continuations).toEqual([{ scope: { bucket }, reason: 'PutBucketPolicy', cursor: expect.any(String) }]);
      expect(rest.tally.checked).toBe(17);
      expect(rest.continuations).toEqual([]);
      expect(bench.forgotten).toEqual([bucket, bucket]);
    });

    it(`checks at most ${RECHECK_CONCURRENCY} records at once`, async () => {
      // Prepare
      const bucket = freshBucket();
      await Promise.all(Array.from({ length: 40 }, (_, i) => bench.readyRecord(bucket, `r${i}`)));
      let inFlight = 0;
      let most = 0;
      const slow = bench.context({
        readability: async () => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 20));
          inFlight -= 1;
          return isPublic('"v1"');
        },
      });

      // Act
      const result = await recheckBucket(slow, bucket, 'PutBucketAcl', { deadline: FAR });

      // Assess
      expect(result.tally).toMatchObject({ checked: 40, unchanged: 40, failed: 0 });
      expect(most).toBe(RECHECK_CONCURRENCY);
    });

    it('counts a record whose check fails and goes on with the others', async () => {
      // Prepare
      const bucket = freshBucket();
      await bench.readyRecord(bucket, 'a.bin');
      await bench.readyRecord(bucket, 'b.bin');
      const flaky = bench.context({
        readability: async (_bucket, key) => {
          if (key === 'a.bin') throw new Error('S3 said 503');
          return { kind: 'forbidden', reason: ForbiddenReason.NotAnonymouslyReadable };
        },
      });

      // Act
      const result = await recheckBucket(flaky, bucket, 'DeleteBucketPolicy', { deadline: FAR });

      // Assess
      expect(result.tally).toMatchObject({ checked: 1, revoked: 1, failed: 1 });
      expect(result.tally.firstError?.message).toBe('S3 said 503');
      expect((await bench.records.get(bucket, 'a.bin'))?.state).toBe(RecordState.Ready);
      expect((await bench.records.get(bucket, 'b.bin'))?.state).toBe(RecordState.Revoked);
    });
  });

  describe('Function: recheckAccount and sweepRecords', () => {
    it('goes through the published buckets in turn and hands those past the deadline on', async () => {
      // Prepare
      const buckets = [freshBucket(), freshBucket(), freshBucket()].sort();
      for (const bucket of buckets) await bench.readyRecord(bucket, 'x.bin');

      // Act
      const result = await recheckAccount(bench.context({ publishedBuckets: new Set(buckets) }), 'PutAccountPublicAccessBlock', { deadline: PAST });

      // Assess: the first bucket is done (its object is gone), the two others are left for later.
      expect(result.tally).toMatchObject({ checked: 1, revoked: 1 });
      expect(result.continuations).toEqual(buckets.slice(1).map((bucket) => ({ scope: { bucket }, reason: 'PutAccountPublicAccessBlock', cursor: undefined })));
    });

    it("sweeps every record of the table when any bucket is published ('*'), by a scan", async () => {
      // Prepare
      const [one, two] = [freshBucket(), freshBucket()];
      await bench.readyRecord(one, 'private.bin');
      await bench.readyRecord(two, 'public.bin');
      await bench.readyRecord(two, 'revoked.bin');
      await bench.records.markRevoked(two, 'revoked.bin', 'test');
      bench.answers.set(`${one}/private.bin`, { kind: 'forbidden', reason: ForbiddenReason.NotAnonymouslyReadable });
      bench.answers.set(`${two}/public.bin`, isPublic('"v1"'));
      bench.answers.set(`${two}/revoked.bin`, isPublic('"v1"'));

      // Act
      const result = await sweepRecords(bench.context(), { deadline: FAR });

      // Assess
      expect(result.continuations).toEqual([]);
      expect((await bench.records.get(one, 'private.bin'))?.reason).toMatch(/^no longer public: S3 refused an anonymous HEAD \(sweep at \d{4}-\d\d-\d\dT/);
      expect((await bench.records.get(two, 'public.bin'))?.state).toBe(RecordState.Ready);
      expect((await bench.records.get(two, 'revoked.bin'))?.state).toBe(RecordState.Ready);
      expect(bench.forgotten).toEqual(expect.arrayContaining([one, two]));
    });
  });

  describe('Function: handleAccessMessages', () => {
    it('drops what is not an access event, re-checks what is, and hands a long re-check on through the queue', async () => {
      // Prepare
      const bucket = freshBucket();
      await bench.readyRecord(bucket, 'obj.bin');
      await Promise.all(Array.from({ length: RECHECK_PAGE_SIZE + 1 }, (_, i) => bench.records.ensurePending(bucket, `p${i}`, '"v1"', KiB)));
      const messages = [
        { messageId: 'garbage', body: 'not json' },
        { messageId: 'other', body: JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }) },
        { messageId: 'object', body: JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Deleted', detail: { bucket: { name: bucket }, object: { key: 'obj.bin' } } }) },
        { messageId: 'bucket', body: recheckMessage({ bucket }, 'DeleteBucketPolicy on bucket test', undefined) },
      ];

      // Act
      const results = await handleAccessMessages(bench.context(), messages, PAST);

      // Assess
      expect(results.map((r) => [r.messageId, r.dropped?.name, r.error?.message, r.outcome?.kind])).toEqual([
        ['garbage', 'MalformedAccessEventError', undefined, undefined],
        ['other', 'UnknownAccessEventError', undefined, undefined],
        ['object', undefined, undefined, 'revoked'],
        ['bucket', undefined, undefined, undefined],
      ]);
      expect(results[3]?.continued).toBe(1);
      const [continuation, ...more] = (await bench.drain(bench.accessQueueUrl)).map(parseAccessEvent);
      expect(more).toEqual([]);
      expect(continuation).toEqual({ kind: 'bucket', bucket, reason: 'DeleteBucketPolicy on bucket test', cursor: expect.any(String) });
    });

    it('fails a bucket re-check that could not check every record, and hands nothing on (the message is retried)', async () => {
      // Prepare
      const bucket = freshBucket();
      await bench.readyRecord(bucket, 'z.bin');
      const down = bench.context({ readability: async () => { throw new Error('S3 unreachable'); } });

      // Act
      const [result] = await handleAccessMessages(down, [{ messageId: 'm', body: recheckMessage({ bucket }, 'PutBucketAcl', undefined) }], FAR);

      // Assess
      expect(result?.error?.name).toBe('RecheckIncompleteError');
      expect(result?.error?.message).toBe(`re-checking bucket ${bucket}: 1 record(s) could not be checked; first error: Error: S3 unreachable`);
      expect(await bench.drain(bench.accessQueueUrl)).toEqual([]);
    });
  });
});
