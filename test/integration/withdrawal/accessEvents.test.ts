import { DeleteBucketPolicyCommand, DeleteObjectCommand, PutBucketPolicyCommand, PutObjectAclCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { RecordState } from '../../../src/records/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { eventually, torrentUrl } from '../flow/localStackHarness.js';
import { fixtureEvent } from './recheckFixture.js';
import { publicReadPolicy, startWithdrawalStack } from './withdrawalFixture.js';
import type { WithdrawalStack } from './withdrawalFixture.js';

// The access-events path on Ceph RGW, with the sweep out of the way (once an hour): deletions
// arrive from RGW's own notifications; ACL and policy changes, which RGW reports to nobody, are
// sent to the queue here in the shapes EventBridge delivers on AWS (the parser's fixtures).

const MiB = 1024 * 1024;
/** Objects here are public by their own ACL only. */
const ACL_BUCKET = 'acl-events';
/** Objects here are public by the bucket's policy. */
const POLICY_BUCKET = 'policy-events';
describe('Flow: withdrawal events on Ceph RGW (the access checker)', () => {
  let env: WithdrawalStack;

  beforeAll(async () => {
    // No sweep during the tests: what happens is the access checker's doing.
    env = await startWithdrawalStack('withdrawal-events', { sweepSeconds: 3_600, staleJobSeconds: 3_600 });
    await env.createBucket(ACL_BUCKET);
    await env.createBucket(POLICY_BUCKET, { publicPolicy: true });
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
  });

  it("revokes a deleted object as deleted, from RGW's ObjectRemoved notification", async () => {
    // Prepare: the demo bucket's notifications reach the stack (ObjectCreated pre-warms, ObjectRemoved withdraws).
    const bucket = env.stack.demoBucket;
    const key = 'deleted/ü file.bin';
    await env.publish(bucket, key, pseudoRandomBytes(MiB + 1, key));

    // Act
    await env.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

    // Assess: REVOKED, not removed: the record says why and when, its infohashes stay refused.
    // (S3 answers 403 for a missing key to whoever may not list the bucket: the event says deleted.)
    const revoked = await env.waitForState(bucket, key, RecordState.Revoked);
    expect(revoked.reason).toMatch(/^deleted: S3 no longer serves it to anyone \(Object Deleted event \(DeleteObject\) at /);
    const reply = await fetch(torrentUrl(env.stack, key, 'torrent', bucket));
    await reply.arrayBuffer();
    expect([403, 404]).toContain(reply.status);
  }, 90_000);

  it('revokes an object made private on its "Object ACL Updated" event', async () => {
    // Prepare
    const key = 'acl.bin';
    await env.publish(ACL_BUCKET, key, pseudoRandomBytes(MiB + 2, key), { acl: 'public-read' });
    await env.s3.send(new PutObjectAclCommand({ Bucket: ACL_BUCKET, Key: key, ACL: 'private' }));

    // Act
    await env.sendAccessEvent(fixtureEvent('object-acl-updated.json', ACL_BUCKET, key));

    // Assess
    const revoked = await env.waitForState(ACL_BUCKET, key, RecordState.Revoked);
    expect(revoked.reason).toMatch(/^no longer public: S3 refused an anonymous HEAD \(Object ACL Updated event at /);
  }, 90_000);

  it('revokes every record of a bucket whose policy is deleted, and republishes them, unhashed, when it comes back', async () => {
    // Prepare: two READY torrents, public by the bucket policy alone.
    const keys = ['policy/one.bin', 'policy/two.bin'];
    const hashes = [];
    for (const key of keys) hashes.push(await env.publish(POLICY_BUCKET, key, pseudoRandomBytes(MiB + 3, key)));
    const jobsBefore = keys.map((key) => env.hashJobsFor(key));

    // Act 1: the policy goes; CloudTrail's record of it reaches the queue.
    await env.s3.send(new DeleteBucketPolicyCommand({ Bucket: POLICY_BUCKET }));
    await env.sendAccessEvent(fixtureEvent('cloudtrail-delete-bucket-policy.json', POLICY_BUCKET));

    // Assess 1
    for (const key of keys) {
      const revoked = await env.waitForState(POLICY_BUCKET, key, RecordState.Revoked);
      expect(revoked.reason).toBe(`no longer public: S3 refused an anonymous HEAD (DeleteBucketPolicy on bucket ${POLICY_BUCKET} at 2026-05-02T11:00:00Z)`);
    }

    // Act 2: the policy is back.
    await env.s3.send(new PutBucketPolicyCommand({ Bucket: POLICY_BUCKET, Policy: publicReadPolicy(POLICY_BUCKET) }));
    await env.sendAccessEvent(fixtureEvent('cloudtrail-put-bucket-policy.json', POLICY_BUCKET));

    // Assess 2: READY again with the same torrents, and not one more hash job.
    for (const [i, key] of keys.entries()) {
      const ready = await env.waitForState(POLICY_BUCKET, key, RecordState.Ready);
      expect(ready.torrents?.v1.infoHashV1).toBe(hashes[i]);
    }
    expect(keys.map((key) => env.hashJobsFor(key))).toEqual(jobsBefore);
  }, 120_000);

  it('serves ?torrent of a REVOKED record public again at once, from its torrents, without hashing', async () => {
    // Prepare: READY by its upload's notification alone (the API has never served it, so holds
    // nothing of it in its cache), then revoked, as the sweep or the seeder would while it was private.
    const bucket = env.stack.demoBucket;
    const key = 'api-republish.bin';
    await env.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: pseudoRandomBytes(2 * MiB + 9, key) }));
    const ready = await env.waitForState(bucket, key, RecordState.Ready);
    await env.records.markRevoked(bucket, key, 'no longer public (test)');
    const jobsBefore = env.hashJobsFor(key);

    // Act
    const reply = await fetch(torrentUrl(env.stack, key, 'torrent', bucket));
    await reply.arrayBuffer();

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-s3torrent-infohash-v1')).toBe(ready.torrents?.v1.infoHashV1);
    expect(await env.records.get(bucket, key)).toMatchObject({ state: RecordState.Ready, torrents: ready.torrents, reason: undefined });
    expect(env.hashJobsFor(key)).toBe(jobsBefore);
  }, 90_000);

  it('drops messages that are not access events: nothing retried, nothing dead-lettered', async () => {
    // Prepare: garbage, an event of another kind, then a real event whose effect shows the others were handled.
    const key = 'marker.bin';
    await env.publish(ACL_BUCKET, key, pseudoRandomBytes(MiB, key), { acl: 'public-read' });
    await env.s3.send(new PutObjectAclCommand({ Bucket: ACL_BUCKET, Key: key, ACL: 'private' }));

    // Act
    await env.sendAccessEvent('{"this is": not json');
    await env.sendAccessEvent(JSON.stringify({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: {} }));
    await env.sendAccessEvent(fixtureEvent('object-acl-updated.json', ACL_BUCKET, key));

    // Assess
    await env.waitForState(ACL_BUCKET, key, RecordState.Revoked);
    const depth = await eventually(async () => {
      const now = await env.accessQueueDepth();
      return now.queue === 0 ? now : undefined;
    }, 10_000);
    expect(depth).toEqual({ queue: 0, deadLetters: 0 });
  }, 90_000);
});
