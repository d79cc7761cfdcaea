// What the withdrawal tests on Ceph RGW share: a local stack whose hash jobs are counted, the
// records, a publisher's S3 client, and bounded waits for a record's state.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { join } from 'node:path';
import { TABLE_NAME } from '../../../src/local/index.js';
import type { LocalStack } from '../../../src/local/index.js';
import { RecordState, RecordStore } from '../../../src/records/index.js';
import type { ObjectRecord } from '../../../src/records/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { tempDir } from '../../helpers/files.js';
import { eventually, fetchWhenReady, publisherS3, startTestStack, torrentUrl } from '../flow/localStackHarness.js';
import { requireRgw } from '../../helpers/rgw.js';

/** Longest a test waits for a withdrawal or a republication to show in the record. */
const WITHDRAWAL_TIMEOUT_MS = 30_000;

interface WithdrawalStack {
  readonly stack: LocalStack;
  readonly records: RecordStore;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** Messages the hash-worker was handed for `key` (object and segment jobs, upload events). */
  hashJobsFor(key: string): number;
  /** Puts `body` on the access-events queue, as EventBridge would. */
  sendAccessEvent(body: string): Promise<void>;
  /** Waits (bounded) until the record of `bucket/key` is in `state`; returns it. */
  waitForState(bucket: string, key: string, state: RecordState): Promise<ObjectRecord>;
  /** Creates `bucket`, optionally readable by anyone through a bucket policy. */
  createBucket(bucket: string, options?: { readonly publicPolicy?: boolean }): Promise<void>;
  /** Uploads and asks `?torrent` until it is READY (bounded); returns the v1 infohash header. */
  publish(bucket: string, key: string, bytes: Buffer, options?: { readonly acl?: 'public-read' }): Promise<string>;
  /** Messages on the access-events queue and its dead-letter queue, visible or in flight. */
  accessQueueDepth(): Promise<{ queue: number; deadLetters: number }>;
  stop(): Promise<void>;
}

/** The object a hash-queue message is about: our jobs name it, S3's upload events carry it in `detail`. */
function keyOfHashMessage(body: string): string | undefined {
  const message = JSON.parse(body) as { key?: string; detail?: { object?: { key?: string } } };
  return message.key ?? message.detail?.object?.key;
}

/** A policy letting anyone read every object of `bucket` (what S3 calls public). */
function publicReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }],
  });
}

/**
 * A local stack on Ceph RGW (the only local S3 that enforces anonymous access) with the sweep
 * every `sweepSeconds` and jobs presumed lost after `staleJobSeconds`.
 */
async function startWithdrawalStack(name: string, settings: { readonly sweepSeconds: number; readonly staleJobSeconds: number }): Promise<WithdrawalStack> {
  await requireRgw();
  const { dir, cleanup } = await tempDir(name);
  const hashJobs: string[] = [];
  let stack: LocalStack;
  try {
    stack = await startTestStack(join(dir, 'data'), {
      s3: { kind: 'rgw' },
      env: {
        S3TORRENT_SWEEP_SECONDS: String(settings.sweepSeconds),
        S3TORRENT_STALE_JOB_SECONDS: String(settings.staleJobSeconds),
        // Nobody downloads here: the seeder would only add its own revalidation HEADs.
        S3TORRENT_LOCAL_SEEDER: 'off',
      },
      onHashJob: (body) => hashJobs.push(body),
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
  const credentials = { ...LOCAL_CREDENTIALS };
  const records = new RecordStore({
    client: new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamoDb, credentials }),
    tableName: TABLE_NAME,
  });
  const s3 = publisherS3(stack);
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: stack.endpoints.sqs, credentials });
  const depthOf = async (queueUrl: string): Promise<number> => {
    const { Attributes: attributes = {} } = await sqs.send(new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }));
    return Number(attributes.ApproximateNumberOfMessages ?? 0) + Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  };
  return {
    stack,
    records,
    s3,
    sqs,
    hashJobsFor: (key) => hashJobs.filter((body) => keyOfHashMessage(body) === key).length,
    sendAccessEvent: async (body) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: stack.accessQueueUrl, MessageBody: body }));
    },
    waitForState: (bucket, key, state) => eventually(async () => {
      const record = await records.get(bucket, key);
      return record?.state === state ? record : undefined;
    }, WITHDRAWAL_TIMEOUT_MS),
    createBucket: async (bucket, options = {}) => {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      if (options.publicPolicy === true) await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicReadPolicy(bucket) }));
    },
    publish: async (bucket, key, bytes, options = {}) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ...(options.acl === undefined ? {} : { ACL: options.acl }) }));
      const reply = await fetchWhenReady(torrentUrl(stack, key, 'torrent', bucket));
      await reply.arrayBuffer();
      if (reply.status !== 200) throw new Error(`?torrent of ${bucket}/${key} answered ${reply.status}`);
      return reply.headers.get('x-s3torrent-infohash-v1') ?? '';
    },
    accessQueueDepth: async () => ({ queue: await depthOf(stack.accessQueueUrl), deadLetters: await depthOf(stack.accessDeadLetterQueueUrl) }),
    stop: async () => {
      sqs.destroy();
      s3.destroy();
      await stack.stop();
      await cleanup();
    },
  };
}

export { WITHDRAWAL_TIMEOUT_MS, publicReadPolicy, startWithdrawalStack };
export type { WithdrawalStack };
