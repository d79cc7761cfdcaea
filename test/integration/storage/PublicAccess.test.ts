import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PublicVerdict } from '../../../src/config.js';
import type { AwsConfig } from '../../../src/config.js';
import { freeLoopbackPort } from '../../../src/local/ports.js';
import { startRgw } from '../../../src/local/rgw.js';
import type { RgwHandle } from '../../../src/local/rgw.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import {
  BUCKET_VERDICT_TTL_MS,
  ForbiddenReason,
  PublicAccess,
  PublicVerdictUnavailableError,
  VerdictOperation,
  anonymousS3Client,
  baseS3Config,
} from '../../../src/storage/index.js';
import { tempDir } from '../../helpers/files.js';
import { requireRgw } from '../../helpers/rgw.js';

// S3's verdict of "public" against a real S3 that gives it (Ceph RGW): GetBucketPolicyStatus
// is true for Principal "*" without conditions, false for the same grant conditioned on
// aws:SourceIp, while our own unsigned HEAD passes both (we are 127.0.0.1).

/** Start (~2 s here) plus margin; startRgw gives up by itself after 80 s. */
const START_BOUND_MS = 90_000;

const BODY = Buffer.from('public or not public\n'.repeat(50));

/** Which S3 operations a client sent, by command name: a real client with a counting middleware. */
function countingClient(aws: AwsConfig, credentials = { ...LOCAL_CREDENTIALS }): { client: S3Client; sent: Map<string, number> } {
  const client = new S3Client({ ...baseS3Config(aws), credentials });
  const sent = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.set(context.commandName ?? '?', (sent.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return { client, sent };
}

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

describe('Class: PublicAccess (Ceph RGW)', () => {
  let rgw: RgwHandle | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let aws: AwsConfig;
  let publisher: S3Client;
  let anonymous: S3Client;
  let bucketCount = 0;

  beforeAll(async () => {
    await requireRgw();
    const temp = await tempDir('public-access');
    cleanup = temp.cleanup;
    rgw = await startRgw({ port: await freeLoopbackPort(), dataDir: join(temp.dir, 'ceph') });
    aws = { region: 'us-east-1', s3Endpoint: rgw.endpoint, dynamoDbEndpoint: undefined, sqsEndpoint: undefined };
    publisher = new S3Client({ ...baseS3Config(aws), credentials: { ...LOCAL_CREDENTIALS } });
    anonymous = anonymousS3Client(aws);
  }, START_BOUND_MS);

  afterAll(async () => {
    publisher?.destroy();
    anonymous?.destroy();
    try {
      await rgw?.stop();
    } finally {
      await cleanup?.();
    }
  }, 30_000);

  /** A fresh bucket holding BODY at `key` (private unless `acl`), with `policy` if given. */
  async function bucketWith(key: string, options: { acl?: 'public-read'; policy?: (bucket: string) => string } = {}): Promise<{ bucket: string; etag: string }> {
    bucketCount += 1;
    const bucket = `s3t-verdict-${bucketCount}`;
    await publisher.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = await publisher.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: BODY, ACL: options.acl }));
    if (options.policy !== undefined) await publisher.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: options.policy(bucket) }));
    return { bucket, etag: put.ETag ?? '' };
  }

  describe('Method: check', () => {
    it('calls an object readable only from 127.0.0.1 (aws:SourceIp) forbidden: readable from this network only', async () => {
      // Prepare
      const { bucket } = await bucketWith('internal.bin', { policy: (b) => getObjectPolicy(b, '127.0.0.1/32') });
      const signed = countingClient(aws);
      const access = new PublicAccess(anonymous, signed.client);

      // Act
      const readable = await access.check(bucket, 'internal.bin');

      // Assess: the HEAD passed (we are inside), S3 does not call it public by policy nor ACL.
      expect(readable).toEqual({ kind: 'forbidden', reason: ForbiddenReason.NetworkOnly });
      expect(signed.sent.get('GetBucketPolicyStatusCommand')).toBe(1);
      expect(signed.sent.get('GetObjectAclCommand')).toBe(1);
      signed.client.destroy();
    });

    it('calls an object public when the bucket policy grants Principal "*" without conditions, without asking for its ACL', async () => {
      // Prepare
      const { bucket, etag } = await bucketWith('open.bin', { policy: (b) => getObjectPolicy(b) });
      const signed = countingClient(aws);
      const access = new PublicAccess(anonymous, signed.client);

      // Act
      const readable = await access.check(bucket, 'open.bin');

      // Assess
      expect(readable).toEqual({ kind: 'public', etag, size: BODY.length });
      expect(signed.sent.get('GetObjectAclCommand')).toBeUndefined();
      signed.client.destroy();
    });

    it('calls an object public by its own public-read ACL in a bucket without a policy', async () => {
      // Prepare
      const { bucket, etag } = await bucketWith('acl.bin', { acl: 'public-read' });
      const access = new PublicAccess(anonymous, publisher);

      // Act
      const readable = await access.check(bucket, 'acl.bin');

      // Assess
      expect(readable).toEqual({ kind: 'public', etag, size: BODY.length });
    });

    it('answers a private object from the unsigned HEAD alone, with no signed call', async () => {
      // Prepare
      const { bucket } = await bucketWith('private.bin', { acl: 'public-read' });
      await publisher.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'private.bin', ACL: 'private' }));
      const signed = countingClient(aws);
      const access = new PublicAccess(anonymous, signed.client);

      // Act
      const privateOne = await access.check(bucket, 'private.bin');

      // Assess
      expect(privateOne).toEqual({ kind: 'forbidden', reason: ForbiddenReason.NotAnonymouslyReadable });
      expect(signed.sent.size).toBe(0);
      signed.client.destroy();
    });

    it('takes the HEAD alone in anonymous-head mode: a network-only object passes, with no signed call', async () => {
      // Prepare
      const { bucket, etag } = await bucketWith('head-only.bin', { policy: (b) => getObjectPolicy(b, '127.0.0.1/32') });
      const signed = countingClient(aws);
      const access = new PublicAccess(anonymous, signed.client, BUCKET_VERDICT_TTL_MS, PublicVerdict.AnonymousHead);

      // Act
      const readable = await access.check(bucket, 'head-only.bin');

      // Assess
      expect(readable).toEqual({ kind: 'public', etag, size: BODY.length });
      expect(signed.sent.size).toBe(0);
      signed.client.destroy();
    });

    it('throws PublicVerdictUnavailableError, never "public", when S3 refuses the signed call', async () => {
      // Prepare: a signed client S3 does not know (RGW answers 403 InvalidAccessKeyId).
      const { bucket } = await bucketWith('unknown-signer.bin', { policy: (b) => getObjectPolicy(b) });
      const stranger = countingClient(aws, { accessKeyId: 'nobody', secretAccessKey: 'nothing' });
      const access = new PublicAccess(anonymous, stranger.client);

      // Act
      const checked = access.check(bucket, 'unknown-signer.bin');

      // Assess
      await expect(checked).rejects.toBeInstanceOf(PublicVerdictUnavailableError);
      await expect(checked).rejects.toMatchObject({ operation: VerdictOperation.BucketPolicyStatus, bucket, key: 'unknown-signer.bin' });
      await expect(checked).rejects.toThrow(/S3 would not say whether s3:\/\/s3t-verdict-\d+\/unknown-signer\.bin is public: GetBucketPolicyStatus failed/);
      stranger.client.destroy();
    });
  });

  describe('Method: explain', () => {
    it('calls an SSE-C object unreadable without a signed call, and explain gives S3\'s reason from a one-byte GET', async () => {
      // Prepare: public by policy, but encrypted with a customer-provided key.
      const { bucket } = await bucketWith('plain.bin', { policy: (b) => getObjectPolicy(b) });
      const customerKey = Buffer.alloc(32, 7);
      await publisher.send(new PutObjectCommand({
        Bucket: bucket, Key: 'sealed.bin', Body: BODY, SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'),
        SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64'),
      }));
      const signed = countingClient(aws);
      const access = new PublicAccess(anonymous, signed.client);

      // Act
      const readable = await access.check(bucket, 'sealed.bin');
      const why = await access.explain(bucket, 'sealed.bin');

      // Assess
      expect(readable).toEqual({ kind: 'unreadable' });
      expect(signed.sent.size).toBe(0);
      expect(why).toEqual({ status: 400, code: 'InvalidArgument', message: expect.stringContaining('Server Side Encryption with Customer provided keys') });
      signed.client.destroy();
    });

    it('tells a missing bucket from a missing key, where the HEAD says 404 for both', async () => {
      // Prepare: a bucket whose policy lets anyone list it, so that a missing key is 404, not 403.
      const { bucket } = await bucketWith('here.bin', {
        policy: (b) => JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`] }],
        }),
      });
      const access = new PublicAccess(anonymous, publisher);

      // Act
      const answers = await Promise.all([access.check(bucket, 'gone.bin'), access.check('s3t-no-such-bucket', 'k')]);
      const reasons = await Promise.all([access.explain(bucket, 'gone.bin'), access.explain('s3t-no-such-bucket', 'k')]);

      // Assess
      expect(answers).toEqual([{ kind: 'missing' }, { kind: 'missing' }]);
      expect(reasons.map((why) => `${why?.status} ${why?.code}`)).toEqual(['404 NoSuchKey', '404 NoSuchBucket']);
    });

    it('gives nothing for an object S3 serves', async () => {
      const { bucket } = await bucketWith('open.bin', { policy: (b) => getObjectPolicy(b) });
      expect(await new PublicAccess(anonymous, publisher).explain(bucket, 'open.bin')).toBeUndefined();
    });
  });

  describe('Method: bucket verdict cache', () => {
    it('asks GetBucketPolicyStatus once per bucket within the TTL, concurrent checks included, and again after it', async () => {
      // Prepare
      const { bucket } = await bucketWith('cached.bin', { policy: (b) => getObjectPolicy(b) });
      const signed = countingClient(aws);
      let clock = 1_000_000;
      const access = new PublicAccess(anonymous, signed.client, 30_000, PublicVerdict.S3, () => clock);

      // Act
      await Promise.all([access.check(bucket, 'cached.bin'), access.check(bucket, 'cached.bin'), access.check(bucket, 'cached.bin')]);
      clock += 29_999;
      await access.check(bucket, 'cached.bin');
      const withinTtl = signed.sent.get('GetBucketPolicyStatusCommand');
      clock += 1;
      await access.check(bucket, 'cached.bin');

      // Assess
      expect(withinTtl).toBe(1);
      expect(signed.sent.get('GetBucketPolicyStatusCommand')).toBe(2);
      expect(signed.sent.get('HeadObjectCommand')).toBeUndefined(); // the HEAD goes through the unsigned client
      signed.client.destroy();
    });

    it('keeps a stale verdict until the TTL ends, and asks afresh after forgetBucket', async () => {
      // Prepare: public by policy, then the policy narrowed to 127.0.0.1 (our HEAD still passes).
      const { bucket } = await bucketWith('narrowed.bin', { policy: (b) => getObjectPolicy(b) });
      const signed = countingClient(aws);
      const access = new PublicAccess(anonymous, signed.client, 30_000, PublicVerdict.S3, () => 0);
      expect((await access.check(bucket, 'narrowed.bin')).kind).toBe('public');
      await publisher.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: getObjectPolicy(bucket, '127.0.0.1/32') }));

      // Act
      const cached = await access.check(bucket, 'narrowed.bin');
      access.forgetBucket(bucket);
      const afterForget = await access.check(bucket, 'narrowed.bin');

      // Assess
      expect(cached.kind).toBe('public');
      expect(afterForget).toEqual({ kind: 'forbidden', reason: ForbiddenReason.NetworkOnly });
      expect(signed.sent.get('GetBucketPolicyStatusCommand')).toBe(2);
      signed.client.destroy();
    });

    it('does not cache a failure, and caches "no policy" (IsPublic false) like any verdict', async () => {
      // Prepare
      const { bucket } = await bucketWith('acl-only.bin', { acl: 'public-read', policy: (b) => getObjectPolicy(b, '127.0.0.1/32') });
      await publisher.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
      const signed = countingClient(aws);
      const access = new PublicAccess(anonymous, signed.client, 30_000, PublicVerdict.S3, () => 0);

      // Act
      await access.check(bucket, 'acl-only.bin');
      await access.check(bucket, 'acl-only.bin');

      // Assess: one bucket verdict, one ACL read per check (object ACLs are not cached).
      expect(signed.sent.get('GetBucketPolicyStatusCommand')).toBe(1);
      expect(signed.sent.get('GetObjectAclCommand')).toBe(2);

      // Prepare: a failing signer, then a working one on the same cache key.
      const stranger = countingClient(aws, { accessKeyId: 'nobody', secretAccessKey: 'nothing' });
      const failing = new PublicAccess(anonymous, stranger.client, 30_000, PublicVerdict.S3, () => 0);
      await expect(failing.check(bucket, 'acl-only.bin')).rejects.toBeInstanceOf(PublicVerdictUnavailableError);
      await expect(failing.check(bucket, 'acl-only.bin')).rejects.toBeInstanceOf(PublicVerdictUnavailableError);
      expect(stranger.sent.get('GetBucketPolicyStatusCommand')).toBe(2);
      signed.client.destroy();
      stranger.client.destroy();
    });
  });
});
