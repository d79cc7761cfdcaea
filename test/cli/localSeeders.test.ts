import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeLocalStackPorts } from '../../src/local/localConfig.js';
import { pseudoRandomBytes, tempDir } from '../helpers/files.js';
import { eventually } from '../integration/flow/localStackHarness.js';
import { killStack, startStackProcess, uploadToStack } from '../integration/flow/stackProcess.js';
import type { RunningStack } from '../integration/flow/stackProcess.js';
import { announceQuery, bdict, compactPeers, httpGet } from '../integration/tracker/trackerClients.js';

// `s3-torrent local --seeders 2` as a user runs it (dist/): two seeder/trackers sharing one
// redis-server the stack starts; a peer announced to the first tracker is handed out by the
// second, and Ctrl-C stops the store with the rest.

const KEY = 'shared/seeders.bin';
const PROPAGATION_BOUND_MS = 2_000;
const TEST_TIMEOUT_MS = 300_000;

async function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('CLI: s3-torrent local --seeders 2', () => {
  let stack: RunningStack | undefined;
  let cleanup: () => Promise<void>;

  afterAll(async () => {
    if (stack !== undefined) await killStack(stack, 'SIGKILL');
    await cleanup?.();
  });

  it('runs two trackers that hand out each other\'s peers, and stops the store on Ctrl-C', async () => {
    const made = await tempDir('cli-local-seeders');
    cleanup = made.cleanup;
    const ports = await freeLocalStackPorts();
    stack = await startStackProcess(join(made.dir, 'data'), ports.env, { args: ['--seeders', '2'] });
    const running = stack;
    const trackers = (running.ready['trackers'] ?? '').split(';').map((pair) => pair.split(',')[0] ?? '');
    const store = running.ready['swarm-store'] ?? '';
    expect(trackers).toHaveLength(2);
    expect(store).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    // The torrents announce to the first tracker.
    expect(running.ready['tracker']?.split(',')[0]).toBe(trackers[0]);

    await uploadToStack(running, 'public', KEY, pseudoRandomBytes(200_000, 'local-seeders'));
    const infoHash = await eventually(async () => {
      const reply = await fetch(`${running.ready['api'] ?? ''}/public/${KEY}?torrent`);
      await reply.arrayBuffer();
      return reply.status === 200 ? reply.headers.get('x-s3torrent-infohash-v1') ?? undefined : undefined;
    }, 60_000);
    const announce = async (trackerUrl: string, port: number): Promise<string[]> => {
      const { hostname, port: trackerPort, pathname } = new URL(trackerUrl);
      const reply = await httpGet(hostname, Number(trackerPort), `${pathname}?${announceQuery({ infoHash: Buffer.from(infoHash, 'hex'), port })}`);
      return compactPeers(bdict(reply.body).get('peers') as Uint8Array, 6);
    };
    await announce(trackers[0] ?? '', 7201);
    const deadline = Date.now() + PROPAGATION_BOUND_MS;
    let seen = await announce(trackers[1] ?? '', 7202);
    while (!seen.includes('127.0.0.1:7201') && Date.now() < deadline) {
      await sleep(50);
      seen = await announce(trackers[1] ?? '', 7202);
    }
    expect(seen).toContain('127.0.0.1:7201');
    // (stderr arrives in chunks, not lines.)
    expect(running.output.join('\n').match(/^seeder( 2)?: shared swarm store connected$/gm)?.sort()).toEqual(['seeder 2: shared swarm store connected', 'seeder: shared swarm store connected']);

    const exited = new Promise<number | null>((resolve) => running.child.once('exit', (code) => resolve(code)));
    await killStack(running, 'SIGINT');
    expect(await exited).toBe(0);
    expect(await refusesConnections(store)).toBe(true);
  }, TEST_TIMEOUT_MS);
});
