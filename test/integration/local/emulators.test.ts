import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DescribeTimeToLiveCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TableKeys } from '../../../src/records/index.js';
import { awsClients } from '../../../src/service/awsClients.js';
import type { AwsClients } from '../../../src/service/awsClients.js';
import { startDynamoDb, startEmulators } from '../../../src/local/emulators.js';
import type { DynamoDbHandle, Emulators, S3ObjectEventRecord } from '../../../src/local/emulators.js';
import { EmulatorStartError, LocalStackError } from '../../../src/local/errors.js';
import { freeLoopbackPort } from '../../../src/local/ports.js';
import { LocalQueueNames, createLocalResources } from '../../../src/local/resources.js';
import type { LocalResourceOptions, LocalResources } from '../../../src/local/resources.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';

const TABLE_NAME = 's3-torrent-local-test';
const ARTIFACTS_BUCKET = 's3-torrent-artifacts';
const MiB = 1024 * 1024;
/** Short, so that five receive cycles of the DLQ test take seconds, not minutes. */
const HASH_JOBS_VISIBILITY_SECONDS = 2;
/** Every wait on an emulator is bounded by this. */
const WAIT_MS = 20_000;

const resourceOptions: LocalResourceOptions = {
  tableName: TABLE_NAME,
  queues: [{ name: LocalQueueNames.HashJobs, visibilityTimeoutSeconds: HASH_JOBS_VISIBILITY_SECONDS }, { name: LocalQueueNames.AccessEvents }],
  artifactsBucket: ARTIFACTS_BUCKET,
};

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Polls `probe` until it returns a value, for at most `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Local emulators: s3rver, fauxqs and DynamoDB Local behind the real SDK clients', () => {
  let dataDir: { dir: string; cleanup: () => Promise<void> };
  let emulators: Emulators;
  let clients: AwsClients;
  let first: LocalResources;
  let second: LocalResources;
  const events: S3ObjectEventRecord[] = [];
  /** DynamoDB Local after the restart test; stopped in afterAll with the rest. */
  let restarted: DynamoDbHandle | undefined;
  let restartedClients: AwsClients | undefined;

  beforeAll(async () => {
    dataDir = await tempDir('local-emulators');
    emulators = await startEmulators({ dataDir: dataDir.dir });
    emulators.s3.onObjectEvent((record) => {
      events.push(record);
    });
    clients = awsClients(emulators.aws);
    first = await createLocalResources(clients, resourceOptions);
    second = await createLocalResources(clients, resourceOptions);
  }, 120_000);

  afterAll(async () => {
    clients?.destroy();
    restartedClients?.destroy();
    await Promise.all([emulators?.stop(), restarted?.stop()]);
    await emulators?.stop();
    await dataDir?.cleanup();
  }, 60_000);

  describe('Function: startEmulators', () => {
    it('listens on the IPv4 loopback address with s3rver, fauxqs and DynamoDB Local', () => {
      for (const endpoint of [emulators.aws.s3Endpoint, emulators.aws.sqsEndpoint, emulators.aws.dynamoDbEndpoint]) {
        expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      }
      expect(new Set([emulators.s3.port, emulators.sqs.port, emulators.dynamoDb.port]).size).toBe(3);
    });
  });

  describe('Function: createLocalResources', () => {
    it('returns the same table, queues and buckets when run a second time', () => {
      expect(second).toEqual(first);
      expect(first.tableName).toBe(TABLE_NAME);
      expect(first.demoBucket).toBe('public');
      expect(first.artifactsBucket).toBe(ARTIFACTS_BUCKET);
      expect(Object.keys(first.queues).sort()).toEqual(['access-events', 'hash-jobs']);
    });

    it('creates one table, four queues and two buckets however often it runs', async () => {
      await createLocalResources(clients, resourceOptions);

      const { TableNames } = await clients.dynamoDb.send(new ListTablesCommand({}));
      const { QueueUrls } = await clients.sqs.send(new ListQueuesCommand({}));
      const { Buckets } = await clients.s3.send(new ListBucketsCommand({}));

      expect(TableNames).toEqual([TABLE_NAME]);
      expect((QueueUrls ?? []).map((url) => url.split('/').at(-1)).sort()).toEqual([
        'access-events',
        'access-events-dlq',
        'hash-jobs',
        'hash-jobs-dlq',
      ]);
      expect((Buckets ?? []).map((bucket) => bucket.Name).sort()).toEqual([ARTIFACTS_BUCKET, 'public'].sort());
    });

    it('gives each queue a -dlq dead-letter queue after 5 receives and its visibility timeout', async () => {
      for (const [name, visibility] of [
        ['hash-jobs', String(HASH_JOBS_VISIBILITY_SECONDS)],
        ['access-events', '30'],
      ] as const) {
        const queue = first.queues[name];
        expect(queue?.deadLetterQueueUrl).toMatch(new RegExp(`/${name}-dlq$`));

        const { Attributes } = await clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queue?.url, AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'] }),
        );

        expect(Attributes?.VisibilityTimeout).toBe(visibility);
        const redrive = JSON.parse(Attributes?.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string; maxReceiveCount?: string | number };
        expect(redrive.deadLetterTargetArn).toBe(queue?.deadLetterQueueArn);
        expect(Number(redrive.maxReceiveCount)).toBe(5);
      }
    });
    it('brings an existing queue to a changed visibility timeout instead of failing', async () => {
      const changed = { ...resourceOptions, queues: [{ name: LocalQueueNames.HashJobs, visibilityTimeoutSeconds: 7 }] };
      const visibility = async (): Promise<string | undefined> => {
        const { Attributes } = await clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: first.queues['hash-jobs']?.url, AttributeNames: ['VisibilityTimeout'] }),
        );
        return Attributes?.VisibilityTimeout;
      };

      const result = await createLocalResources(clients, changed);
      const afterChange = await visibility();
      await createLocalResources(clients, resourceOptions);
      const afterRestore = await visibility();

      expect(result.queues['hash-jobs']).toEqual(first.queues['hash-jobs']);
      expect(afterChange).toBe('7');
      expect(afterRestore).toBe(String(HASH_JOBS_VISIBILITY_SECONDS));
    });
  });

  describe('Emulator: s3rver', () => {
    const key = 'uploads/ünïcödé dir/big file + more — 12 MiB ✓.bin';
    const body = pseudoRandomBytes(12 * MiB, 'local-emulators-12MiB');

    it('stores a 12 MiB object byte for byte and reports ObjectCreated with its exact key and size', async () => {
      const put = await clients.s3.send(new PutObjectCommand({ Bucket: first.demoBucket, Key: key, Body: body }));
      const event = await waitFor('the ObjectCreated event', () =>
        events.find((record) => record.eventName.startsWith('ObjectCreated:') && record.s3.object.key === key),
      );
      const got = await clients.s3.send(new GetObjectCommand({ Bucket: first.demoBucket, Key: key }));
      const bytes = await got.Body?.transformToByteArray();

      expect(bytes?.length).toBe(body.length);
      expect(sha256(bytes ?? new Uint8Array())).toBe(sha256(body));
      expect(event.eventName).toBe('ObjectCreated:Put');
      expect(event.s3.bucket.name).toBe(first.demoBucket);
      expect(event.s3.object.size).toBe(12 * MiB);
      expect(event.s3.object.eTag).toBe(createHash('md5').update(body).digest('hex'));
      expect(put.ETag?.replace(/"/g, '')).toBe(event.s3.object.eTag);
    });

    it('answers a ranged GET with 206 and exactly the requested bytes', async () => {
      const start = 5 * MiB - 1000;
      const end = 5 * MiB + 64 * 1024 - 1;

      const got = await clients.s3.send(new GetObjectCommand({ Bucket: first.demoBucket, Key: key, Range: `bytes=${start}-${end}` }));
      const bytes = await got.Body?.transformToByteArray();

      expect(got.$metadata.httpStatusCode).toBe(206);
      expect(got.ContentRange).toBe(`bytes ${start}-${end}/${body.length}`);
      expect(Buffer.from(bytes ?? new Uint8Array()).equals(body.subarray(start, end + 1))).toBe(true);
    });
  });

  describe('Emulator: fauxqs', () => {
    it('hides a received message for the visibility timeout and moves it to the DLQ after 5 receives', async () => {
      const queue = first.queues['hash-jobs'];
      if (queue === undefined) throw new Error('hash-jobs was not created');
      const text = JSON.stringify({ bucket: 'public', key: 'poison', etag: 'x' });
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: text }));
      const receive = async (url: string): Promise<Message | undefined> => {
        const { Messages } = await clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
        );
        return Messages?.[0];
      };

      const firstReceive = await waitFor('the first receive', () => receive(queue.url));
      const receivedAt = Date.now();
      const duringTimeout = await receive(queue.url);
      await sleep(1000);
      const stillDuringTimeout = await receive(queue.url);
      const counts = [firstReceive.Attributes?.ApproximateReceiveCount];
      let reappearedAfterMs: number | undefined;
      while (counts.length < 5) {
        const again = await waitFor(`receive ${counts.length + 1}`, () => receive(queue.url));
        reappearedAfterMs ??= Date.now() - receivedAt;
        expect(again.Body).toBe(text);
        counts.push(again.Attributes?.ApproximateReceiveCount);
      }
      // The sixth receive finds the message over maxReceiveCount and redrives it instead.
      const deadLettered = await waitFor('the message in the DLQ', async () => {
        const fromMain = await receive(queue.url);
        if (fromMain !== undefined) throw new Error(`received a 6th time: ${JSON.stringify(fromMain)}`);
        return receive(queue.deadLetterQueueUrl);
      });

      expect(firstReceive.Body).toBe(text);
      expect(duringTimeout).toBeUndefined();
      expect(stillDuringTimeout).toBeUndefined();
      expect(reappearedAfterMs).toBeGreaterThanOrEqual(HASH_JOBS_VISIBILITY_SECONDS * 1000 - 100);
      expect(counts).toEqual(['1', '2', '3', '4', '5']);
      expect(deadLettered.Body).toBe(text);
    }, 60_000);
  });

  describe('Emulator: DynamoDB Local', () => {
    it('has the record table with the byBucket index and TTL on expiresAt', async () => {
      const { Table } = await clients.dynamoDb.send(new DescribeTableCommand({ TableName: TABLE_NAME }));
      const { TimeToLiveDescription } = await clients.dynamoDb.send(new DescribeTimeToLiveCommand({ TableName: TABLE_NAME }));

      expect(Table?.TableStatus).toBe('ACTIVE');
      const index = Table?.GlobalSecondaryIndexes?.find((gsi) => gsi.IndexName === TableKeys.ByBucketIndex);
      expect(index?.KeySchema).toEqual([
        { AttributeName: TableKeys.ByBucketPartition, KeyType: 'HASH' },
        { AttributeName: TableKeys.ByBucketSort, KeyType: 'RANGE' },
      ]);
      expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: TableKeys.ExpiresAt });
    });

    it('refuses a port already in use with EmulatorStartError', async () => {
      const attempt = startDynamoDb({ port: emulators.dynamoDb.port });

      await expect(attempt).rejects.toThrow(EmulatorStartError);
      await expect(attempt).rejects.toThrow(`port ${emulators.dynamoDb.port} is already in use`);
    });

    it('gives up with EmulatorStartError when it does not answer within startTimeoutMs', async () => {
      const attempt = startDynamoDb({ port: await freeLoopbackPort(), startTimeoutMs: 1 });

      await expect(attempt).rejects.toThrow(EmulatorStartError);
      await expect(attempt).rejects.toThrow(/no answer to ListTables .* within 1 ms/);
      await expect(attempt).rejects.toBeInstanceOf(LocalStackError);
    });

    it('keeps an item across a restart on the same data directory, and stops idempotently', async () => {
      const item = { [TableKeys.PartitionKey]: 'o/public/restart.bin', [TableKeys.SortKey]: 'restart-check', note: 'written before the restart' };
      await clients.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: item }));
      const { pid, port } = emulators.dynamoDb;

      await Promise.all([emulators.dynamoDb.stop(), emulators.dynamoDb.stop()]);
      await emulators.dynamoDb.stop();
      const stoppedPid = isRunning(pid);
      restarted = await startDynamoDb({ port, dataDir: `${dataDir.dir}/dynamodb` });
      restartedClients = awsClients({ ...emulators.aws, dynamoDbEndpoint: restarted.endpoint });
      const { Item } = await restartedClients.documents.send(
        new GetCommand({ TableName: TABLE_NAME, Key: { [TableKeys.PartitionKey]: item.pk, [TableKeys.SortKey]: item.sk } }),
      );
      const again = await createLocalResources(restartedClients, resourceOptions);

      expect(stoppedPid).toBe(false);
      expect(restarted.pid).not.toBe(pid);
      expect(Item).toEqual(item);
      expect(again).toEqual(first);
    }, 60_000);
  });
});
