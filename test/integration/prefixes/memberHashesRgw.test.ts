import { HeadObjectCommand, PutObjectAclCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ARTIFACTS_BUCKET } from '../../../src/local/index.js';
import { memberHashArtifactKey, memberHashesAt } from '../../../src/prefixes/memberHashes.js';
import type { BucketMember, MemberHashContext } from '../../../src/prefixes/memberHashes.js';
import { ObjectNotPublicError, anonymousS3Client } from '../../../src/storage/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { RequestCounter } from '../../helpers/requestCounter.js';
import { startWithdrawalStack } from '../withdrawal/withdrawalFixture.js';
import type { WithdrawalStack } from '../withdrawal/withdrawalFixture.js';

// On Ceph RGW, the local S3 that enforces anonymous access: a member S3 no longer serves to
// the public is refused with 403 and its hashes are never taken from its bytes.

const KiB = 1024;
const BUCKET = 'members';
/** Not the piece length of the members' own records: their hashes must come from their bytes. */
const PIECE = 64 * KiB;

describe('Function: memberHashesAt (local stack on Ceph RGW)', () => {
  let env: WithdrawalStack;
  let context: MemberHashContext;
  let objectReads: RequestCounter;

  beforeAll(async () => {
    env = await startWithdrawalStack('member-hashes-rgw', { sweepSeconds: 3_600, staleJobSeconds: 3_600 });
    await env.createBucket(BUCKET);
    const anonymousS3 = anonymousS3Client(env.stack.aws);
    objectReads = new RequestCounter().attach(anonymousS3);
    context = { records: env.records, anonymousS3, artifactsS3: env.s3, artifactsBucket: ARTIFACTS_BUCKET, settings: { hashThreads: 2 } };
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
  });

  it('hashes a public member from its bytes and takes it from the artifact the second time', async () => {
    // Prepare
    const data = pseudoRandomBytes(300 * KiB + 1, 'rgw public');
    const { ETag: etag = '' } = await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'public.bin', Body: data, ACL: 'public-read' }));
    const member: BucketMember = { bucket: BUCKET, key: 'public.bin', etag, size: data.length };
    objectReads.reset();
    // Act
    const sources = [(await memberHashesAt(context, member, PIECE)).source, (await memberHashesAt(context, member, PIECE)).source];
    // Assess
    expect(sources).toEqual(['hashed', 'artifact']);
    expect(objectReads.count('GetObject')).toBe(1);
  });

  it('raises ObjectNotPublicError for a member made private since the snapshot, and writes no artifact for it', async () => {
    // Prepare: public when listed, private when its hashes are asked for.
    const data = pseudoRandomBytes(200 * KiB, 'rgw private');
    const { ETag: etag = '' } = await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'private.bin', Body: data, ACL: 'public-read' }));
    await env.s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'private.bin', ACL: 'private' }));
    const member: BucketMember = { bucket: BUCKET, key: 'private.bin', etag, size: data.length };
    // Act + Assess: refused each time, and nothing of it kept.
    await expect(memberHashesAt(context, member, PIECE)).rejects.toBeInstanceOf(ObjectNotPublicError);
    await expect(memberHashesAt(context, member, PIECE)).rejects.toBeInstanceOf(ObjectNotPublicError);
    const artifact = env.s3.send(new HeadObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: memberHashArtifactKey(BUCKET, member.key, etag, PIECE) }));
    await expect(artifact).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
