import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectAclCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { serviceConfigFrom } from '../../../src/config.js';
import { MEMBER_CONCURRENCY, processPrefixJob } from '../../../src/jobs/processPrefixJob.js';
import type { HashJobContext } from '../../../src/jobs/index.js';
import { TABLE_NAME } from '../../../src/local/index.js';
import type { LocalStack } from '../../../src/local/index.js';
import { snapshotIdOf, storeMembers } from '../../../src/prefixes/index.js';
import { JobType } from '../../../src/queue/index.js';
import type { PrefixJob } from '../../../src/queue/index.js';
import { RecordState, RecordStore } from '../../../src/records/index.js';
import type { PrefixMember } from '../../../src/records/index.js';
import { buildContexts } from '../../../src/service/buildContexts.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { ListingLimit, anonymousS3Client, listPrefix } from '../../../src/storage/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { RequestCounter } from '../../helpers/requestCounter.js';
import { eventually, fetchWhenReady, publisherS3, startTestStack, torrentUrl } from '../flow/localStackHarness.js';

const KiB = 1024;
const BUCKET = 'job-datasets';

/**
 * The prefix job run by hand against the local stack's RGW, DynamoDB and queue, with the
 * handlers' own context (the stack has set their environment): what it does when a member moved
 * on, when its snapshot was replaced, and when its byte budget runs out.
 */
