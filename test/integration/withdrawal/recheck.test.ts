import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqs } from '../../../src/local/startSqs.js';
import type { SqsHandle } from '../../../src/local/startSqs.js';
import { RecordState, RecordStore, republishRecord } from '../../../src/records/index.js';
import type { ObjectRecord, Torrents } from '../../../src/records/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import type { Readability } from '../../../src/storage/index.js';
import {
  RECHECK_CONCURRENCY,
  RECHECK_PAGE_SIZE,
  handleAccessMessages,
  parseAccessEvent,
  recheckAccount,
  recheckBucket,
  recheckMessage,
  recheckObject,
  sweepRecords,
} from '../../../src/withdrawal/index.js';
import type { WithdrawalContext } from '../../../src/withdrawal/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { startDynamoDbLocal } from '../records/dynamoDbLocal.js';
import type { LocalDynamoDb } from '../records/dynamoDbLocal.js';

// The access checker's decisions on real records (DynamoDB Local) and a real queue (fauxqs). S3's
// answer is the one injected function the module asks (`readability`): here a script per object,
// so that every answer S3 can give is tried; the local stack tests ask Ceph RGW itself.

const TABLE = 'withdrawal-records';
const KiB = 1024;
const STALE_JOB_MS = 60_000;
/** A deadline long past: a pass does one page, then hands the rest on. */
const PAST = 0;
/** A deadline nothing reaches. */
const FAR = Number.MAX_SAFE_INTEGER;

let bucketCounter = 0;
function freshBucket(): string {
  bucketCounter += 1;
  return `recheck-${bucketCounter}`;
}

function fakeTorrents(seed: string): Torrents {
  const hex = (label: string, bytes: number): string => pseudoRandomBytes(bytes, `${seed}:${label}`).toString('hex');
  return {
    v1: { infoHashV1: hex('v1', 20), artifactKey: `torrents/${seed}.v1.torrent`, bytes: 1_000 },
    hybrid: { infoHashV1: hex('h1', 20), infoHashV2: hex('h2', 32), artifactKey: `torrents/${seed}.hybrid.torrent`, bytes: 2_000 },
  };
}

