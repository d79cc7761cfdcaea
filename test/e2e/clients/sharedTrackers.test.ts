import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRedis } from '../../../src/local/index.js';
import type { RedisHandle } from '../../../src/local/index.js';
import { TrackerServer, swarmStoreOptionsFrom } from '../../../src/tracker/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { downloadWithAria2c, downloadWithLibtorrent, makeTorrent, seedWithLibtorrent } from './index.js';
import type { RunningSeeder } from './index.js';

// Real clients, two tracker tasks sharing one redis-server: the only peer with the data announces
// to tracker B; the downloaders know tracker A alone. They can finish only if A hands out the peer
// B was told of: nothing else (no seeder, no webseed, no DHT/LSD/PEX) would bring them together.

const FILE_SIZE = 1536 * 1024 + 321;
const PIECE_LENGTH = 256 * 1024;
const RUN_TIMEOUT_MS = 60_000;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('Real clients, two tracker tasks, one shared store', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let redis: RedisHandle;
  const trackers: TrackerServer[] = [];
  let seed: RunningSeeder | undefined;

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('e2e-shared-trackers'));
    redis = await startRedis();
    for (let i = 0; i < 2; i += 1) {
      trackers.push(await TrackerServer.start({
        hosts: ['127.0.0.1'],
        port: 0,
        // Any torrent: this is about the trackers, not the registry.
        registry: { isServable: async () => true },
        seeders: () => [],
        sharedStore: swarmStoreOptionsFrom(redis.url),
      }));
    }
  }, 60_000);

  afterAll(async () => {
    await seed?.stop();
    await Promise.all(trackers.map(async (t) => t.close()));
    await redis?.stop();
    await cleanup?.();
  });

  it('aria2c and libtorrent told of tracker A download from a peer that announced to tracker B only', async () => {
    const [a, b] = trackers as [TrackerServer, TrackerServer];
    const data = pseudoRandomBytes(FILE_SIZE, 'shared-trackers');
    const dataDir = join(root, 'seed');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'object.bin'), data);
    // Same info dict, so the same infohash; only the announce URL differs.
    const toB = await makeTorrent(join(dataDir, 'object.bin'), { tool: 'mktorrent', pieceLength: PIECE_LENGTH, outFile: join(root, 'b.torrent'), trackers: [b.announceUrls('127.0.0.1').http] });
    const toA = await makeTorrent(join(dataDir, 'object.bin'), { tool: 'mktorrent', pieceLength: PIECE_LENGTH, outFile: join(root, 'a.torrent'), trackers: [a.announceUrls('127.0.0.1').http] });
    expect(toA.infoHashV1).toBe(toB.infoHashV1);
    seed = await seedWithLibtorrent(toB.torrentFile, dataDir);

    const [byAria2c, byLibtorrent] = await Promise.all([
      downloadWithAria2c({ torrentFile: toA.torrentFile }, { outDir: join(root, 'aria2c'), timeoutMs: RUN_TIMEOUT_MS }),
      downloadWithLibtorrent({ torrentFile: toA.torrentFile }, { outDir: join(root, 'libtorrent'), timeoutMs: RUN_TIMEOUT_MS }),
    ]);
    expect(sha256(await readFile(byAria2c))).toBe(sha256(data));
    expect(sha256(await readFile(byLibtorrent))).toBe(sha256(data));
  }, 180_000);
});
