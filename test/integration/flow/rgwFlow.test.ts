import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectAclCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { join } from 'node:path';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import type { LocalStack } from '../../../src/local/index.js';
import { TABLE_NAME } from '../../../src/local/index.js';
import { RecordState, RecordStore } from '../../../src/records/index.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { eventually, fetchWhenReady, infoHashesOf, publisherS3, referenceInfoHashes, startTestStack, torrentUrl } from './localStackHarness.js';

const MiB = 1024 * 1024;
/** Bucket without a public policy: objects in it are public only by their own ACL. */
const PRIVATE_BUCKET = 'private-stuff';

/**
 * A bucket policy allowing s3:GetObject to everyone, or (with `sourceIp`) only to that network:
 * RGW then lets our own process (127.0.0.1) read anonymously, but does not call it public.
 */
function getObjectPolicy(bucket: string, sourceIp?: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${bucket}/*`,
      ...(sourceIp === undefined ? {} : { Condition: { IpAddress: { 'aws:SourceIp': sourceIp } } }),
    }],
  });
}

describe('Flow: ?torrent against Ceph RGW (S3 enforces anonymous access)', () => {
  let stack: LocalStack;
  let records: RecordStore;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('rgw-flow'));
    // A short visibility timeout and two deliveries: a failing job reaches the DLQ in seconds.
    stack = await startTestStack(join(dir, 'data'), { s3: { kind: 'rgw' }, segmentBytes: MiB, visibilityTimeoutSeconds: 1, maxReceives: 2 });
    records = new RecordStore({
      client: new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamoDb, credentials: { ...LOCAL_CREDENTIALS } }),
      tableName: TABLE_NAME,
    });
    await publisherS3(stack).send(new CreateBucketCommand({ Bucket: PRIVATE_BUCKET }));
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await cleanup();
  });

  it('answers 403 AccessDenied for a private object and hashes nothing', async () => {
    // Prepare
    await publisherS3(stack).send(new PutObjectCommand({ Bucket: PRIVATE_BUCKET, Key: 'secret.bin', Body: pseudoRandomBytes(MiB, 's') }));
    // Act
    const reply = await fetch(torrentUrl(stack, 'secret.bin', 'torrent', PRIVATE_BUCKET));
    // Assess
    expect(reply.status).toBe(403);
    expect(await reply.text()).toContain('<Code>AccessDenied</Code>');
    expect(await records.get(PRIVATE_BUCKET, 'secret.bin')).toBeUndefined();
  });

  it('answers 403 and creates no record for an object a policy opens to 127.0.0.1 only, though our own HEAD passes', async () => {
    // Prepare: the reproduction, a policy conditioned on aws:SourceIp.
    const bucket = 'network-only';
    const key = 'internal.bin';
    const s3 = publisherS3(stack);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: getObjectPolicy(bucket, '127.0.0.1/32') }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: pseudoRandomBytes(MiB, 'internal') }));
    const anonymousHead = await fetch(`${stack.endpoints.s3}/${bucket}/${key}`, { method: 'HEAD' });

    // Act
    const reply = await fetch(torrentUrl(stack, key, 'torrent', bucket));

    // Assess
    expect(anonymousHead.status).toBe(200);
    expect(reply.status).toBe(403);
    const body = await reply.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain('readable from this network only: S3 does not call its access public');
    expect(await records.get(bucket, key)).toBeUndefined();
  });

  it('has the hash-worker refuse it too: an upload event makes no record, a queued job revokes its record', async () => {
    // Prepare: two objects of the network-only bucket (made by the test above), and a PENDING
    // record for one of them as if it had been published before its bucket policy was narrowed.
    const bucket = 'network-only';
    const s3 = publisherS3(stack);
    const uploaded = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'uploaded.bin', Body: pseudoRandomBytes(MiB, 'u') }));
    const queued = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'queued.bin', Body: pseudoRandomBytes(MiB, 'q') }));
    await records.ensurePending(bucket, 'queued.bin', queued.ETag ?? '', MiB);
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: stack.endpoints.sqs, credentials: { ...LOCAL_CREDENTIALS } });
    const upload = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: bucket }, object: { key: 'uploaded.bin', etag: (uploaded.ETag ?? '').replace(/"/g, ''), size: MiB } },
    };
    const job = { type: 'object', bucket, key: 'queued.bin', etag: queued.ETag, size: MiB };

    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.hashQueueUrl, MessageBody: JSON.stringify(upload) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.hashQueueUrl, MessageBody: JSON.stringify(job) }));

    // Assess: both messages are consumed (none in flight or waiting), then look at the records.
    const revoked = await eventually(async () => {
      const record = await records.get(bucket, 'queued.bin');
      return record?.state === RecordState.Revoked ? record : undefined;
    });
    await eventually(async () => {
      const attributes = await sqs.send(new GetQueueAttributesCommand({
        QueueUrl: stack.hashQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }));
      const left = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? '1') + Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? '1');
      return left === 0 ? true : undefined;
    });
    expect(revoked.reason).toBe('object is readable from this network only: S3 does not call its access public');
    expect(await records.get(bucket, 'uploaded.bin')).toBeUndefined();
    sqs.destroy();
  });

  it('serves an object of a bucket whose policy grants Principal "*" without conditions', async () => {
    // Prepare: the same policy, unconditioned (a bucket of its own: the verdict is cached per bucket).
    const bucket = 'open-policy';
    const key = 'open.bin';
    const bytes = pseudoRandomBytes(MiB + 11, 'open');
    const s3 = publisherS3(stack);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: getObjectPolicy(bucket) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));

    // Act
    const reply = await fetchWhenReady(torrentUrl(stack, key, 'torrent', bucket));

    // Assess
    expect(reply.status).toBe(200);
    expect((await infoHashesOf(reply)).v1).toBe((await referenceInfoHashes(dir, key, bytes)).v1);
  });

  it('serves an object public only by its ACL (bucket without policy), then 403 once it is made private again', async () => {
    const key = 'toggled.bin';
    const bytes = pseudoRandomBytes(3 * MiB + 5, 'toggled');
    const s3 = publisherS3(stack);
    await s3.send(new PutObjectCommand({ Bucket: PRIVATE_BUCKET, Key: key, Body: bytes, ACL: 'public-read' }));
    const served = await fetchWhenReady(torrentUrl(stack, key, 'torrent', PRIVATE_BUCKET));
    expect(served.status).toBe(200);
    expect((await infoHashesOf(served)).v1).toBe((await referenceInfoHashes(dir, key, bytes)).v1);
    await s3.send(new PutObjectAclCommand({ Bucket: PRIVATE_BUCKET, Key: key, ACL: 'private' }));
    const refused = await fetch(torrentUrl(stack, key, 'torrent', PRIVATE_BUCKET));
    expect(refused.status).toBe(403);
  });

  it('serves objects of the public demo bucket (public by bucket policy)', async () => {
    const key = 'by-policy.bin';
    const bytes = pseudoRandomBytes(2 * MiB, 'policy');
    await publisherS3(stack).send(new PutObjectCommand({ Bucket: stack.demoBucket, Key: key, Body: bytes }));
    const reply = await fetchWhenReady(torrentUrl(stack, key));
    expect(reply.status).toBe(200);
    expect((await infoHashesOf(reply)).v1).toBe((await referenceInfoHashes(dir, key, bytes)).v1);
  });

  it('pre-warms an upload by itself, from RGW\'s bucket notification', async () => {
    // Prepare + Act: only an upload, no ?torrent request.
    const key = 'pre warmed/ü.bin';
    const bytes = pseudoRandomBytes(2 * MiB + 3, 'notified');
    await publisherS3(stack).send(new PutObjectCommand({ Bucket: stack.demoBucket, Key: key, Body: bytes }));
    // Assess: the record becomes READY with nobody asking, and the first request gets it at once.
    await eventually(async () => ((await records.get(stack.demoBucket, key))?.state === RecordState.Ready ? true : undefined));
    const reply = await fetch(torrentUrl(stack, key));
    expect(reply.status).toBe(200);
    expect((await infoHashesOf(reply)).v1).toBe((await referenceInfoHashes(dir, key, bytes)).v1);
  });

  it('moves a job that always fails to the dead-letter queue and marks the record FAILED with the reason', async () => {
    // Prepare: a record HASHING a real object, and a segment job no worker can ever run.
    const key = 'poison.bin';
    const put = await publisherS3(stack).send(new PutObjectCommand({ Bucket: stack.demoBucket, Key: key, Body: pseudoRandomBytes(2 * MiB, 'p') }));
    const etag = put.ETag ?? '';
    await records.ensurePending(stack.demoBucket, key, etag, 2 * MiB);
    const { attemptId } = await records.startHashing(stack.demoBucket, key, etag, { pieceLength: 262_144, pieceCount: 8, segmentsTotal: 2 });
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: stack.endpoints.sqs, credentials: { ...LOCAL_CREDENTIALS } });
    const poison = { type: 'segment', bucket: stack.demoBucket, key, etag, size: 2 * MiB, pieceLength: 1000, index: 0, offset: 0, length: MiB, attemptId };
    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.hashQueueUrl, MessageBody: JSON.stringify(poison) }));
    // Assess
    const failed = await eventually(async () => {
      const record = await records.get(stack.demoBucket, key);
      return record?.state === RecordState.Failed ? record : undefined;
    });
    expect(failed.reason).toContain('InvalidPieceLengthError: invalid piece length 1000');
    const inDlq = await eventually(async () => {
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: stack.hashDeadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      const count = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? '0');
      return count > 0 ? count : undefined;
    });
    expect(inDlq).toBe(1);
    const reply = await fetch(torrentUrl(stack, key));
    expect(reply.status).toBe(500);
    expect(await reply.text()).toContain('Hashing failed: InvalidPieceLengthError');
  });
});
