// The prefix e2e tests that need the integrated prefix API, seeder and withdrawal: written
// against the documented behaviour, defined here as functions so that they run only once the
// lead calls them from a test file (test/e2e/prefix/fromApi.test.ts):
//   describePrefixFromApi();
//   describePrefixWithdrawal();
import { CreateBucketCommand, PutObjectAclCommand } from '@aws-sdk/client-s3';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { rgwAvailable } from '../../../src/local/index.js';
import type { LocalStack } from '../../../src/local/index.js';
import { RecordState } from '../../../src/records/index.js';
import { tempDir } from '../../helpers/files.js';
import type { RecordingProxy } from '../../helpers/recordingProxy.js';
import { runCliProcess } from '../../helpers/tools.js';
import { eventually, fetchWhenReady, publisherS3, startTestStack, torrentUrl } from '../../integration/flow/localStackHarness.js';
import { httpAnnounce, seederOf } from '../../integration/seeder/seederFixture.js';
import { createDirectoryTorrent } from './directoryTorrent.js';
import { PREFIX_CLIENTS, downloadPrefix } from './downloadPrefix.js';
import { AWKWARD_TREE, PREFIX_PIECE_LENGTH, treeDigests, uploadTree, writeTree } from './prefixTree.js';
import type { TreeFile } from './prefixTree.js';
import { torrentFiles } from './torrentFiles.js';
import { infoDictDigests } from './torrentRewrite.js';
import { describeOutcomes, expectedSummary, runAllClients, summaryOf } from './webseedRuns.js';

const MiB = 1024 * 1024;
const PREFIX = 'data/set1/';
/** The header every prefix reply carries: how many objects under the prefix were left out. */
const EXCLUDED_HEADER = 'x-s3torrent-excluded-objects';
/** A download of the ~14 MiB tree takes seconds; Transmission waits ~10 s for its rechoke first. */
const RUN_TIMEOUT_MS = 120_000;

/** The prefix's torrent in `format` from the API, once ready (bounded); its excluded count too. */
async function prefixTorrent(stack: LocalStack, format: 'v1' | 'hybrid', bucket = stack.demoBucket): Promise<{ status: number; excluded: string | null; body: Uint8Array }> {
  const reply = await fetchWhenReady(torrentUrl(stack, PREFIX, format === 'hybrid' ? 'torrent&format=hybrid' : 'torrent', bucket));
  return { status: reply.status, excluded: reply.headers.get(EXCLUDED_HEADER), body: new Uint8Array(await reply.arrayBuffer()) };
}

/**
 * (i) The four real clients download the prefix torrent the API serves for `data/set1/`
 * (hybrid for libtorrent and qBittorrent, v1 for aria2c and Transmission), from our seeder alone
 * (url-list taken out) and from the webseed alone (seeder stopped, trackers taken out); the
 * torrent itself is libtorrent's for the same directory. The hybrid torrent's webseed is the
 * prefix's parent URL on S3; the v1 torrent's is the same path on the API, which answers the pad
 * files that aria2c 1.36 and Transmission 3.00 ask a webseed for and redirects the rest to S3.
 */
