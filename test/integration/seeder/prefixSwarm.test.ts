import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { hash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AwsConfig } from '../../../src/config.js';
import { startS3rver } from '../../../src/local/startS3rver.js';
import type { S3rverHandle } from '../../../src/local/startS3rver.js';
import { RecordState } from '../../../src/records/index.js';
import type { PrefixMember, PrefixRecord, PublishedTarget } from '../../../src/records/prefixSchema.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { SwarmDirectory, stopOnReadFailure } from '../../../src/seeding/index.js';
import type { SwarmSource } from '../../../src/seeding/index.js';
import { AnonymousRangeReader, SpanCache, baseS3Config } from '../../../src/storage/index.js';
import { magnetLink, prefixPieceLengthFor } from '../../../src/torrent/index.js';
import { PeerServer, encode } from '../../../src/wire/index.js';
import type { Swarm } from '../../../src/wire/index.js';
import { downloadWithLibtorrent } from '../../e2e/clients/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { BLOCK, PeerClient, torrentInfoOf } from '../../helpers/peerClient.js';
import { prefixTorrentsOf } from '../../helpers/prefixTorrents.js';
import type { PrefixFile, PrefixTorrents } from '../../helpers/prefixTorrents.js';

// Issue 14: the seeder alone serves a prefix torrent (one multi-file torrent whose files are S3
// objects) to a real client, reading every member with its own anonymous ranged GET (If-Match
// on its ETag) and never reading a pad; one member gone mid-download stops the whole swarm, and
// a revoked snapshot's peers are cut off: what the seeder had queued for them is never sent.

const KiB = 1024;
const BUCKET = 'open-data';
/**
 * Pieces a paused peer asks for (1 MiB at 256 KiB pieces): several times its receive buffer, well
 * inside what the kernel's buffers hold for one connection (Linux grows a send buffer to 4 MiB).
 */
const QUEUED_PIECES = 4;

/** Most a Node socket reads from the kernel at once (libuv's read buffer). */
const SOCKET_READ_BYTES = 64 * KiB;

/**
 * The TCP receive buffer a socket starts with (Linux: the middle of `net.ipv4.tcp_rmem`): a peer
 * that has not read since grows it no further, so that is all its kernel can have accepted.
 */
async function initialReceiveBuffer(): Promise<number> {
  const [, initial] = (await readFile('/proc/sys/net/ipv4/tcp_rmem', 'utf8')).trim().split(/\s+/).map(Number);
  if (initial === undefined || !Number.isSafeInteger(initial)) throw new Error('cannot read net.ipv4.tcp_rmem');
  return initial;
}
/** A download of a few MB from loopback takes seconds; this bounds a broken one. */
const RUN_TIMEOUT_MS = 60_000;

/** Awkward sizes around the 256 KiB piece length and the 16 KiB block, nested, one empty. */
const SIZES: ReadonlyArray<readonly [string, number]> = [
  ['README.txt', 1],
  ['empty.marker', 0],
  ['jan/a.csv', 16 * KiB - 1],
  ['jan/b.csv', 16 * KiB + 1],
  ['jan/deep/c.bin', 256 * KiB - 1],
  ['jan/deep/d.bin', 256 * KiB],
  ['feb/e.bin', 256 * KiB + 1],
  ['feb/f.bin', 700_001],
  ['feb/ü-g.bin', 1000],
  ['z.bin', 1024 * KiB + 333],
];

interface PublishedPrefix {
  readonly prefix: string;
  readonly files: PrefixFile[];
  readonly members: PrefixMember[];
  readonly torrents: PrefixTorrents;
  readonly record: PrefixRecord;
}

