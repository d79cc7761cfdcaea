import { PutObjectAclCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { RecordState } from '../../../src/records/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { eventually, torrentUrl } from '../flow/localStackHarness.js';
import { WITHDRAWAL_TIMEOUT_MS, startWithdrawalStack } from './withdrawalFixture.js';
import type { WithdrawalStack } from './withdrawalFixture.js';

// The sweep alone, on Ceph RGW: RGW sends no event for ACL or policy changes, so whatever these
// tests see happen was done by the sweep (every second here) with nobody asking for a torrent.

const MiB = 1024 * 1024;
/** Objects here are public only by their own ACL, and RGW sends no notification for this bucket. */
const BUCKET = 'acl-only';
/** The sweep's interval and the age at which a job counts as lost, shrunk for the test. */
const SWEEP_SECONDS = 1;
const STALE_JOB_SECONDS = 3;

describe('Flow: the sweep on Ceph RGW (no ACL or policy events)', () => {
  let env: WithdrawalStack;

  beforeAll(async () => {
    env = await startWithdrawalStack('withdrawal-sweep', { sweepSeconds: SWEEP_SECONDS, staleJobSeconds: STALE_JOB_SECONDS });
    await env.createBucket(BUCKET);
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
  });

  it('revokes an object made private, with no request and no event, within seconds; and republishes it without hashing once public again', async () => {
    // Prepare: a READY torrent, hashed once.
    const key = 'toggled.bin';
    const infoHash = await env.publish(BUCKET, key, pseudoRandomBytes(2 * MiB + 11, key), { acl: 'public-read' });
    const ready = await env.records.get(BUCKET, key);
    const jobsBefore = env.hashJobsFor(key);
    const attempt = { bucket: BUCKET, key, etag: ready?.etag ?? '', attemptId: ready?.attemptId ?? '' };
    const segmentsBefore = await env.records.segmentResults(attempt);
    expect(jobsBefore).toBeGreaterThan(0);

    // Act 1: private. Nobody asks for the torrent; RGW sends nothing.
    const madePrivateAt = Date.now();
    await env.s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: key, ACL: 'private' }));
    const revoked = await env.waitForState(BUCKET, key, RecordState.Revoked);
    const revokedAfterMs = Date.now() - madePrivateAt;

    // Assess 1
    expect(revoked.etag).toBe(ready?.etag);
    expect(revoked.reason).toMatch(/^no longer public: S3 refused an anonymous HEAD \(sweep at /);
    expect(Date.parse(revoked.updatedAt)).toBeGreaterThanOrEqual(madePrivateAt - 1_000);
    expect(revokedAfterMs).toBeLessThan(WITHDRAWAL_TIMEOUT_MS);
    console.log(`sweep revoked ${key} ${revokedAfterMs} ms after PutObjectAcl private`);

    // Act 2: public again, the very same bytes and ETag.
    await env.s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: key, ACL: 'public-read' }));
    const republished = await env.waitForState(BUCKET, key, RecordState.Ready);

    // Assess 2: READY with the torrents it had; no job, no new segment; served at once.
    expect(republished.etag).toBe(ready?.etag);
    expect(republished.torrents).toEqual(ready?.torrents);
    expect(republished.reason).toBeUndefined();
    expect(env.hashJobsFor(key)).toBe(jobsBefore);
    expect(republished.attemptId).toBe(attempt.attemptId);
    expect(await env.records.segmentResults(attempt)).toEqual(segmentsBefore);
    const reply = await fetch(torrentUrl(env.stack, key, 'torrent', BUCKET));
    await reply.arrayBuffer();
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-s3torrent-infohash-v1')).toBe(infoHash);
    expect(env.hashJobsFor(key)).toBe(jobsBefore);
  }, 90_000);

  it('never serves a version overwritten behind its back again, and hashes the new one by itself', async () => {
    // Prepare
    const key = 'overwritten.bin';
    const oldHash = await env.publish(BUCKET, key, pseudoRandomBytes(MiB + 5, 'old'), { acl: 'public-read' });

    // Act: new bytes, still public; no notification on this bucket, no request.
    const put = await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: pseudoRandomBytes(MiB + 7, 'new'), ACL: 'public-read' }));

    // Assess
    const ready = await eventually(async () => {
      const record = await env.records.get(BUCKET, key);
      return record?.state === RecordState.Ready && record.etag === put.ETag ? record : undefined;
    }, WITHDRAWAL_TIMEOUT_MS);
    expect(ready.size).toBe(MiB + 7);
    expect(ready.torrents?.v1.infoHashV1).not.toBe(oldHash);
    expect(await env.records.findByInfoHash(oldHash)).toBeUndefined();
  }, 90_000);

  it('queues again the job of a PENDING record whose job was lost', async () => {
    // Prepare: a public object and its PENDING record, as a crash between the record write and
    // SendMessage leaves them (no notification on this bucket: nothing else queues it).
    const key = 'lost-job.bin';
    const bytes = pseudoRandomBytes(MiB + 3, key);
    const put = await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes, ACL: 'public-read' }));
    await env.records.ensurePending(BUCKET, key, put.ETag ?? '', bytes.length);

    // Act: nothing; the sweep finds it once it has waited STALE_JOB_SECONDS.
    const ready = await env.waitForState(BUCKET, key, RecordState.Ready);

    // Assess
    expect(ready.etag).toBe(put.ETag);
    expect(env.hashJobsFor(key)).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