function describePrefixFromApi(): void {
  describe('Prefix torrent from the API: four real clients, from the seeder alone and from the webseed alone', () => {
    const SEED = 'e2e-prefix-api';
    let stack: LocalStack;
    let root: string;
    let cleanup: () => Promise<void>;
    const proxies: RecordingProxy[] = [];
    const torrents = new Map<'v1' | 'hybrid', Uint8Array>();
    const digests = treeDigests(AWKWARD_TREE, SEED);

    beforeAll(async () => {
      ({ dir: root, cleanup } = await tempDir('e2e-prefix-api'));
      stack = await startTestStack(join(root, 'stack'));
      await uploadTree(publisherS3(stack), stack.demoBucket, PREFIX, AWKWARD_TREE, SEED);
      for (const format of ['v1', 'hybrid'] as const) {
        const reply = await prefixTorrent(stack, format);
        expect({ format, status: reply.status, excluded: reply.excluded }).toEqual({ format, status: 200, excluded: '0' });
        torrents.set(format, reply.body);
      }
    }, 180_000);

    afterAll(async () => {
      for (const proxy of proxies) await proxy.stop();
      await stack?.stop();
      await cleanup?.();
    });

    it('serves libtorrent\'s own torrent of the directory, named after the prefix, with the prefix\'s parent URL as webseed', async () => {
      const source = await writeTree(join(root, 'source', 'set1'), AWKWARD_TREE, SEED);
      const v1 = torrentFiles(torrents.get('v1') as Uint8Array);
      expect(v1.name).toBe('set1');
      expect(v1.webseeds).toEqual([`${stack.endpoints.api}/${stack.demoBucket}/data/`]);
      expect(torrentFiles(torrents.get('hybrid') as Uint8Array).webseeds).toEqual([`${stack.endpoints.s3}/${stack.demoBucket}/data/`]);
      expect([...v1.paths].sort()).toEqual(AWKWARD_TREE.map((file) => file.path).sort());
      const reference = {
        v1: await createDirectoryTorrent(source, join(root, 'ref.v1.torrent'), { format: 'v1', pieceLength: PREFIX_PIECE_LENGTH }),
        hybrid: await createDirectoryTorrent(source, join(root, 'ref.hybrid.torrent'), { format: 'hybrid', pieceLength: PREFIX_PIECE_LENGTH }),
      };
      expect(infoDictDigests(torrents.get('v1') as Uint8Array).sha1).toBe(reference.v1.infoHashV1);
      expect(infoDictDigests(torrents.get('hybrid') as Uint8Array).sha256).toBe(reference.hybrid.infoHashV2);
    }, 60_000);

    it('lets libtorrent and qBittorrent (hybrid), aria2c and Transmission (v1) download every file from our seeder alone', async () => {
      const outcomes = await runAllClients(
        { torrents, digests, outRoot: join(root, 'seeder'), timeoutMs: RUN_TIMEOUT_MS },
        { kind: 'seeder', peer: { host: '127.0.0.1', port: seederOf(stack).peerPort } },
      );
      console.log(describeOutcomes('seeder-only downloads of the API\'s prefix torrent:', outcomes));
      expect(outcomes.map((outcome) => summaryOf(outcome, digests)))
        .toEqual(PREFIX_CLIENTS.map((client) => expectedSummary(client, AWKWARD_TREE, false)));
    }, 300_000);

    // aria2c 1.36 and Transmission 3.00 know no BEP 47 pad files: from a webseed they ask for
    // `<url>set1/.pad/<n>`. S3 has no such object (a 404 stalls them); the API's webseed answers zeros.
    it('lets all four clients download every file from the webseed alone, with anonymous GETs of the objects (and, from the API, of pad files) only', async () => {
      await stack.seeder?.stop();
      const outcomes = await runAllClients(
        { torrents, digests, outRoot: join(root, 'webseed'), timeoutMs: RUN_TIMEOUT_MS },
        { kind: 'webseed', bucket: stack.demoBucket, prefix: PREFIX, proxies },
      );
      console.log(describeOutcomes('webseed-only downloads of the API\'s prefix torrent:', outcomes));
      expect(outcomes.map((outcome) => summaryOf(outcome, digests)))
        .toEqual(PREFIX_CLIENTS.map((client) => expectedSummary(client, AWKWARD_TREE, true)));
    }, 300_000);
  });
}

/** Bytes a download has put on disk so far (allocated blocks: aria2c writes sparse files). */
async function bytesOnDisk(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).blocks * 512;
  }
  return total;
}

/**
 * (ii) Withdrawal, on Ceph RGW (which enforces object ACLs): aria2c, rate-capped so that it is
 * mid-download, fetches the prefix from our seeder alone; one member is made private. The swarm
 * stops (the tracker refuses the infohash, the client gets no more bytes), the snapshot is
 * REVOKED, and the next request gives a new snapshot without the member, excluded count 1.
 */