describe('Seeder: a prefix swarm served to python3-libtorrent from S3 objects (s3rver)', () => {
  let s3: S3rverHandle;
  let aws: AwsConfig;
  let publisher: S3Client;
  let dir: string;
  let cleanup: () => Promise<void>;
  const toClose: Array<() => unknown> = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('prefix-swarm'));
    s3 = await startS3rver({ port: 0, dataDir: join(dir, 's3') });
    aws = Object.freeze({ region: 'us-east-1', s3Endpoint: s3.endpoint, dynamoDbEndpoint: undefined, sqsEndpoint: undefined });
    publisher = new S3Client({ ...baseS3Config(aws), credentials: { ...LOCAL_CREDENTIALS } });
    await publisher.send(new CreateBucketCommand({ Bucket: BUCKET }));
  }, 60_000);

  afterAll(async () => {
    for (const close of toClose.reverse()) await close();
    publisher?.destroy();
    await s3?.stop();
    await cleanup?.();
  });

  /** Uploads the files under `prefix` and builds the snapshot's record and torrents as a prefix job would. */
  async function publishPrefix(prefix: string): Promise<PublishedPrefix> {
    const files = SIZES.map(([path, size]) => ({ path: path.split('/'), data: pseudoRandomBytes(size, prefix + path) }));
    const members: PrefixMember[] = [];
    for (const file of files) {
      const key = prefix + file.path.join('/');
      const put = await publisher.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: file.data }));
      members.push({ key, etag: put.ETag ?? '', size: file.data.length });
    }
    const totalSize = files.reduce((sum, file) => sum + file.data.length, 0);
    const pieceLength = prefixPieceLengthFor(totalSize);
    const name = prefix.split('/').at(-2) as string;
    const torrents = await prefixTorrentsOf(files, name, pieceLength);
    const stored = (bytes: Uint8Array, info: PrefixTorrents['v1Info']) => ({ infoHashV1: info.infoHashV1, infoHashV2: info.infoHashV2, inline: bytes, bytes: bytes.length });
    const now = new Date().toISOString();
    const record: PrefixRecord = {
      bucket: BUCKET, prefix, state: RecordState.Ready, snapshotId: hash('sha256', prefix, 'hex'), pieceLength, totalSize,
      memberCount: members.length, excludedCount: 0, membersDone: members.length,
      torrents: { v1: stored(torrents.v1, torrents.v1Info), hybrid: stored(torrents.hybrid, torrents.hybridInfo) },
      createdAt: now, updatedAt: now,
    };
    await writeFile(join(dir, `${name}.v1.torrent`), torrents.v1);
    await writeFile(join(dir, `${name}.hybrid.torrent`), torrents.hybrid);
    return { prefix, files, members, torrents, record };
  }

  interface PrefixSeeder {
    readonly peers: PeerServer;
    readonly directory: SwarmDirectory;
    /** Every member GET the seeder made: key, offset, length. */
    readonly gets: Array<{ key: string; offset: number; length: number }>;
    readonly stops: Array<{ swarm: Swarm; reason: string }>;
    /** Pieces roots (hex) of the files whose hash requests the seeder answered. */
    readonly hashRoots: ReadonlySet<string>;
  }

  /**
   * The seeder's directory and peer server on loopback, with the prefix's record in memory (the
   * lookup by infohash is the record store's) and its bytes read from S3 by the seeder's own
   * anonymous range reader. `beforeRead` runs before each member GET.
   */
  async function startPrefixSeeder(
    published: PublishedPrefix,
    cacheBytes: number,
    beforeRead?: (key: string) => Promise<void>,
    currentPrefix: () => PrefixRecord = () => published.record,
  ): Promise<PrefixSeeder> {
    const rangeReader = new AnonymousRangeReader(aws);
    const { record } = published;
    const torrents = record.torrents as NonNullable<PrefixRecord['torrents']>;
    const names = [torrents.v1.infoHashV1, torrents.hybrid.infoHashV1, (torrents.hybrid.infoHashV2 ?? '').slice(0, 40)];
    const gets: PrefixSeeder['gets'] = [];
    const stops: PrefixSeeder['stops'] = [];
    const source: SwarmSource = {
      findReady: async (hex): Promise<PublishedTarget | undefined> => (names.includes(hex) ? { kind: 'prefix', record, members: published.members } : undefined),
      current: async () => undefined,
      currentPrefix: async () => currentPrefix(),
      anonymousState: async () => 'public',
      torrentBytes: async (stored) => stored.inline ?? new Uint8Array(),
      fetch: async (object, offset, length, into) => {
        await beforeRead?.(object.key);
        gets.push({ key: object.key, offset, length });
        return rangeReader.read(object, offset, length, into);
      },
    };
    const directory = new SwarmDirectory({ source, cache: new SpanCache({ maxBytes: cacheBytes, maxFetches: 4 }), onStop: (swarm, reason) => stops.push({ swarm, reason }) });
    const peers = await PeerServer.start({
      hosts: ['127.0.0.1'],
      port: 0,
      resolve: (infoHash) => directory.lookup(infoHash.toString('hex')),
      readFailed: (swarm, error) => void stopOnReadFailure(swarm, error),
    });
    // The swarm made up front, as a first peer would, to count which files' hash trees peers ask for.
    const swarm = (await directory.lookup(names[0] as string))?.swarm as Swarm;
    const hashRoots = new Set<string>();
    const hashTree = swarm.torrent.hashTree.bind(swarm.torrent);
    swarm.torrent.hashTree = (piecesRoot) => {
      const tree = hashTree(piecesRoot);
      if (tree !== undefined) hashRoots.add(piecesRoot.toString('hex'));
      return tree;
    };
    toClose.push(async () => {
      directory.stopAll('test over');
      await peers.close();
      rangeReader.destroy();
    });
    return { peers, directory, gets, stops, hashRoots };
  }

  it.each([
    ['a v1 .torrent', 'v1'],
    ['a hybrid .torrent', 'hybrid'],
    // No piece layers in a magnet: libtorrent asks the seeder for each file's (BEP 52 hash requests) after the metadata (BEP 9).
    ['a v2 magnet', 'magnet'],
  ] as const)('downloads every file of a prefix from %s, from the seeder alone, sha-256 checked', async (_label, form) => {
    const published = await publishPrefix(`datasets/${form}-2026/`);
    const seeder = await startPrefixSeeder(published, 64 * 1024 * KiB);
    const name = `${form}-2026`;
    const source = form === 'magnet'
      ? { magnet: magnetLink({ infoHashV2: published.torrents.hybridInfo.infoHashV2, name }) }
      : { torrentFile: join(dir, `${name}.${form}.torrent`) };
    const saved = await downloadWithLibtorrent(
      source,
      { outDir: join(dir, `out-${form}`), timeoutMs: RUN_TIMEOUT_MS, label: form },
      { peer: { host: '127.0.0.1', port: seeder.peers.listenPort }, noTrackers: true },
    );
    for (const file of published.files) {
      const path = join(saved, ...file.path);
      if (file.data.length === 0) {
        // libtorrent creates empty files when it completes the torrent.
        expect((await stat(path)).size).toBe(0);
        continue;
      }
      expect(hash('sha256', await readFile(path), 'hex')).toBe(hash('sha256', file.data, 'hex'));
    }
    // Every GET is inside its member (no pad, no empty file is ever read), each member read whole.
    const sizes = new Map(published.members.map((member) => [member.key, member.size]));
    const read = new Map<string, number>();
    for (const get of seeder.gets) {
      expect(get.offset + get.length).toBeLessThanOrEqual(sizes.get(get.key) ?? 0);
      read.set(get.key, (read.get(get.key) ?? 0) + get.length);
    }
    expect(Object.fromEntries(read)).toEqual(Object.fromEntries(published.members.filter((m) => m.size > 0).map((m) => [m.key, m.size])));
    expect(seeder.stops).toEqual([]);
    if (form === 'magnet') {
      // Each file of more than one piece had its own piece layer asked for, and answered.
      const layered = [...(published.torrents.hybridInfo.pieceLayers as Map<Uint8Array, Uint8Array>).keys()].map((root) => Buffer.from(root).toString('hex'));
      expect([...seeder.hashRoots].sort()).toEqual(layered.sort());
    }
  }, 120_000);

  it('stops the whole swarm when a member is deleted mid-download, and serves no byte after', async () => {
    const published = await publishPrefix('datasets/withdrawn-2026/');
    const victim = `${published.prefix}z.bin`;
    // The victim's reads wait until another member was read (the download is under way), then
    // find it deleted: S3 answers 404 to the seeder's GET.
    let otherRead: () => void = () => undefined;
    const underWay = new Promise<void>((resolve) => {
      otherRead = resolve;
    });
    let deleted: Promise<unknown> | undefined;
    const seeder = await startPrefixSeeder(published, 1024 * KiB, async (key) => {
      if (key !== victim) {
        otherRead();
        return;
      }
      await underWay;
      deleted ??= publisher.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: victim }));
      await deleted;
    });
    const stopped = new AbortController();
    const download = downloadWithLibtorrent(
      { torrentFile: join(dir, 'withdrawn-2026.hybrid.torrent') },
      { outDir: join(dir, 'out-withdrawn'), timeoutMs: RUN_TIMEOUT_MS, label: 'withdrawn', abort: stopped.signal },
      { peer: { host: '127.0.0.1', port: seeder.peers.listenPort }, noTrackers: true },
    ).then(() => 'completed', () => 'did not complete');
    // Bounded by the run's own timeout: the client ends one way or the other.
    const until = Date.now() + RUN_TIMEOUT_MS;
    while (seeder.stops.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    stopped.abort();
    expect(await download).toBe('did not complete');
    expect(seeder.stops.map((stop) => stop.reason)).toEqual(['object no longer anonymously readable']);
    const swarm = seeder.stops[0]?.swarm as Swarm;
    expect(swarm.served.bytes).toBeGreaterThan(0); // other members went out first
    expect(swarm.served.afterStopBytes).toBe(0);
    expect(await seeder.directory.lookup(published.torrents.v1Info.infoHashV1)).toBeUndefined();
  }, 120_000);

  it('cuts a slow peer off when the snapshot is revoked: what the seeder had queued for it is dropped, not sent after', async () => {
    const published = await publishPrefix('datasets/revoked-2026/');
    let current = published.record;
    const seeder = await startPrefixSeeder(published, 64 * 1024 * KiB, undefined, () => current);
    const torrent = torrentInfoOf(published.torrents.v1);
    const opened = await PeerClient.open({ port: seeder.peers.listenPort, torrent });
    if (!opened.ok) throw new Error(opened.detail);
    const { client } = opened;
    toClose.push(() => client.close());
    client.interested();
    expect((await client.waitForUnchoke()).ok).toBe(true);
    // A peer that reads nothing more: every block asked for ends up in the kernel's buffers
    // (the seeder's send buffer, the peer's receive buffer), as for a rate-capped client.
    client.pause();
    const requested = QUEUED_PIECES * torrent.pieceLength;
    for (let index = 0; index < QUEUED_PIECES; index += 1) {
      for (let begin = 0; begin < torrent.pieceLength; begin += BLOCK) client.send(encode.request({ index, begin, length: BLOCK }));
    }
    const swarm = (await seeder.directory.lookup(torrent.infoHash.toString('hex')))?.swarm as Swarm;
    // Every block read and its write completed: all of it is in the kernel's hands, none read by the peer.
    const until = Date.now() + RUN_TIMEOUT_MS;
    while ((swarm.served.bytes < requested || seeder.peers.blockBytesInFlight > 0) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    expect({ served: swarm.served.bytes, inFlight: seeder.peers.blockBytesInFlight }).toEqual({ served: requested, inFlight: 0 });
    const blocksBeforeStop = client.blocksReceived;

    // The change feed (or the safety net) finds the prefix record REVOKED: the swarm stops.
    current = { ...published.record, state: RecordState.Revoked, reason: 'member made private' };
    await seeder.directory.revalidate([swarm]);
    expect(swarm.active).toBe(false);
    expect(swarm.memberCount).toBe(0);
    expect(seeder.peers.connectionCount).toBe(0);

    // The peer reads again: it finds at most what had reached it before the stop (its kernel's
    // receive buffer, at its initial size while it has not read, and the one read its process
    // made as it paused), never the rest of the 1 MiB.
    client.resume();
    expect(await client.waitClosed(RUN_TIMEOUT_MS)).toBe(true);
    const reachedBeforeStop = (await initialReceiveBuffer()) + SOCKET_READ_BYTES;
    expect(requested).toBeGreaterThan(4 * reachedBeforeStop);
    expect((client.blocksReceived - blocksBeforeStop) * BLOCK).toBeLessThanOrEqual(reachedBeforeStop);
    expect(swarm.served.afterStopBytes).toBe(0);
    expect(await seeder.directory.lookup(torrent.infoHash.toString('hex'))).toBeUndefined();
  }, 120_000);
});
