import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TABLE_NAME } from '../../../src/local/index.js';
import type { LocalStack, SwarmReport } from '../../../src/local/index.js';
import { RecordState, RecordStore } from '../../../src/records/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { runCliProcess } from '../../helpers/tools.js';
import { torrentInfoOf } from '../../helpers/peerClient.js';
import { eventually, fetchWhenReady, publisherS3, startTestStack, torrentUrl } from '../../integration/flow/localStackHarness.js';
import { httpAnnounce, seederOf } from '../../integration/seeder/seederFixture.js';
import { downloadWithAria2c } from '../clients/index.js';
import { requireRgw } from '../../helpers/rgw.js';

// Every way an object stops being public, while a real client (aria2c, rate-capped so that it is
// mid-download) downloads it from our seeder alone (no webseed), on Ceph RGW, which enforces
// anonymous access. After each change: the seeder's own counters show not one block byte served
// once it noticed, the tracker refuses the infohash, the API refuses the torrent, and the record
// says REVOKED (or, for an overwrite, moves to the new version). The time from change to noticed
// is printed for the closing note's table.

const MiB = 1024 * 1024;

/** Large enough that the capped client is far from done when the change comes. */
const OBJECT_BYTES = 12 * MiB + 4321;

/** aria2c's cap: the whole object would take about a minute. */
const CLIENT_BYTES_PER_SECOND = 192 * 1024;

/** The change comes once the seeder has served this much of the object. */
const SERVED_BEFORE_CHANGE = 512 * 1024;

/**
 * Longest wait for the seeder to notice. Most ways are noticed within a few seconds; a policy
 * narrowed to our own network is seen only once the cached bucket verdict expires (30 s), as
 * RGW sends no bucket-level events.
 */
const NOTICE_TIMEOUT_MS = 45_000;

/** After the seeder noticed, how long to keep watching its counters for a stray block. */
const QUIET_AFTER_NOTICE_MS = 1_500;

/** A policy letting anyone read the bucket's objects, optionally only from `sourceIp`. */
function readPolicy(bucket: string, sourceIp?: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Sid: 'PublicRead',
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${bucket}/*`,
      ...(sourceIp === undefined ? {} : { Condition: { IpAddress: { 'aws:SourceIp': sourceIp } } }),
    }],
  });
}

interface Way {
  readonly name: string;
  /** How the object is made public before the change. */
  readonly publicBy: 'acl' | 'policy';
  /** The change; returns the new ETag when the object is overwritten. */
  readonly change: (s3: S3Client, bucket: string, key: string) => Promise<string | undefined>;
  /** What `?torrent` answers after it. */
  readonly apiStatus: number;
}

const WAYS: readonly Way[] = [
  {
    name: 'object ACL set to private',
    publicBy: 'acl',
    change: async (s3, bucket, key) => void (await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: key, ACL: 'private' }))),
    apiStatus: 403,
  },
  {
    name: 'bucket policy deleted',
    publicBy: 'policy',
    change: async (s3, bucket) => void (await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }))),
    apiStatus: 403,
  },
  {
    name: 'bucket policy narrowed to a source IP',
    publicBy: 'policy',
    change: async (s3, bucket) => void (await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: readPolicy(bucket, '127.0.0.1/32') }))),
    apiStatus: 403,
  },
  {
    name: 'Block Public Access (IgnorePublicAcls) on the bucket',
    publicBy: 'acl',
    change: async (s3, bucket) => void (await s3.send(new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { IgnorePublicAcls: true, BlockPublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false },
    }))),
    apiStatus: 403,
  },
  {
    name: 'object deleted',
    publicBy: 'acl',
    change: async (s3, bucket, key) => void (await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))),
    // S3 (and RGW) answer an anonymous request for a missing key 403, unless anyone may list the bucket.
    apiStatus: 403,
  },
  {
    name: 'object overwritten',
    publicBy: 'acl',
    change: async (s3, bucket, key) => {
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: pseudoRandomBytes(OBJECT_BYTES, `${bucket}-new`), ACL: 'public-read' }));
      return put.ETag;
    },
    apiStatus: 200,
  },
];

