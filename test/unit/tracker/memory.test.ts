// The tracker's memory budget is only as true as its per-peer and per-swarm prices: this fills a
// SwarmTable (bundled by esbuild, as the seeder ships it) with a million peers in a child
// process run with --expose-gc, and compares the heap it grew by after a full gc with what the
// budget counted. Memory, not time: nothing here depends on the machine's speed.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** The goal: a million peers in at most this much tracker state. */
const GOAL_BYTES = 256 * 1024 * 1024;

/** Longest a fill may take; a million announces take a few seconds. */
const CHILD_TIMEOUT_MS = 120_000;

/** One fill: `torrents` swarms of `peersEach` peers of one family, half of them seeds. */
interface Fill {
  readonly torrents: number;
  readonly peersEach: number;
  readonly family: 4 | 6;
}

interface Measured {
  /** Heap growth after gc, bytes. */
  readonly grown: number;
  /** What the budget counted. */
  readonly counted: number;
  readonly peers: number;
  readonly torrents: number;
}

const CHILD = `
const { SwarmTable } = await import(process.env.BUNDLE);
const { torrents, peersEach, family } = JSON.parse(process.env.FILL);
const heap = () => { globalThis.gc(); globalThis.gc(); const m = process.memoryUsage(); return m.heapUsed + m.external; };
const table = new SwarmTable({ memoryBytes: 2 ** 40, peerTtlMs: 1e12 });
const before = heap();
let n = 0;
for (let t = 0; t < torrents; t += 1) {
  for (let p = 0; p < peersEach; p += 1) {
    n += 1;
    // A fresh infohash string per announce, as a parsed request brings one.
    const hex = (t.toString(16).padStart(8, '0') + 'ab'.repeat(16)).slice(0, 40);
    const key = family === 4
      ? (0x0a000000 + n) * 65536 + (n % 60000) + 1
      : String.fromCharCode(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255, 0, 0, 0x1a, 0xe1);
    table.announce(hex, { family, key, seed: n % 2 === 0 }, 'started', 1000 + n);
  }
}
const after = heap();
const stats = table.stats();
process.stdout.write(JSON.stringify({ grown: after - before, counted: stats.memoryBytes, peers: stats.peers, torrents: stats.torrents }));
`;

async function measure(bundle: string, fill: Fill): Promise<Measured> {
  const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=4096', '--input-type=module', '-e', CHILD], {
    env: { ...process.env, BUNDLE: pathToFileURL(bundle).href, FILL: JSON.stringify(fill) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`fill ${JSON.stringify(fill)} exited ${code}: ${err}`);
  return JSON.parse(out) as Measured;
}

describe('SwarmTable memory', () => {
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-torrent-tracker-memory-'));
    bundle = join(dir, 'SwarmTable.mjs');
    await build({ entryPoints: [join(process.cwd(), 'src', 'tracker', 'SwarmTable.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each<[string, Fill]>([
    ['a million IPv4 peers in 1,000 torrents', { torrents: 1000, peersEach: 1000, family: 4 }],
    ['a million IPv4 peers in one torrent', { torrents: 1, peersEach: 1_000_000, family: 4 }],
    // Just past a doubling of each swarm's key index and list: the most slack a peer carries.
    ['a million IPv4 peers in 950 torrents of 1,053', { torrents: 950, peersEach: 1053, family: 4 }],
    ['a million IPv4 peers in 62,500 torrents of 16', { torrents: 62_500, peersEach: 16, family: 4 }],
    ['a million IPv4 peers in 250,000 torrents of 4', { torrents: 250_000, peersEach: 4, family: 4 }],
    ['a million IPv4 peers in a million torrents of 1', { torrents: 1_000_000, peersEach: 1, family: 4 }],
    ['300,000 IPv6 peers in 300 torrents', { torrents: 300, peersEach: 1000, family: 6 }],
    ['300,000 IPv6 peers in 285 torrents of 1,053', { torrents: 285, peersEach: 1053, family: 6 }],
  ])('holds %s within what the budget counts', async (_name, fill) => {
    const measured = await measure(bundle, fill);
    process.stderr.write(`${_name}: heap grew ${(measured.grown / 1048576).toFixed(1)} MiB (${(measured.grown / measured.peers).toFixed(1)} B a peer), budget counted ${(measured.counted / 1048576).toFixed(1)} MiB\n`);
    expect(measured.peers).toBe(fill.torrents * fill.peersEach);
    expect(measured.grown).toBeLessThanOrEqual(measured.counted);
    if (fill.family === 4 && fill.peersEach >= 4) expect(measured.counted).toBeLessThanOrEqual(GOAL_BYTES);
  });
});
