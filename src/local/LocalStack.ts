import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ServiceEnv } from '../config.js';
import type { AwsConfig } from '../config.js';
import { JobType, sendHashJobs } from '../queue/index.js';
import type { HashJob } from '../queue/index.js';
import { RecordStore } from '../records/index.js';
import { awsClients } from '../service/awsClients.js';
import { LOCAL_CREDENTIALS } from '../service/credentials.js';
import { startDynamoDb, startS3rver, startSqs } from './emulators.js';
import { startHttpApiServer } from './httpApiServer.js';
import type { HttpApiHandler } from './httpApiServer.js';
import type { LocalStackConfig } from './localConfig.js';
import { LocalResourceError } from './errors.js';
import { DEFAULT_DEMO_BUCKET, LocalQueueNames, createLocalResources } from './resources.js';
import { startRgw } from './rgw.js';
import { watchRgwStorage } from './rgwOpsLog.js';
import { startSchedule } from './schedule.js';
import { startLocalSeeders } from './localSeeders.js';
import { publicVerdictFor, startLocalSeeder } from './localSeeder.js';
import type { LocalSeeder, SwarmReport } from './localSeeder.js';
import { ARTIFACTS_BUCKET, TABLE_NAME } from './stackNames.js';
import { startNotificationReceiver, subscribeRgwBucket } from './rgwNotifications.js';
import { eventBridgeEventFor } from './s3Events.js';
import type { S3NotificationRecord } from './s3Events.js';
import { startSqsConsumer } from './sqsRunner.js';
import { ACCESS_EVENTS_BATCH_SIZE } from '../withdrawal/index.js';

const REGION = 'us-east-1';

/** The event EventBridge Scheduler hands the sweep (its fields are not read). */
function sweepEvent(region: string): ScheduledEvent {
  return {
    version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000',
    time: new Date().toISOString(), region, resources: [], detail: {},
  };
}

/**
 * The Lambda handlers the stack runs. They are passed in, not imported here: src/ never imports
 * lambdas/; the entry point (bin/s3-torrent.ts, or a test) loads the real handler modules. They
 * must be loaded only when asked (after the stack has set their environment), since a handler
 * reads its configuration once, at import.
 */
interface LocalHandlers {
  readonly hashWorker: (event: SQSEvent) => Promise<SQSBatchResponse>;
  readonly torrentApi: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  readonly accessChecker: (event: SQSEvent) => Promise<SQSBatchResponse>;
  readonly sweep: (event: ScheduledEvent) => Promise<void>;
}

interface Stoppable {
  stop(): Promise<void>;
}

interface LocalStack {
  readonly endpoints: { readonly s3: string; readonly api: string; readonly dynamoDb: string; readonly sqs: string };
  /** Bytes of objects S3 holds before it refuses uploads: known for the stack's own RGW only. */
  readonly s3CapacityBytes: number | undefined;
  /** The first seeder (the one the torrents announce to). */
  readonly seeder: LocalSeeder | undefined;
  /** Every seeder/tracker pair (`--seeders N`), the first one first. */
  readonly seeders: readonly LocalSeeder[];
  /** The redis-server the seeders share their swarms through (`redis://127.0.0.1:<port>`), when there are several. */
  readonly swarmStoreUrl: string | undefined;
  readonly demoBucket: string;
  readonly hashQueueUrl: string;
  readonly hashDeadLetterQueueUrl: string;
  /** The access checker's queue: withdrawal events and re-check continuations. */
  readonly accessQueueUrl: string;
  readonly accessDeadLetterQueueUrl: string;
  readonly aws: AwsConfig;
  stop(): Promise<void>;
}