describe('Withdrawal: every way of going private stops a real download at once (Ceph RGW, aria2c)', () => {
  let stack: LocalStack;
  let records: RecordStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  const timings: string[] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('ways-private'));
    await requireRgw();
    stack = await startTestStack(join(dir, 'data'), { s3: { kind: 'rgw' }, env: { S3TORRENT_LOCAL_WEBSEEDS: 'off' } });
    records = new RecordStore({
      client: new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamoDb, credentials: { ...LOCAL_CREDENTIALS } }),
      tableName: TABLE_NAME,
    });
  }, 180_000);

  afterAll(async () => {
    console.log(`time from change to the seeder noticing:\n${timings.join('\n')}`);
    await stack?.stop();
    await cleanup?.();
  });

  it.each(WAYS.map((way, index) => [way.name, way, index] as const))('%s', async (_name, way, index) => {
    // Prepare: a bucket of its own (policies and Block Public Access are bucket-wide), the object
    // public, its torrent, and aria2c downloading it slowly from the seeder.
    const s3 = publisherS3(stack);
    const bucket = `ways-private-${index}`;
    const key = 'dataset/part.bin';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    if (way.publicBy === 'policy') await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: readPolicy(bucket) }));
    const bytes = pseudoRandomBytes(OBJECT_BYTES, bucket);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ...(way.publicBy === 'acl' ? { ACL: 'public-read' as const } : {}) }));
    const reply = await fetchWhenReady(torrentUrl(stack, key, 'torrent', bucket));
    expect(reply.status).toBe(200);
    const torrentBytes = new Uint8Array(await reply.arrayBuffer());
    const torrent = torrentInfoOf(torrentBytes);
    const torrentFile = join(dir, `${bucket}.torrent`);
    await writeFile(torrentFile, torrentBytes);
    const stopClient = new AbortController();
    const download = downloadWithAria2c({ torrentFile }, {
      outDir: join(dir, bucket),
      timeoutMs: 180_000,
      label: way.name,
      maxDownloadBytesPerSecond: CLIENT_BYTES_PER_SECOND,
      abort: stopClient.signal,
    }).then(() => 'completed' as const, () => 'cut off' as const);
    const serving = await eventually(async () => {
      const swarm = seederOf(stack).swarmOf(bucket, key);
      return swarm !== undefined && swarm.servedBytes >= SERVED_BEFORE_CHANGE ? swarm : undefined;
    }, 60_000);
    expect(serving.stoppedAt).toBeUndefined();

    // Act
    const changedAt = Date.now();
    const newEtag = await way.change(s3, bucket, key);

    // Assess: the seeder notices, and from then on hands out nothing.
    const stopped: SwarmReport = await eventually(async () => {
      const swarm = seederOf(stack).swarmOf(bucket, key);
      return swarm?.stoppedAt !== undefined && swarm.id === serving.id ? swarm : undefined;
    }, NOTICE_TIMEOUT_MS);
    const noticedMs = (stopped.stoppedAt ?? changedAt) - changedAt;
    timings.push(`| ${way.name} | ${noticedMs} ms | ${stopped.stopReason ?? ''} |`);
    await new Promise((resolve) => setTimeout(resolve, QUIET_AFTER_NOTICE_MS));
    const after = seederOf(stack).swarmOf(bucket, key);
    const sameSwarm = after?.id === serving.id ? after : stopped;
    expect(sameSwarm.servedAfterStopBytes).toBe(0);
    expect(sameSwarm.servedBytes).toBeGreaterThanOrEqual(SERVED_BEFORE_CHANGE);
    expect(sameSwarm.servedBytes).toBeLessThan(OBJECT_BYTES);
    expect(await httpAnnounce(seederOf(stack).trackerPort, torrent.infoHash)).toEqual({ failure: 'unknown or unpublished torrent' });
    const api = await eventually(async () => {
      const answer = await fetch(torrentUrl(stack, key, 'torrent', bucket));
      const body = new Uint8Array(await answer.arrayBuffer());
      if (answer.status !== way.apiStatus) return undefined;
      return { status: answer.status, body };
    }, 60_000);
    if (newEtag === undefined) {
      const record = await eventually(async () => {
        const now = await records.get(bucket, key);
        return now?.state === RecordState.Revoked ? now : undefined;
      }, 30_000);
      expect(record.reason).toEqual(expect.any(String));
      // What a publisher sees: the built CLI reads the same record.
      const status = await runCliProcess(['status', `s3://${bucket}/${key}`, '--json', '--dynamodb-endpoint', stack.endpoints.dynamoDb]);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ state: RecordState.Revoked });
    } else {
      // The old version is gone for good; the new one is published under another infohash.
      expect(torrentInfoOf(api.body).infoHash.equals(torrent.infoHash)).toBe(false);
      expect((await records.get(bucket, key))?.etag).toBe(newEtag);
    }
    stopClient.abort();
    expect(await download).toBe('cut off');
  }, 240_000);

  it('serves the same torrent again, unhashed, once the object is public again, and a fresh download completes', async () => {
    // Prepare: the first way's object, withdrawn by its ACL above.
    const s3 = publisherS3(stack);
    const bucket = 'ways-private-0';
    const key = 'dataset/part.bin';
    const revoked = await records.get(bucket, key);
    expect(revoked?.state).toBe(RecordState.Revoked);

    // Act
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: key, ACL: 'public-read' }));
    const reply = await fetchWhenReady(torrentUrl(stack, key, 'torrent', bucket));

    // Assess: the same version's torrent, from the record's own hashes (same pieces, no new hashing).
    expect(reply.status).toBe(200);
    const torrentBytes = new Uint8Array(await reply.arrayBuffer());
    const republished = await eventually(async () => {
      const now = await records.get(bucket, key);
      return now?.state === RecordState.Ready ? now : undefined;
    }, 30_000);
    expect(republished).toMatchObject({ state: RecordState.Ready, etag: revoked?.etag, createdAt: revoked?.createdAt, segmentsDone: revoked?.segmentsDone });
    expect(republished?.torrents?.v1.infoHashV1).toBe(revoked?.torrents?.v1.infoHashV1);
    const torrentFile = join(dir, 'republished.torrent');
    await writeFile(torrentFile, torrentBytes);
    const path = await downloadWithAria2c({ torrentFile }, { outDir: join(dir, 'republished'), timeoutMs: 120_000, label: 'republished' });
    const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
    expect(sha256(await readFile(path))).toBe(sha256(pseudoRandomBytes(OBJECT_BYTES, bucket)));
  }, 180_000);
});
