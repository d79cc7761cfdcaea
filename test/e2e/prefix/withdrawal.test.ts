import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectAclCommand } from '@aws-sdk/client-s3';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { PrefixStatusView } from '../../../src/cli/prefixStatus.js';
import { TABLE_NAME } from '../../../src/local/index.js';
import type { LocalStack, SwarmReport } from '../../../src/local/index.js';
import { RecordState, RecordStore, egressTotals } from '../../../src/records/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { tempDir } from '../../helpers/files.js';
import { runCliProcess } from '../../helpers/tools.js';
import { eventually, publisherS3, startTestStack } from '../../integration/flow/localStackHarness.js';
import { httpAnnounce, seederOf } from '../../integration/seeder/seederFixture.js';
import { PREFIX, prefixTorrent } from './afterIntegration.js';
import { downloadPrefix } from './downloadPrefix.js';
import { AWKWARD_TREE, treeDigests, uploadTree } from './prefixTree.js';
import type { TreeFile } from './prefixTree.js';
import { torrentFiles } from './torrentFiles.js';
import { infoDictDigests } from './torrentRewrite.js';
import { requireRgw } from '../../helpers/rgw.js';

// Issue 14, proof "Withdrawal", on Ceph RGW (which enforces object ACLs): aria2c, rate-capped so
// that it is mid-download, fetches the prefix's v1 torrent from our seeder alone; one member is
// made private. Checked from the seeder's side, as an operator would: the tracker refuses the
// infohash, the swarm has stopped with its peers cut off and hands out no block after,
// `s3-torrent status` shows the snapshot REVOKED with what the seeder served of it, and the next
// request gives a new snapshot without the member (excluded count 1). Not the client's disk: it
// goes on growing by what had reached its socket before the stop, which says nothing of the seeder.
// A file of its own: the handlers build their AWS clients once per module load (as on Lambda),
// so a second stack in the same file would reach the first one's S3.

const MiB = 1024 * 1024;
const SEED = 'e2e-prefix-withdrawal';
const BUCKET = 'prefix-withdrawal';
/** The member made private: large, so that the capped download is far from done when it goes. */
const WITHDRAWN: TreeFile = { path: 'big/part.bin', size: 12 * MiB + 4321 };
const TREE: readonly TreeFile[] = [...AWKWARD_TREE, WITHDRAWN];
/** aria2c's cap: the whole tree would take about two minutes. */
const CLIENT_BYTES_PER_SECOND = 192 * 1024;
/** The change comes once the seeder has served this much of the snapshot. */
const SERVED_BEFORE_CHANGE = 512 * 1024;
/** Longest wait for the seeder to notice an ACL change (RGW sends no event: the sweep, every few seconds, or a refused read sees it). */
const NOTICE_TIMEOUT_MS = 45_000;
/** The seeder stores its egress counts this often here (10 s by default locally): the last count after the stop shows within seconds. */
const EGRESS_FLUSH_MS = 1_000;
/** Longest wait for the count written after the stop to show in `status`: many flushes. */
const EGRESS_TIMEOUT_MS = 30_000;
/** What the tracker answers for an infohash it does not serve (Tracker.ts). */
const UNKNOWN_TORRENT = 'unknown or unpublished torrent';

/** Bytes a download has put on disk so far (allocated blocks: aria2c writes sparse files); logged, not asserted. */
async function bytesOnDisk(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).blocks * 512;
  }
  return total;
}

