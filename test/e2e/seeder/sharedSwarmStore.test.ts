import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis } from '../../../src/local/index.js';
import type { LocalStack, RedisHandle } from '../../../src/local/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { fetchWhenReady, startTestStack, torrentUrl, upload } from '../../integration/flow/localStackHarness.js';
import { announceQuery, bdict, compactPeers, httpGet } from '../../integration/tracker/trackerClients.js';
import { startSeederService, stopSeederService } from './seederService.js';
import type { SeederService } from './seederService.js';

// Two seeder services as the containers run them (dist/seeder.js, configured by their
// environment), one redis-server as their S3TORRENT_SWARM_STORE: a peer announced to one task is
// returned by the other; with the store killed, both log one warning and keep answering.

const KEY = 'shared/object.bin';

/** The sync's 200 ms flush and 500 ms pull, with slack for a loaded machine. */
const PROPAGATION_BOUND_MS = 2_000;
const POLL_MS = 50;

describe('Seeder services sharing one swarm store (dist/seeder.js ×2, redis-server)', () => {
  let stack: LocalStack;
  let root: string;
  let cleanup: () => Promise<void>;
  let redis: RedisHandle;
  const services: SeederService[] = [];
  let infoHash: Buffer;

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('e2e-shared-store'));
    stack = await startTestStack(join(root, 'stack'), { env: { S3TORRENT_LOCAL_SEEDER: 'off' } });
    await upload(stack, KEY, pseudoRandomBytes(300_000, 'shared-store'));
    const reply = await fetchWhenReady(torrentUrl(stack, KEY));
    infoHash = Buffer.from(reply.headers.get('x-s3torrent-infohash-v1') ?? '', 'hex');
    redis = await startRedis();
    for (let i = 0; i < 2; i += 1) services.push(await startSeederService({ ...stack, env: { S3TORRENT_SWARM_STORE: redis.url } }, process.execPath));
  }, 120_000);

  afterAll(async () => {
    for (const service of services) service.child.kill('SIGKILL');
    await redis?.stop();
    await stack?.stop();
    await cleanup?.();
  });

  async function announce(service: SeederService, port: number, event?: string): Promise<string[]> {
    const reply = await httpGet('127.0.0.1', service.trackerPort, `/announce?${announceQuery({ infoHash, port, event, numwant: 50 })}`);
    expect(reply.status).toBe(200);
    const dict = bdict(reply.body);
    expect(dict.get('failure reason')).toBeUndefined();
    // The seeder's own address comes first in every reply; the others are what this is about.
    return compactPeers(dict.get('peers') as Uint8Array, 6).filter((peer) => peer !== `127.0.0.1:${service.peerPort}`);
  }

  async function announceUntil(service: SeederService, port: number, done: (peers: string[]) => boolean): Promise<string[]> {
    const deadline = Date.now() + PROPAGATION_BOUND_MS;
    for (;;) {
      const peers = await announce(service, port);
      if (done(peers) || Date.now() > deadline) return peers;
      await sleep(POLL_MS);
    }
  }

  // Powertools writes warnings to stderr.
  const warnings = (service: SeederService): string[] => service.stderr.filter((line) => line.includes('"WARN"') && line.includes('shared swarm store'));

  it('returns a peer announced to one task from the other', async () => {
    const [a, b] = services as [SeederService, SeederService];
    await announce(a, 7101, 'started');
    expect(await announceUntil(b, 7102, (peers) => peers.includes('127.0.0.1:7101'))).toEqual(['127.0.0.1:7101']);
    expect(await announceUntil(a, 7101, (peers) => peers.includes('127.0.0.1:7102'))).toEqual(['127.0.0.1:7102']);
  });

  it('logs one warning per task when the store dies, keeps answering, and exits cleanly', async () => {
    const [a, b] = services as [SeederService, SeederService];
    await redis.stop();
    const deadline = Date.now() + 10_000;
    while ((warnings(a).length === 0 || warnings(b).length === 0) && Date.now() < deadline) await sleep(POLL_MS);
    await announce(a, 7103, 'started');
    for (let i = 0; i < 5; i += 1) {
      expect((await announce(a, 7104)).sort()).toEqual(['127.0.0.1:7101', '127.0.0.1:7102', '127.0.0.1:7103']);
      await sleep(200);
    }
    expect([warnings(a).length, warnings(b).length]).toEqual([1, 1]);
    expect(await Promise.all(services.splice(0).map(stopSeederService))).toEqual([0, 0]);
  });
});