function describePrefixWithdrawal(): void {
  describe('Prefix withdrawal: a member made private mid-download stops the swarm; the next snapshot leaves it out', () => {
    const SEED = 'e2e-prefix-withdrawal';
    const BUCKET = 'prefix-withdrawal';
    /** The member made private: large, so that the capped download is far from done when it goes. */
    const WITHDRAWN: TreeFile = { path: 'big/part.bin', size: 12 * MiB + 4321 };
    const TREE: readonly TreeFile[] = [...AWKWARD_TREE, WITHDRAWN];
    /** aria2c's cap: the whole tree would take about two minutes. */
    const CLIENT_BYTES_PER_SECOND = 192 * 1024;
    /** The change comes once this much is on the client's disk. */
    const DOWNLOADED_BEFORE_CHANGE = 512 * 1024;
    /** Longest wait for the seeder to notice an ACL change (RGW sends no event: the sweep sees it). */
    const NOTICE_TIMEOUT_MS = 45_000;
    /** After the tracker refused the infohash, how long the client's disk is watched for a stray byte. */
    const QUIET_AFTER_NOTICE_MS = 3_000;
    let stack: LocalStack;
    let root: string;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ dir: root, cleanup } = await tempDir('e2e-prefix-withdrawal'));
      if (!(await rgwAvailable())) {
        throw new Error('Ceph is not installed: run `bash .ci/run` (Debian packages radosgw ceph-mon ceph-osd ceph-common)');
      }
      stack = await startTestStack(join(root, 'stack'), { s3: { kind: 'rgw' }, env: { S3TORRENT_LOCAL_WEBSEEDS: 'off' } });
    }, 180_000);

    afterAll(async () => {
      await stack?.stop();
      await cleanup?.();
    });

    it('stops the swarm, revokes the snapshot and serves a new one without the member (excluded 1)', async () => {
      // Prepare: every member public by its ACL (no bucket policy), the prefix's v1 torrent, and
      // aria2c downloading it slowly from our seeder alone.
      const s3 = publisherS3(stack);
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await uploadTree(s3, BUCKET, PREFIX, TREE, SEED, { publicRead: true });
      const before = await prefixTorrent(stack, 'v1', BUCKET);
      expect({ status: before.status, excluded: before.excluded }).toEqual({ status: 200, excluded: '0' });
      expect(torrentFiles(before.body).paths).toContain(WITHDRAWN.path);
      const infoHash = Buffer.from(infoDictDigests(before.body).sha1, 'hex');
      const outDir = join(root, 'aria2c');
      const stopClient = new AbortController();
      const download = downloadPrefix('aria2c', before.body, { kind: 'seeder', peer: { host: '127.0.0.1', port: seederOf(stack).peerPort } }, treeDigests(TREE, SEED), {
        outDir, timeoutMs: 240_000, abort: stopClient.signal, maxDownloadBytesPerSecond: CLIENT_BYTES_PER_SECOND,
      }).then(() => 'completed' as const, () => 'cut off' as const);
      await eventually(async () => ((await bytesOnDisk(outDir)) >= DOWNLOADED_BEFORE_CHANGE ? true : undefined), 90_000);

      // Act
      await s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: `${PREFIX}${WITHDRAWN.path}`, ACL: 'private' }));

      // Assess: the tracker drops the swarm, the client gets nothing more, the snapshot is revoked.
      await eventually(async () => {
        const answer = await httpAnnounce(seederOf(stack).trackerPort, infoHash);
        return 'failure' in answer ? answer : undefined;
      }, NOTICE_TIMEOUT_MS);
      // aria2c may still write blocks it received before the stop (its disk cache): wait until its
      // files stop changing for a second, then nothing more may arrive.
      const onDisk = await eventually(async () => {
        const seen = await bytesOnDisk(outDir);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return (await bytesOnDisk(outDir)) === seen ? seen : undefined;
      }, NOTICE_TIMEOUT_MS);
      await new Promise((resolve) => setTimeout(resolve, QUIET_AFTER_NOTICE_MS));
      expect(await bytesOnDisk(outDir)).toBe(onDisk);
      const status = await runCliProcess(['status', `s3://${BUCKET}/${PREFIX}`, '--json', '--dynamodb-endpoint', stack.endpoints.dynamoDb]);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ state: RecordState.Revoked });

      // The next request: a new snapshot without the member, the exclusion counted, not named.
      const after = await eventually(async () => {
        const reply = await prefixTorrent(stack, 'v1', BUCKET);
        return reply.status === 200 ? reply : undefined;
      }, 60_000);
      expect(after.excluded).toBe('1');
      expect([...torrentFiles(after.body).paths].sort()).toEqual(AWKWARD_TREE.map((file) => file.path).sort());
      expect(infoDictDigests(after.body).sha1).not.toBe(infoHash.toString('hex'));
      stopClient.abort();
      expect(await download).toBe('cut off');
    }, 300_000);
  });
}

export { describePrefixFromApi, describePrefixWithdrawal };