/** The environment the Lambda handlers read at load: the same variables the CDK stack sets. */
function handlerEnvironment(
  config: LocalStackConfig,
  aws: AwsConfig,
  queues: { readonly hash: string; readonly access: string },
  trackers: readonly string[],
  apiUrl: string,
): Record<string, string> {
  return {
    AWS_REGION: aws.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    S3TORRENT_S3_ENDPOINT: aws.s3Endpoint ?? '',
    S3TORRENT_DYNAMODB_ENDPOINT: aws.dynamoDbEndpoint ?? '',
    S3TORRENT_SQS_ENDPOINT: aws.sqsEndpoint ?? '',
    S3TORRENT_TABLE: TABLE_NAME,
    S3TORRENT_HASH_QUEUE_URL: queues.hash,
    S3TORRENT_ACCESS_QUEUE_URL: queues.access,
    S3TORRENT_STALE_JOB_SECONDS: String(config.staleJobSeconds),
    S3TORRENT_ARTIFACTS_BUCKET: ARTIFACTS_BUCKET,
    S3TORRENT_PUBLISHED_BUCKETS: '*',
    S3TORRENT_API_WAIT_MS: String(config.apiWaitMs),
    S3TORRENT_SEGMENT_BYTES: String(config.segmentBytes),
    S3TORRENT_HASH_THREADS: String(config.hashThreads),
    S3TORRENT_HASH_MAX_RECEIVES: String(config.hashMaxReceives),
    S3TORRENT_INLINE_TORRENT_MAX_BYTES: String(config.inlineTorrentMaxBytes),
    S3TORRENT_MAX_RESPONSE_TORRENT_BYTES: String(config.maxResponseTorrentBytes),
    S3TORRENT_WEBSEED_BASE_URL: config.webseeds ? (aws.s3Endpoint ?? '') : '',
    S3TORRENT_API_WEBSEED_BASE_URL: config.webseeds ? apiUrl : '',
    S3TORRENT_TRACKERS: trackers.join(','),
    [ServiceEnv.PublicVerdict]: publicVerdictFor(config.s3),
    // Powertools writes metrics as EMF lines on stdout for CloudWatch; locally there is no
    // CloudWatch to read them, and they would bury the stack's own output.
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}

/** Makes the demo bucket readable by anyone (RGW enforces it; s3rver serves everything anyway). */
async function makeDemoBucketPublic(clients: ReturnType<typeof awsClients>, bucket: string): Promise<void> {
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }],
  };
  await clients.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
}


/**
 * Starts everything on loopback: S3 (s3rver, Ceph RGW or a given endpoint), SQS, DynamoDB Local,
 * the resources the CDK stack creates, the hash-worker and the access checker behind SQS
 * pollers, the sweep on a timer and the torrent API behind an HTTP server, running the real
 * Lambda handler modules. Records left PENDING or HASHING by an earlier run are queued again.
 * The API answers 503 until all of it is up.
 */