describe('Prefix withdrawal (Ceph RGW): a member made private mid-download stops the swarm; the next snapshot leaves it out', () => {
  let stack: LocalStack;
  let records: RecordStore;
  let root: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('e2e-prefix-withdrawal'));
    await requireRgw();
    stack = await startTestStack(join(root, 'stack'), {
      s3: { kind: 'rgw' },
      env: { S3TORRENT_LOCAL_WEBSEEDS: 'off', S3TORRENT_SEEDER_EGRESS_FLUSH_MS: String(EGRESS_FLUSH_MS) },
    });
    records = new RecordStore({
      client: new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamoDb, credentials: { ...LOCAL_CREDENTIALS } }),
      tableName: TABLE_NAME,
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await cleanup?.();
  });

  /** `s3-torrent status s3://bucket/prefix/ --json` through the built CLI: the snapshot as its publisher sees it. */
  async function prefixStatus(): Promise<PrefixStatusView> {
    const run = await runCliProcess(['status', `s3://${BUCKET}/${PREFIX}`, '--json', '--dynamodb-endpoint', stack.endpoints.dynamoDb]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(run.stdout) as PrefixStatusView;
  }

  it('stops the swarm and its peers, counts nothing after, shows it REVOKED and serves a new snapshot without the member (excluded 1)', async () => {
    // Prepare: every member public by its ACL (no bucket policy), the prefix's v1 torrent, and
    // aria2c downloading it slowly from our seeder alone (found through the tracker).
    const s3 = publisherS3(stack);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await uploadTree(s3, BUCKET, PREFIX, TREE, SEED, { publicRead: true });
    const before = await prefixTorrent(stack, 'v1', BUCKET);
    expect({ status: before.status, excluded: before.excluded }).toEqual({ status: 200, excluded: '0' });
    expect(torrentFiles(before.body).paths).toContain(WITHDRAWN.path);
    const infoHash = Buffer.from(infoDictDigests(before.body).sha1, 'hex');
    const snapshot = await prefixStatus();
    expect(snapshot).toMatchObject({ state: RecordState.Ready, infoHashes: { v1: infoHash.toString('hex') } });
    const outDir = join(root, 'aria2c');
    const stopClient = new AbortController();
    const download = downloadPrefix('aria2c', before.body, { kind: 'seeder', peer: { host: '127.0.0.1', port: seederOf(stack).peerPort } }, treeDigests(TREE, SEED), {
      outDir, timeoutMs: 240_000, abort: stopClient.signal, maxDownloadBytesPerSecond: CLIENT_BYTES_PER_SECOND,
    }).then(() => 'completed' as const, () => 'cut off' as const);
    const serving = await eventually(async () => {
      const swarm = seederOf(stack).prefixSwarmOf(BUCKET, PREFIX);
      return swarm !== undefined && swarm.servedBytes >= SERVED_BEFORE_CHANGE ? swarm : undefined;
    }, 90_000);
    expect(serving.stoppedAt).toBeUndefined();
    expect(serving.peers).toBeGreaterThan(0);

    // Act
    const changedAt = Date.now();
    await s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: `${PREFIX}${WITHDRAWN.path}`, ACL: 'private' }));

    // Assess: the tracker refuses the infohash, which it does only once the swarm has stopped
    // (Swarm.stop cuts the peers off, then the tracker forgets the infohashes).
    await eventually(async () => {
      const answer = await httpAnnounce(seederOf(stack).trackerPort, infoHash);
      return 'failure' in answer ? answer : undefined;
    }, NOTICE_TIMEOUT_MS);
    const stopped = seederOf(stack).prefixSwarmOf(BUCKET, PREFIX) as SwarmReport;
    expect(stopped).toMatchObject({ id: serving.id, peers: 0, servedAfterStopBytes: 0 });
    expect(stopped.stoppedAt).toEqual(expect.any(Number));
    const onDiskAtStop = await bytesOnDisk(outDir);

    // What its publisher sees: REVOKED, why, and what the seeder served of the snapshot, which
    // is what the seeder counted up to the stop (the flush after the stop writes the last of it).
    let revoked = await prefixStatus();
    await eventually(async () => {
      revoked = await prefixStatus();
      return revoked.egress?.servedBytes === stopped.servedBytes ? true : undefined;
    }, EGRESS_TIMEOUT_MS).catch(() => undefined);
    expect(revoked).toMatchObject({ state: RecordState.Revoked, snapshotId: snapshot.snapshotId, egress: { servedBytes: stopped.servedBytes } });
    expect(revoked.reason).toContain(`member ${PREFIX}${WITHDRAWN.path}`);

    // The next request: a new snapshot without the member, the exclusion counted, not named.
    const after = await eventually(async () => {
      const reply = await prefixTorrent(stack, 'v1', BUCKET);
      return reply.status === 200 ? reply : undefined;
    }, 60_000);
    expect(after.excluded).toBe('1');
    expect([...torrentFiles(after.body).paths].sort()).toEqual(AWKWARD_TREE.map((file) => file.path).sort());
    expect(infoDictDigests(after.body).sha1).not.toBe(infoHash.toString('hex'));
    expect(await prefixStatus()).toMatchObject({ state: RecordState.Ready, excluded: 1, egress: null });

    // Meanwhile aria2c kept asking (its peer and tracker retries): the withdrawn swarm handed out
    // nothing more, its count did not move, and the tracker still refuses it.
    const last = seederOf(stack).prefixSwarmOf(BUCKET, PREFIX);
    expect(last).toMatchObject({ id: serving.id, peers: 0, servedAfterStopBytes: 0, servedBytes: stopped.servedBytes });
    expect(await egressTotals(records, BUCKET, PREFIX, snapshot.snapshotId)).toMatchObject({ servedBytes: stopped.servedBytes });
    expect(await httpAnnounce(seederOf(stack).trackerPort, infoHash)).toEqual({ failure: UNKNOWN_TORRENT });
    stopClient.abort();
    expect(await download).toBe('cut off');
    console.log([
      `prefix withdrawal: noticed ${(stopped.stoppedAt ?? changedAt) - changedAt} ms after PutObjectAcl (${stopped.stopReason ?? ''});`,
      `served ${stopped.servedBytes} bytes of the snapshot, none after the stop;`,
      `aria2c's files: ${onDiskAtStop} bytes at the stop, ${await bytesOnDisk(outDir)} at the end (what had reached its socket before the stop)`,
    ].join(' '));
  }, 300_000);
});
