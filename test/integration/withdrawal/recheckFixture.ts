// What the re-check tests on DynamoDB Local and fauxqs share: real records and queues, and S3's
// answers scripted per object through the one function the module asks (`readability`).
import { readFileSync } from 'node:fs';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqs } from '../../../src/local/startSqs.js';
import type { SqsHandle } from '../../../src/local/startSqs.js';
import { RecordStore } from '../../../src/records/index.js';
import type { ObjectRecord, Torrents } from '../../../src/records/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import type { Readability } from '../../../src/storage/index.js';
import type { WithdrawalContext } from '../../../src/withdrawal/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { startDynamoDbLocal } from '../records/dynamoDbLocal.js';
import type { LocalDynamoDb } from '../records/dynamoDbLocal.js';

const TABLE = 'withdrawal-records';
const KiB = 1024;
/** How long the contexts of these tests let a PENDING/HASHING record sit before its job counts as lost. */
const STALE_JOB_MS = 60_000;
/** A deadline long past: a pass does one page, then hands the rest on. */
const PAST = 0;
/** A deadline nothing reaches. */
const FAR = Number.MAX_SAFE_INTEGER;

let bucketCounter = 0;
/** A bucket no other test uses. */
function freshBucket(): string {
  bucketCounter += 1;
  return `recheck-${bucketCounter}`;
}

/** S3's answer for an object anyone may read, at `etag`. */
function isPublic(etag: string, size = 16 * KiB): Readability {
  return { kind: 'public', etag, size };
}

function fakeTorrents(seed: string): Torrents {
  const hex = (label: string, bytes: number): string => pseudoRandomBytes(bytes, `${seed}:${label}`).toString('hex');
  return {
    v1: { infoHashV1: hex('v1', 20), artifactKey: `torrents/${seed}.v1.torrent`, bytes: 1_000 },
    hybrid: { infoHashV1: hex('h1', 20), infoHashV2: hex('h2', 32), artifactKey: `torrents/${seed}.hybrid.torrent`, bytes: 2_000 },
  };
}

/** DynamoDB Local and fauxqs with the queues, and S3's scripted answers; `reset()` before each test. */
class RecheckBench {
  /** What S3 answers, by `bucket/key`; absent: 404. */
  public answers = new Map<string, Readability>();
  /** Objects S3 was asked about, in order. */
  public asked: string[] = [];
  /** Buckets `forgetBucket` was called for, in order. */
  public forgotten: string[] = [];
  /** The contexts' clock (ms). */
  public clock = Date.now();

  private constructor(
    private readonly dynamo: LocalDynamoDb,
    private readonly sqsEmulator: SqsHandle,
    public readonly records: RecordStore,
    public readonly sqs: SQSClient,
    public readonly hashQueueUrl: string,
    public readonly accessQueueUrl: string,
  ) {}

  public static async start(): Promise<RecheckBench> {
    const [dynamo, sqsEmulator] = await Promise.all([startDynamoDbLocal(), startSqs({ port: 0 })]);
    await RecordStore.createTable(dynamo.client, TABLE);
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: sqsEmulator.endpoint, credentials: { ...LOCAL_CREDENTIALS } });
    const hashQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'hash-jobs' }))).QueueUrl ?? '';
    const accessQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'access-events' }))).QueueUrl ?? '';
    return new RecheckBench(dynamo, sqsEmulator, new RecordStore({ client: dynamo.client, tableName: TABLE }), sqs, hashQueueUrl, accessQueueUrl);
  }

  public async stop(): Promise<void> {
    this.sqs.destroy();
    await Promise.all([this.dynamo.stop(), this.sqsEmulator.stop()]);
  }

  /** Forgets every answer and call, sets the clock to now and empties both queues. */
  public async reset(): Promise<void> {
    this.answers = new Map();
    this.asked = [];
    this.forgotten = [];
    this.clock = Date.now();
    await Promise.all([this.drain(this.hashQueueUrl), this.drain(this.accessQueueUrl)]);
  }

  /** The module's context over these parts, publishing any bucket (`'*'`) unless overridden. */
  public context(overrides: Partial<WithdrawalContext> = {}): WithdrawalContext {
    return {
      records: this.records,
      readability: async (bucket, key) => {
        this.asked.push(`${bucket}/${key}`);
        return this.answers.get(`${bucket}/${key}`) ?? { kind: 'missing' };
      },
      forgetBucket: (bucket) => {
        this.forgotten.push(bucket);
      },
      publishedBuckets: '*',
      sqs: this.sqs,
      hashQueueUrl: this.hashQueueUrl,
      accessQueueUrl: this.accessQueueUrl,
      staleJobMs: STALE_JOB_MS,
      now: () => this.clock,
      ...overrides,
    };
  }

  /** A READY record of `bucket/key` at `etag`, with torrents and its one segment. */
  public async readyRecord(bucket: string, key: string, etag = '"v1"'): Promise<ObjectRecord> {
    await this.records.ensurePending(bucket, key, etag, 16 * KiB);
    const { attemptId } = await this.records.startHashing(bucket, key, etag, { pieceLength: 16 * KiB, pieceCount: 1, segmentsTotal: 1 });
    const attempt = { bucket, key, etag, attemptId };
    await this.records.recordSegment(attempt, {
      index: 0, firstPiece: 0, pieceCount: 1, offset: 0, length: 16 * KiB, v1: pseudoRandomBytes(20, key), v2: pseudoRandomBytes(32, key),
    });
    return this.records.markReady(attempt, fakeTorrents(`${bucket}/${key}`));
  }

  /** Every message on the queue now, removed from it. */
  public async drain(queueUrl: string): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const { Messages: messages = [] } = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (messages.length === 0) return bodies;
      for (const message of messages) {
        bodies.push(message.Body ?? '');
        await this.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle ?? '' }));
      }
    }
  }

  /** The jobs on the hash queue now (removed from it). */
  public async jobsOnHashQueue(): Promise<Array<Record<string, unknown>>> {
    return (await this.drain(this.hashQueueUrl)).map((body) => JSON.parse(body) as Record<string, unknown>);
  }
}

const EVENT_FIXTURES = new URL('../../unit/withdrawal/fixtures/', import.meta.url);

/** A fixture event (as EventBridge delivers it), about `bucket` (and `key` for object events) instead of the fixture's own. */
function fixtureEvent(fixture: string, bucket: string, key?: string): string {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a fixture's JSON, edited in place
  const event = JSON.parse(readFileSync(new URL(fixture, EVENT_FIXTURES), 'utf8').replaceAll('public-datasets', bucket)) as Record<string, any>;
  if (key !== undefined) event.detail.object.key = key;
  return JSON.stringify(event);
}

export { FAR, KiB, PAST, RecheckBench, STALE_JOB_MS, fixtureEvent, freshBucket, isPublic };