async function startLocalStack(
  config: LocalStackConfig,
  loadHandlers: () => Promise<LocalHandlers>,
  log: (line: string) => void = () => undefined,
): Promise<LocalStack> {
  const started: Stoppable[] = [];
  const stopAll = async (): Promise<void> => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };
  try {
    let s3Endpoint: string;
    let s3rver: Awaited<ReturnType<typeof startS3rver>> | undefined;
    let s3CapacityBytes: number | undefined;
    if (config.s3.kind === 'embedded') {
      s3rver = await startS3rver({ port: config.ports.s3, dataDir: join(config.dataDir, 's3') });
      started.push(s3rver);
      s3Endpoint = s3rver.endpoint;
    } else if (config.s3.kind === 'rgw') {
      const rgw = await startRgw({ port: config.ports.s3, dataDir: join(config.dataDir, 'rgw'), capacityBytes: config.rgwCapacityBytes });
      started.push(rgw);
      // RGW refuses an upload past its capacity with an empty message: say here why.
      started.push(watchRgwStorage(rgw, log));
      s3Endpoint = rgw.endpoint;
      s3CapacityBytes = rgw.capacityBytes;
    } else {
      s3Endpoint = config.s3.endpoint;
    }
    const sqsEmulator = await startSqs({ port: config.ports.sqs });
    started.push(sqsEmulator);
    const dynamo = await startDynamoDb({ port: config.ports.dynamoDb, dataDir: join(config.dataDir, 'dynamodb') });
    started.push(dynamo);
    const aws: AwsConfig = Object.freeze({ region: REGION, s3Endpoint, sqsEndpoint: sqsEmulator.endpoint, dynamoDbEndpoint: dynamo.endpoint });
    const clients = awsClients(aws);
    started.push({ stop: async () => clients.destroy() });

    const resources = await createLocalResources(clients, {
      tableName: TABLE_NAME,
      queues: [
        {
          name: LocalQueueNames.HashJobs,
          visibilityTimeoutSeconds: config.hashVisibilityTimeoutSeconds,
          maxReceiveCount: config.hashMaxReceives,
        },
        { name: LocalQueueNames.AccessEvents },
      ],
      artifactsBucket: ARTIFACTS_BUCKET,
      demoBucket: DEFAULT_DEMO_BUCKET,
    });
    // s3rver has no access control (every object is public already); RGW and other servers do.
    if (config.s3.kind !== 'embedded') {
      await makeDemoBucketPublic(clients, resources.demoBucket).catch((error: unknown) =>
        log(`could not make bucket ${resources.demoBucket} public: ${String(error)}`));
    }
    const hashQueue = resources.queues[LocalQueueNames.HashJobs];
    const accessQueue = resources.queues[LocalQueueNames.AccessEvents];
    if (hashQueue === undefined || accessQueue === undefined) {
      throw new LocalResourceError(LocalQueueNames.HashJobs, 'the queues were not created');
    }

    const local = await startLocalSeeders(config.seeder ? config.seeders : 0, (index, sharedStore) =>
      startLocalSeeder(clients, aws, hashQueue.url, config, log, index, sharedStore));
    started.push(local);
    const seeder = local.seeders[0];

    // The API listens first: its URL is the webseed of v1 prefix torrents, which the hash-worker
    // reads at load. Until the handlers are loaded it answers 503, as a starting service would.
    let torrentApi: HttpApiHandler | undefined;
    const api = await startHttpApiServer(
      (event) => torrentApi?.(event) ?? Promise.resolve({ statusCode: 503, headers: { 'retry-after': '1' }, body: 'starting' }),
      config.ports.api,
      (error) => log(`torrent-api: ${String(error)}`),
    );
    started.push(api);

    // The handlers read their configuration when first imported: set it, then import them.
    Object.assign(process.env, handlerEnvironment(config, aws, { hash: hashQueue.url, access: accessQueue.url }, seeder?.trackerUrls ?? [], api.url));
    const handlers = await loadHandlers();

    const consumer = startSqsConsumer({
      sqs: clients.sqs,
      queueUrl: hashQueue.url,
      queueArn: hashQueue.arn,
      handler: handlers.hashWorker,
      batchSize: 1,
      concurrency: config.workers,
      onError: (error) => log(`hash-worker: ${String(error)}`),
    });
    started.push(consumer);

    // Flow 5: the access checker consumes access-events (deletions from S3's notifications below,
    // re-check continuations); the sweep runs every few seconds, as EventBridge runs it on AWS.
    // RGW sends no event for ACL or policy changes: locally the sweep is what notices those.
    started.push(startSqsConsumer({
      sqs: clients.sqs,
      queueUrl: accessQueue.url,
      queueArn: accessQueue.arn,
      handler: handlers.accessChecker,
      batchSize: ACCESS_EVENTS_BATCH_SIZE,
      concurrency: 1,
      onError: (error) => log(`access-checker: ${String(error)}`),
    }));
    started.push(startSchedule(config.sweepSeconds * 1000, () => handlers.sweep(sweepEvent(REGION)), (error) => log(`sweep: ${String(error)}`)));

    // S3 → EventBridge → SQS, as the CDK stack wires it: created objects pre-warm, deletions
    // go to the access checker's queue. s3rver reports keys as they are; RGW URL-encodes them.
    const forward = (keysEncoded: boolean) => async (record: S3NotificationRecord): Promise<void> => {
      // s3rver reports every bucket's changes; the stack's own artifacts (hash artifacts, large
      // .torrents) are no published objects, and on AWS only published buckets send events.
      if (record.s3.bucket.name === ARTIFACTS_BUCKET) return;
      const event = eventBridgeEventFor(record, REGION, keysEncoded);
      if (event === undefined) return;
      const queueUrl = event['detail-type'] === 'Object Created' ? hashQueue.url : accessQueue.url;
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
    };
    s3rver?.onObjectEvent(forward(false));
    if (config.s3.kind === 'rgw') {
      const onRecord = forward(true);
      const receiver = await startNotificationReceiver((record) => {
        onRecord(record).catch((error: unknown) => log(`event forwarding: ${String(error)}`));
      });
      started.push(receiver);
      await subscribeRgwBucket(aws, clients.s3, resources.demoBucket, receiver.url);
    }

    const records = new RecordStore({ client: clients.documents, tableName: TABLE_NAME });
    const unfinished: HashJob[] = [];
    for await (const record of records.listUnfinished()) {
      unfinished.push({ type: JobType.Object, bucket: record.bucket, key: record.key, etag: record.etag, size: record.size } as const);
    }
    for await (const record of records.prefixes.listUnfinished()) {
      unfinished.push({ type: JobType.Prefix, bucket: record.bucket, prefix: record.prefix, snapshotId: record.snapshotId } as const);
    }
    await sendHashJobs(clients.sqs, hashQueue.url, unfinished);
    if (unfinished.length > 0) log(`resumed ${unfinished.length} unfinished hashing job(s)`);

    torrentApi = handlers.torrentApi;

    let stopping: Promise<void> | undefined;
    return {
      endpoints: { s3: s3Endpoint, api: api.url, dynamoDb: dynamo.endpoint, sqs: sqsEmulator.endpoint },
      s3CapacityBytes,
      seeder,
      seeders: local.seeders,
      swarmStoreUrl: local.swarmStore?.url,
      demoBucket: resources.demoBucket,
      hashQueueUrl: hashQueue.url,
      hashDeadLetterQueueUrl: hashQueue.deadLetterQueueUrl,
      accessQueueUrl: accessQueue.url,
      accessDeadLetterQueueUrl: accessQueue.deadLetterQueueUrl,
      aws,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export { ARTIFACTS_BUCKET, TABLE_NAME, startLocalStack };
export type { LocalHandlers, LocalSeeder, LocalStack, SwarmReport };