describe('Module: withdrawal (re-checks on DynamoDB Local and fauxqs)', () => {
  let dynamo: LocalDynamoDb;
  let sqsEmulator: SqsHandle;
  let sqs: SQSClient;
  let records: RecordStore;
  let hashQueueUrl: string;
  let accessQueueUrl: string;
  /** What S3 answers, by `bucket/key`; absent: 404. */
  let answers: Map<string, Readability>;
  let asked: string[];
  let forgotten: string[];
  let clock: number;

  beforeAll(async () => {
    [dynamo, sqsEmulator] = await Promise.all([startDynamoDbLocal(), startSqs({ port: 0 })]);
    await RecordStore.createTable(dynamo.client, TABLE);
    records = new RecordStore({ client: dynamo.client, tableName: TABLE });
    sqs = new SQSClient({ region: 'us-east-1', endpoint: sqsEmulator.endpoint, credentials: { ...LOCAL_CREDENTIALS } });
    hashQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'hash-jobs' }))).QueueUrl ?? '';
    accessQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'access-events' }))).QueueUrl ?? '';
  }, 60_000);

  afterAll(async () => {
    sqs?.destroy();
    await Promise.all([dynamo?.stop(), sqsEmulator?.stop()]);
  });

  beforeEach(async () => {
    answers = new Map();
    asked = [];
    forgotten = [];
    clock = Date.now();
    await Promise.all([drain(hashQueueUrl), drain(accessQueueUrl)]);
  });

  /** Every message on the queue now, removed from it. */
  async function drain(queueUrl: string): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const { Messages: messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (messages.length === 0) return bodies;
      for (const message of messages) {
        bodies.push(message.Body ?? '');
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle ?? '' }));
      }
    }
  }

  function context(overrides: Partial<WithdrawalContext> = {}): WithdrawalContext {
    return {
      records,
      readability: async (bucket, key) => {
        asked.push(`${bucket}/${key}`);
        return answers.get(`${bucket}/${key}`) ?? { kind: 'missing' };
      },
      forgetBucket: (bucket) => {
        forgotten.push(bucket);
      },
      publishedBuckets: '*',
      sqs,
      hashQueueUrl,
      accessQueueUrl,
      staleJobMs: STALE_JOB_MS,
      now: () => clock,
      ...overrides,
    };
  }

  const isPublic = (etag: string, size = 16 * KiB): Readability => ({ kind: 'public', etag, size, sseCustomer: false });

  /** A READY record of `bucket/key` at `etag`, with torrents. */
  async function readyRecord(bucket: string, key: string, etag = '"v1"'): Promise<ObjectRecord> {
    await records.ensurePending(bucket, key, etag, 16 * KiB);
    await records.startHashing(bucket, key, etag, { pieceLength: 16 * KiB, pieceCount: 1, segmentsTotal: 1 });
    await records.recordSegment(bucket, key, etag, {
      index: 0, firstPiece: 0, pieceCount: 1, offset: 0, length: 16 * KiB, v1: pseudoRandomBytes(20, key), v2: pseudoRandomBytes(32, key),
    });
    return records.markReady(bucket, key, etag, fakeTorrents(`${bucket}/${key}`));
  }

  async function jobsOnHashQueue(): Promise<Array<Record<string, unknown>>> {
    return (await drain(hashQueueUrl)).map((body) => JSON.parse(body) as Record<string, unknown>);
  }

  describe('Function: recheckObject', () => {
    it('revokes a READY record S3 now refuses, with the reason, the trigger and the time', async () => {
      // Prepare
      const bucket = freshBucket();
      const before = await readyRecord(bucket, 'private.bin');
      answers.set(`${bucket}/private.bin`, { kind: 'forbidden' });

      // Act
      const outcome = await recheckObject(context(), bucket, 'private.bin', 'Object ACL Updated event');

      // Assess
      const reason = 'no longer public: S3 refused an anonymous HEAD (Object ACL Updated event)';
      expect(outcome).toEqual({ kind: 'revoked', reason });
      const after = await records.get(bucket, 'private.bin');
      expect(after).toMatchObject({ state: RecordState.Revoked, etag: '"v1"', reason, torrents: before.torrents });
      expect(Date.parse(after?.updatedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
      expect(await records.findByInfoHash(before.torrents?.v1.infoHashV1 ?? '')).toBeUndefined();
      expect(await jobsOnHashQueue()).toEqual([]);
    });

    it('revokes a READY record of a deleted object as deleted (and keeps it)', async () => {
      // Prepare
      const bucket = freshBucket();
      await readyRecord(bucket, 'gone.bin');

      // Act
      const outcome = await recheckObject(context(), bucket, 'gone.bin', 'Object Deleted event (DeleteObject)');

      // Assess
      expect(outcome).toEqual({ kind: 'revoked', reason: 'deleted: S3 answered 404 to an anonymous HEAD (Object Deleted event (DeleteObject))' });
      expect((await records.get(bucket, 'gone.bin'))?.state).toBe(RecordState.Revoked);
    });

    it('leaves a READY record alone while S3 serves the same version to anyone', async () => {
      // Prepare
      const bucket = freshBucket();
      const before = await readyRecord(bucket, 'fine.bin');
      answers.set(`${bucket}/fine.bin`, isPublic('"v1"'));

      // Act
      const outcome = await recheckObject(context(), bucket, 'fine.bin', 'Object ACL Updated event');

      // Assess
      expect(outcome).toEqual({ kind: 'unchanged' });
      expect(await records.get(bucket, 'fine.bin')).toEqual(before);
    });

    it('never serves a replaced version again and queues the new one for hashing', async () => {
      // Prepare
      const bucket = freshBucket();
      const before = await readyRecord(bucket, 'replaced.bin');
      answers.set(`${bucket}/replaced.bin`, isPublic('"v2"', 20 * KiB));

      // Act
      const outcome = await recheckObject(context(), bucket, 'replaced.bin', 'sweep');

      // Assess
      expect(outcome).toEqual({ kind: 'rehash-queued', etag: '"v2"', revoked: 'replaced: S3 now serves ETag "v2" (sweep)' });
      expect(await records.get(bucket, 'replaced.bin')).toMatchObject({ state: RecordState.Pending, etag: '"v2"', size: 20 * KiB });
      expect(await records.findByInfoHash(before.torrents?.v1.infoHashV1 ?? '')).toBeUndefined();
      expect(await jobsOnHashQueue()).toEqual([{ type: 'object', bucket, key: 'replaced.bin', etag: '"v2"', size: 20 * KiB }]);
    });

    it('republishes a REVOKED record that is public again with the same ETag, without hashing', async () => {
      // Prepare
      const bucket = freshBucket();
      const ready = await readyRecord(bucket, 'back.bin');
      await records.markRevoked(bucket, 'back.bin', 'no longer public (test)');
      answers.set(`${bucket}/back.bin`, isPublic('"v1"'));

      // Act
      const outcome = await recheckObject(context(), bucket, 'back.bin', 'Object ACL Updated event');

      // Assess
      expect(outcome).toEqual({ kind: 'republished' });
      const after = await records.get(bucket, 'back.bin');
      expect(after).toMatchObject({ state: RecordState.Ready, etag: '"v1"', torrents: ready.torrents, segmentsDone: 1 });
      expect(after?.reason).toBeUndefined();
      expect((await records.findByInfoHash(ready.torrents?.hybrid.infoHashV2 ?? ''))?.key).toBe('back.bin');
      expect(await records.segmentResults(bucket, 'back.bin', '"v1"')).toHaveLength(1);
      expect(await jobsOnHashQueue()).toEqual([]);
    });

    it('hashes a record revoked before it had torrents, once public again', async () => {
      // Prepare
      const bucket = freshBucket();
      await records.ensurePending(bucket, 'early.bin', '"v1"', 16 * KiB);
      await records.markRevoked(bucket, 'early.bin', 'made private while pending (test)');
      answers.set(`${bucket}/early.bin`, isPublic('"v1"'));

      // Act
      const outcome = await recheckObject(context(), bucket, 'early.bin', 'sweep');

      // Assess
      expect(outcome).toEqual({ kind: 'rehash-queued', etag: '"v1"' });
      expect((await records.get(bucket, 'early.bin'))?.state).toBe(RecordState.Pending);
      expect(await jobsOnHashQueue()).toHaveLength(1);
    });

    it('gives an object without a record that S3 serves to anyone a record and a job (an ACL made public after upload)', async () => {
      // Prepare
      const bucket = freshBucket();
      answers.set(`${bucket}/late.bin`, isPublic('"v9"', 5 * KiB));

      // Act
      const outcome = await recheckObject(context(), bucket, 'late.bin', 'Object ACL Updated event');

      // Assess
      expect(outcome).toEqual({ kind: 'prewarmed' });
      expect(await records.get(bucket, 'late.bin')).toMatchObject({ state: RecordState.Pending, etag: '"v9"' });
      expect(await jobsOnHashQueue()).toEqual([{ type: 'object', bucket, key: 'late.bin', etag: '"v9"', size: 5 * KiB }]);
    });

    it('does nothing for an object without a record that S3 does not serve', async () => {
      // Prepare
      const bucket = freshBucket();

      // Act & Assess
      expect(await recheckObject(context(), bucket, 'never.bin', 'Object Deleted event')).toEqual({ kind: 'no-record' });
      expect(await records.get(bucket, 'never.bin')).toBeUndefined();
    });

    it('revokes an object S3 serves only with a customer key (SSE-C)', async () => {
      // Prepare
      const bucket = freshBucket();
      await readyRecord(bucket, 'ssec.bin');
      answers.set(`${bucket}/ssec.bin`, { kind: 'public', etag: '', size: 0, sseCustomer: true });

      // Act & Assess
      expect((await recheckObject(context(), bucket, 'ssec.bin', 'sweep')).kind).toBe('revoked');
      expect(await jobsOnHashQueue()).toEqual([]);
    });

    it('asks S3 nothing about FAILED records, nor about PENDING ones still in time', async () => {
      // Prepare
      const bucket = freshBucket();
      await records.ensurePending(bucket, 'failed.bin', '"v1"', 16 * KiB);
      await records.markFailed(bucket, 'failed.bin', '"v1"', 'test');
      await records.ensurePending(bucket, 'waiting.bin', '"v1"', 16 * KiB);

      // Act
      const outcomes = [await recheckObject(context(), bucket, 'failed.bin', 'sweep'), await recheckObject(context(), bucket, 'waiting.bin', 'sweep')];

      // Assess
      expect(outcomes).toEqual([{ kind: 'unchanged' }, { kind: 'unchanged' }]);
      expect(asked).toEqual([]);
    });

    it('re-queues a PENDING record whose job looks lost, once per stale period', async () => {
      // Prepare: a record written, then a crash before its job was sent.
      const bucket = freshBucket();
      await records.ensurePending(bucket, 'lost.bin', '"v1"', 16 * KiB);
      clock = Date.now() + STALE_JOB_MS;

      // Act
      const first = await recheckObject(context(), bucket, 'lost.bin', 'sweep');
      const again = await recheckObject(context(), bucket, 'lost.bin', 'sweep');

      // Assess
      expect([first, again]).toEqual([{ kind: 'requeued' }, { kind: 'unchanged' }]);
      expect(await jobsOnHashQueue()).toEqual([{ type: 'object', bucket, key: 'lost.bin', etag: '"v1"', size: 16 * KiB }]);
      expect((await records.get(bucket, 'lost.bin'))?.state).toBe(RecordState.Pending);
    });
  });

  describe('Function: republishRecord', () => {
    it('refuses a record that is not REVOKED, or holds another ETag', async () => {
      // Prepare
      const bucket = freshBucket();
      await readyRecord(bucket, 'ready.bin');
      await readyRecord(bucket, 'other.bin');
      await records.markRevoked(bucket, 'other.bin', 'test');

      // Act & Assess
      expect(await republishRecord(records, bucket, 'ready.bin', '"v1"')).toBeUndefined();
      expect(await republishRecord(records, bucket, 'other.bin', '"v2"')).toBeUndefined();
      expect((await records.get(bucket, 'other.bin'))?.state).toBe(RecordState.Revoked);
      expect((await republishRecord(records, bucket, 'other.bin', '"v1"'))?.state).toBe(RecordState.Ready);
    });
  });

  describe('Function: recheckBucket', () => {
    it(`reads the bucket ${RECHECK_PAGE_SIZE} records a page, stops at the deadline with a cursor, and the cursor covers the rest`, async () => {
      // Prepare: more than one page of PENDING records still in time (checked, nothing to do).
      const bucket = freshBucket();
      const total = RECHECK_PAGE_SIZE + 17;
      await Promise.all(Array.from({ length: total }, (_, i) => records.ensurePending(bucket, `k${String(i).padStart(4, '0')}`, '"v1"', KiB)));

      // Act
      const first = await recheckBucket(context(), bucket, 'PutBucketPolicy', { deadline: PAST });
      const rest = await recheckBucket(context(), bucket, 'PutBucketPolicy', { deadline: PAST, cursor: first.continuations[0]?.cursor });

      // Assess
      expect(first.tally.checked).toBe(RECHECK_PAGE_SIZE);
      expect(first.continuations).toEqual([{ scope: { bucket }, reason: 'PutBucketPolicy', cursor: expect.any(String) }]);
      expect(rest.tally.checked).toBe(17);
      expect(rest.continuations).toEqual([]);
      expect(forgotten).toEqual([bucket, bucket]);
    });

    it(`checks at most ${RECHECK_CONCURRENCY} records at once`, async () => {
      // Prepare
      const bucket = freshBucket();
      await Promise.all(Array.from({ length: 40 }, (_, i) => readyRecord(bucket, `r${i}`)));
      let inFlight = 0;
      let most = 0;
      const slow = context({
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
      await readyRecord(bucket, 'a.bin');
      await readyRecord(bucket, 'b.bin');
      const flaky = context({
        readability: async (_bucket, key) => {
          if (key === 'a.bin') throw new Error('S3 said 503');
          return { kind: 'forbidden' };
        },
      });

      // Act
      const result = await recheckBucket(flaky, bucket, 'DeleteBucketPolicy', { deadline: FAR });

      // Assess
      expect(result.tally).toMatchObject({ checked: 1, revoked: 1, failed: 1 });
      expect(result.tally.firstError?.message).toBe('S3 said 503');
      expect((await records.get(bucket, 'a.bin'))?.state).toBe(RecordState.Ready);
      expect((await records.get(bucket, 'b.bin'))?.state).toBe(RecordState.Revoked);
    });
  });

  describe('Function: recheckAccount and sweepRecords', () => {
    it('goes through the published buckets in turn and hands those past the deadline on', async () => {
      // Prepare
      const buckets = [freshBucket(), freshBucket(), freshBucket()].sort();
      for (const bucket of buckets) await readyRecord(bucket, 'x.bin');

      // Act
      const result = await recheckAccount(context({ publishedBuckets: new Set(buckets) }), 'PutAccountPublicAccessBlock', { deadline: PAST });

      // Assess: the first bucket is done (its object is gone), the two others are left for later.
      expect(result.tally).toMatchObject({ checked: 1, revoked: 1 });
      expect(result.continuations).toEqual(buckets.slice(1).map((bucket) => ({ scope: { bucket }, reason: 'PutAccountPublicAccessBlock', cursor: undefined })));
    });

    it("sweeps every record of the table when any bucket is published ('*'), by a scan", async () => {
      // Prepare
      const [one, two] = [freshBucket(), freshBucket()];
      await readyRecord(one, 'private.bin');
      await readyRecord(two, 'public.bin');
      await readyRecord(two, 'revoked.bin');
      await records.markRevoked(two, 'revoked.bin', 'test');
      answers.set(`${one}/private.bin`, { kind: 'forbidden' });
      answers.set(`${two}/public.bin`, isPublic('"v1"'));
      answers.set(`${two}/revoked.bin`, isPublic('"v1"'));

      // Act
      const result = await sweepRecords(context(), { deadline: FAR });

      // Assess
      expect(result.continuations).toEqual([]);
      expect((await records.get(one, 'private.bin'))?.reason).toMatch(/^no longer public: S3 refused an anonymous HEAD \(sweep at \d{4}-\d\d-\d\dT/);
      expect((await records.get(two, 'public.bin'))?.state).toBe(RecordState.Ready);
      expect((await records.get(two, 'revoked.bin'))?.state).toBe(RecordState.Ready);
      expect(forgotten).toEqual(expect.arrayContaining([one, two]));
    });
  });

  describe('Function: handleAccessMessages', () => {
    it('drops what is not an access event, re-checks what is, and hands a long re-check on through the queue', async () => {
      // Prepare
      const bucket = freshBucket();
      await readyRecord(bucket, 'obj.bin');
      await Promise.all(Array.from({ length: RECHECK_PAGE_SIZE + 1 }, (_, i) => records.ensurePending(bucket, `p${i}`, '"v1"', KiB)));
      const messages = [
        { messageId: 'garbage', body: 'not json' },
        { messageId: 'other', body: JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }) },
        { messageId: 'object', body: JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Deleted', detail: { bucket: { name: bucket }, object: { key: 'obj.bin' } } }) },
        { messageId: 'bucket', body: recheckMessage({ bucket }, 'DeleteBucketPolicy on bucket test', undefined) },
      ];

      // Act
      const results = await handleAccessMessages(context(), messages, PAST);

      // Assess
      expect(results.map((r) => [r.messageId, r.dropped?.name, r.error?.message, r.outcome?.kind])).toEqual([
        ['garbage', 'MalformedAccessEventError', undefined, undefined],
        ['other', 'UnknownAccessEventError', undefined, undefined],
        ['object', undefined, undefined, 'revoked'],
        ['bucket', undefined, undefined, undefined],
      ]);
      expect(results[3]?.continued).toBe(1);
      const [continuation, ...more] = (await drain(accessQueueUrl)).map(parseAccessEvent);
      expect(more).toEqual([]);
      expect(continuation).toEqual({ kind: 'bucket', bucket, reason: 'DeleteBucketPolicy on bucket test', cursor: expect.any(String) });
    });

    it('fails a bucket re-check that could not check every record, and hands nothing on (the message is retried)', async () => {
      // Prepare
      const bucket = freshBucket();
      await readyRecord(bucket, 'z.bin');
      const down = context({ readability: async () => { throw new Error('S3 unreachable'); } });

      // Act
      const [result] = await handleAccessMessages(down, [{ messageId: 'm', body: recheckMessage({ bucket }, 'PutBucketAcl', undefined) }], FAR);

      // Assess
      expect(result?.error?.name).toBe('RecheckIncompleteError');
      expect(result?.error?.message).toBe(`re-checking bucket ${bucket}: 1 record(s) could not be checked; first error: Error: S3 unreachable`);
      expect(await drain(accessQueueUrl)).toEqual([]);
    });
  });
});