describe('Prefix listing and the prefix job (local stack, Ceph RGW)', () => {
  let stack: LocalStack;
  let s3: S3Client;
  let context: HashJobContext;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('prefix-job'));
    stack = await startTestStack(join(dir, 'data'), { s3: { kind: 'rgw' } });
    context = buildContexts(serviceConfigFrom()).hashJobs;
    s3 = publisherS3(stack);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await cleanup();
  });

  /** Public objects under `prefix` named 0.bin, 1.bin, ...; their members in torrent order. */
  async function publicObjects(prefix: string, count: number): Promise<PrefixMember[]> {
    const members: PrefixMember[] = [];
    for (let i = 0; i < count; i += 1) {
      const key = `${prefix}${i}.bin`;
      const body = pseudoRandomBytes(3 * KiB + i, key);
      const { ETag: etag } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ACL: 'public-read' }));
      members.push({ key, etag: etag as string, size: body.length });
    }
    return members;
  }

  /** A PENDING snapshot of `members` taken as the API takes one; its job (not queued). */
  async function snapshotOf(prefix: string, members: PrefixMember[]): Promise<PrefixJob> {
    const snapshotId = snapshotIdOf(members, []);
    const manifest = await storeMembers(context, BUCKET, prefix, snapshotId, members);
    const totalSize = members.reduce((sum, member) => sum + member.size, 0);
    await context.records.prefixes.takeSnapshot(BUCKET, prefix, { snapshotId, pieceLength: 256 * KiB, totalSize, memberCount: members.length, excludedCount: 0, manifest });
    return { type: JobType.Prefix, bucket: BUCKET, prefix, snapshotId };
  }

  describe('Function: listPrefix', () => {
    it('lists recursively, skips folder markers, counts private objects as excluded and stops past the file limit', async () => {
      // Prepare
      await publicObjects('listed/deep/', 2);
      await publicObjects('listed/', 1);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'listed/deep/', Body: Buffer.alloc(0), ACL: 'public-read' }));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'listed/secret.bin', Body: pseudoRandomBytes(KiB, 'secret') }));

      // Act
      const listing = await listPrefix(context.artifactsS3, context.publicAccess, BUCKET, 'listed/');
      const tooMany = listPrefix(context.artifactsS3, context.publicAccess, BUCKET, 'listed/', { maxFiles: 3 });

      // Assess
      expect(listing.members.map((member) => member.key)).toEqual(['listed/0.bin', 'listed/deep/0.bin', 'listed/deep/1.bin']);
      expect(listing.members.every((member) => /^"[0-9a-f]{32}"$/.test(member.etag) && member.size > 0)).toBe(true);
      expect(listing.excludedKeys).toEqual(['listed/secret.bin']);
      await expect(tooMany).rejects.toMatchObject({ name: 'PrefixTooLargeError', limit: ListingLimit.Files, bound: 3 });
    });
  });

  it('revokes the snapshot when a member was overwritten, and the next request builds a new one', async () => {
    // Prepare
    const members = await publicObjects('changed/', 3);
    const job = await snapshotOf('changed/', members);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'changed/1.bin', Body: pseudoRandomBytes(KiB, 'new'), ACL: 'public-read' }));

    // Act
    const outcome = await processPrefixJob(context, job);
    const revoked = await context.records.prefixes.get(BUCKET, 'changed/');
    const reply = await fetchWhenReady(torrentUrl(stack, 'changed/', 'torrent', BUCKET));

    // Assess
    expect(outcome).toEqual({ kind: 'dropped', reason: 'member changed/1.bin changed' });
    expect(revoked).toMatchObject({ state: RecordState.Revoked, snapshotId: job.snapshotId });
    expect(reply.status).toBe(200);
    const now = await context.records.prefixes.get(BUCKET, 'changed/');
    expect(now).toMatchObject({ state: RecordState.Ready });
    expect(now?.snapshotId).not.toBe(job.snapshotId);
  });

  it('revokes the snapshot when a member was made private, without naming it', async () => {
    // Prepare
    const members = await publicObjects('private/', 2);
    const job = await snapshotOf('private/', members);
    await s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'private/0.bin', ACL: 'private' }));

    // Act
    const outcome = await processPrefixJob(context, job);

    // Assess
    expect(outcome).toEqual({ kind: 'dropped', reason: 'a member is no longer anonymously readable' });
    expect(await context.records.prefixes.get(BUCKET, 'private/')).toMatchObject({ state: RecordState.Revoked, reason: 'a member is no longer anonymously readable' });
  });

  it('drops a job whose snapshot was replaced, leaving the record alone', async () => {
    // Prepare
    const members = await publicObjects('replaced/', 2);
    const old = await snapshotOf('replaced/', members);
    const current = await snapshotOf('replaced/', members.slice(0, 1));

    // Act
    const outcome = await processPrefixJob(context, old);

    // Assess
    expect(outcome).toEqual({ kind: 'dropped', reason: 'the prefix holds another snapshot' });
    expect(await context.records.prefixes.get(BUCKET, 'replaced/')).toMatchObject({ state: RecordState.Pending, snapshotId: current.snapshotId, membersDone: 0 });
  });

  it('stops at its byte budget with its progress kept, re-queues itself, and the next delivery finishes', async () => {
    // Prepare: more members than are fetched at once, so the budget is looked at again.
    const members = await publicObjects('budget/', 12);
    const job = await snapshotOf('budget/', members);

    // Act
    const outcome = await processPrefixJob(context, job, 1);
    const afterFirst = await context.records.prefixes.get(BUCKET, 'budget/');
    const ready = await eventually(async () => {
      const record = await context.records.prefixes.get(BUCKET, 'budget/');
      return record?.state === RecordState.Ready ? record : undefined;
    });

    // Assess
    expect(outcome).toEqual({ kind: 'continued', membersDone: MEMBER_CONCURRENCY });
    expect(afterFirst).toMatchObject({ state: RecordState.Hashing, membersDone: MEMBER_CONCURRENCY, memberCount: 12 });
    expect(ready).toMatchObject({ snapshotId: job.snapshotId, membersDone: 12 });
  });
  it('reads its members\' records a hundred at a time and takes READY members\' hashes from them, reading none of their bytes', async () => {
    // Prepare: two batches of members, one of them empty; three made READY by their own ?torrent, as a publisher pre-warms.
    const members = await publicObjects('batched/', 104);
    const { ETag: emptyEtag } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'batched/empty.bin', Body: new Uint8Array(0), ACL: 'public-read' }));
    members.push({ key: 'batched/empty.bin', etag: emptyEtag as string, size: 0 });
    const warm = members.slice(0, 3);
    for (const member of warm) {
      const reply = await fetchWhenReady(torrentUrl(stack, member.key, 'torrent', BUCKET));
      await reply.arrayBuffer();
      expect(reply.status).toBe(200);
    }
    const job = await snapshotOf('batched/', members);
    // The job's own clients, counted: its record reads and its anonymous object reads.
    const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamoDb, credentials: { ...LOCAL_CREDENTIALS } });
    const anonymousS3 = anonymousS3Client(stack.aws);
    const tableReads = new RequestCounter().attach(dynamo);
    const objectReads = new RequestCounter().attach(anonymousS3);
    const counted: HashJobContext = { ...context, records: new RecordStore({ client: dynamo, tableName: TABLE_NAME }), anonymousS3 };

    // Act
    const outcome = await processPrefixJob(counted, job);

    // Assess: one BatchGetItem per hundred members and no GetItem per member (the few there are
    // read the prefix record); one GET for each member neither READY nor empty, none for the rest.
    expect(outcome).toEqual({ kind: 'ready' });
    expect(await context.records.prefixes.get(BUCKET, 'batched/')).toMatchObject({ state: RecordState.Ready, membersDone: members.length });
    expect(tableReads.count('BatchGetItem')).toBe(2);
    expect(tableReads.count('GetItem')).toBeLessThan(warm.length);
    expect(objectReads.count('GetObject')).toBe(members.length - warm.length - 1);
    dynamo.destroy();
    anonymousS3.destroy();
  }, 120_000);
});
