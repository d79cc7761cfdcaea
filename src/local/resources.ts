import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, HeadBucketCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, QueueNameExists, SQSServiceException, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createRecordTable } from '../records/index.js';
import { LocalResourceError } from './errors.js';

/** The queues of the design (DESIGN.md, flows 1 and 5). */
const LocalQueueNames = {
  HashJobs: 'hash-jobs',
  AccessEvents: 'access-events',
} as const;

/** A message received this often without being deleted goes to the queue's DLQ. */
const DEFAULT_MAX_RECEIVE_COUNT = 5;

/** SQS's own default; handlers that run longer must be given a longer one. */
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;

/** Name suffix of a queue's dead-letter queue. */
const DEAD_LETTER_SUFFIX = '-dlq';

/** The bucket that stands for a user's published bucket in the local stack. */
const DEFAULT_DEMO_BUCKET = 'public';

interface LocalQueueSpec {
  readonly name: string;
  /** @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** @default 5 */
  readonly maxReceiveCount?: number;
}

interface LocalResourceOptions {
  /** The record table's name: created as src/records defines it (createRecordTable), TTL on. */
  readonly tableName: string;
  /** @default hash-jobs and access-events with the defaults above */
  readonly queues?: readonly LocalQueueSpec[];
  readonly artifactsBucket: string;
  /** @default 'public' */
  readonly demoBucket?: string;
}

interface LocalQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
}

interface LocalResources {
  readonly tableName: string;
  /** By queue name. */
  readonly queues: Readonly<Record<string, LocalQueue>>;
  readonly artifactsBucket: string;
  readonly demoBucket: string;
}

interface ResourceClients {
  readonly s3: S3Client;
  readonly dynamoDb: DynamoDBClient;
  readonly sqs: SQSClient;
}

/**
 * SQS speaks JSON but also sends the legacy query-protocol error code (`x-amzn-query-error`),
 * and the SDK names the error after that code: from fauxqs it is a plain SQSServiceException
 * named `AWS.SimpleQueueService.QueueNameExists`, not the QueueNameExists class. Both legacy
 * spellings (`…QueueNameExists`, `…QueueAlreadyExists`) are accepted.
 */
function isQueueNameExists(error: unknown): boolean {
  if (error instanceof QueueNameExists) return true;
  return error instanceof SQSServiceException && /(?:^|\.)Queue(?:NameExists|AlreadyExists)$/.test(error.name);
}

/**
 * CreateQueue is idempotent only while the attributes are equal; when they differ (another
 * visibility timeout than last time) the existing queue is brought to the wanted attributes.
 */
async function ensureQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  let url: string | undefined;
  try {
    ({ QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })));
  } catch (error) {
    if (!isQueueNameExists(error)) throw error;
    ({ QueueUrl: url } = await sqs.send(new GetQueueUrlCommand({ QueueName: name })));
    if (url !== undefined) await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  }
  if (url === undefined) throw new LocalResourceError(name, 'CreateQueue returned no queue URL');
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new LocalResourceError(name, 'the queue has no QueueArn');
  return { url, arn };
}

/** A queue and its dead-letter queue, linked by a redrive policy. */
async function ensureQueueWithDlq(sqs: SQSClient, spec: LocalQueueSpec): Promise<LocalQueue> {
  const maxReceiveCount = spec.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
  const visibilityTimeout = spec.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
    throw new LocalResourceError(spec.name, `maxReceiveCount must be an integer from 1 to 1000, not ${maxReceiveCount}`);
  }
  if (!Number.isInteger(visibilityTimeout) || visibilityTimeout < 0 || visibilityTimeout > 43_200) {
    throw new LocalResourceError(spec.name, `visibilityTimeoutSeconds must be an integer from 0 to 43200, not ${visibilityTimeout}`);
  }
  const deadLetter = await ensureQueue(sqs, `${spec.name}${DEAD_LETTER_SUFFIX}`, {});
  const main = await ensureQueue(sqs, spec.name, {
    VisibilityTimeout: String(visibilityTimeout),
    // Same key order and types every time: CreateQueue compares attribute strings.
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: String(maxReceiveCount) }),
  });
  return { name: spec.name, url: main.url, arn: main.arn, deadLetterQueueUrl: deadLetter.url, deadLetterQueueArn: deadLetter.arn };
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
    if (status !== 404) throw error;
  }
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    // Created meanwhile: fine. (s3rver answers BucketAlreadyExists for its own buckets too.)
    const name = error instanceof S3ServiceException ? error.name : undefined;
    if (!(error instanceof BucketAlreadyOwnedByYou) && name !== 'BucketAlreadyExists') throw error;
  }
}

/**
 * Creates what the local stack needs, or finds it already there: the record table (from the
 * record store's CreateTable input) with TTL on, the `hash-jobs` and `access-events` queues each
 * with a `-dlq` dead-letter queue, the artifacts bucket and a demo bucket (`public`). Calling it
 * again changes nothing and returns the same result.
 *
 * @throws LocalResourceError when a resource exists in a form that cannot be reconciled (TTL on
 *   another attribute) or never becomes usable.
 */
async function createLocalResources(clients: ResourceClients, options: LocalResourceOptions): Promise<LocalResources> {
  const { tableName } = options;
  if (tableName === undefined || tableName === '') {
    throw new LocalResourceError('(table)', 'no table name: pass tableName or a definition with TableName');
  }
  const demoBucket = options.demoBucket ?? DEFAULT_DEMO_BUCKET;
  const specs = options.queues ?? [{ name: LocalQueueNames.HashJobs }, { name: LocalQueueNames.AccessEvents }];

  await createRecordTable(clients.dynamoDb, tableName);
  const queues: Record<string, LocalQueue> = {};
  for (const spec of specs) queues[spec.name] = await ensureQueueWithDlq(clients.sqs, spec);
  for (const bucket of new Set([options.artifactsBucket, demoBucket])) await ensureBucket(clients.s3, bucket);

  return { tableName, queues, artifactsBucket: options.artifactsBucket, demoBucket };
}

export { DEFAULT_DEMO_BUCKET, DEFAULT_MAX_RECEIVE_COUNT, DEFAULT_VISIBILITY_TIMEOUT_SECONDS, LocalQueueNames, createLocalResources };
export type { LocalQueue, LocalQueueSpec, LocalResourceOptions, LocalResources, ResourceClients };
