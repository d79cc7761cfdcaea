// The trackers the tracker bench loads, each alone in its own process (optionally pinned to one
// CPU): ours (src/tracker bundled by esbuild, as the seeder ships it), opentracker (Debian's,
// C) and bittorrent-tracker (npm). Every one serves the same whitelist of infohashes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:dgram';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { PROJECT_ROOT } from './config.js';

const HOST = '127.0.0.1';
/** Longest wait for a tracker to answer a connect after it starts. */
const START_TIMEOUT_MS = 15_000;
const OPENTRACKER = '/usr/bin/opentracker';
const PROTOCOL_ID = 0x41727101980n;

type TargetId = 'ours' | 'ours-shared' | 'opentracker' | 'bittorrent-tracker';

/** Our tracker alone in a process, as the seeder would start it; `BUNDLE` is src/tracker bundled by esbuild. */
const OURS_CHILD = `
const { TrackerServer, swarmStoreOptionsFrom } = await import(process.env.BUNDLE);
const SERVED = new Set(process.env.HASHES.split(','));
// One array, as the seeder passes: the tracker re-encodes the seeder's address only when it changes.
const SEEDERS = [{ ip: ${JSON.stringify(HOST)}, port: 6881 }];
const tracker = await TrackerServer.start({
  hosts: [${JSON.stringify(HOST)}], port: Number(process.env.PORT),
  registry: { isServable: async (hex) => SERVED.has(hex) },
  seeders: () => SEEDERS,
  // With STORE_URL: synced with a shared swarm store, as one of several seeder tasks.
  sharedStore: process.env.STORE_URL ? swarmStoreOptionsFrom(process.env.STORE_URL) : undefined,
});
process.on('SIGTERM', () => void tracker.close().then(() => process.exit(0)));
`;

/** bittorrent-tracker 11 with UDP only and the same whitelist. */
const BITTORRENT_TRACKER_CHILD = `
const { default: Server } = await import('bittorrent-tracker/server');
const SERVED = new Set(process.env.HASHES.split(','));
const server = new Server({ http: false, ws: false, udp: true, stats: false,
  filter: (infoHash, params, cb) => cb(SERVED.has(infoHash) ? null : new Error('not whitelisted')) });
server.on('warning', () => {});
server.on('error', (error) => { console.error(error.message); process.exit(1); });
server.listen(Number(process.env.PORT), { udp: ${JSON.stringify(HOST)}, udp6: '::1' });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** `command args`, under `taskset -c cpu` when a CPU is given (taskset execs it: same pid). */
function spawnOn(cpu: number | undefined, command: string, args: readonly string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return cpu === undefined ? spawn(command, args, options) : spawn('taskset', ['-c', String(cpu), command, ...args], options);
}

/** A Node child running `code` as an ES module. */
function startNode(code: string, env: Readonly<Record<string, string>>, cpu?: number): ChildProcess {
  return spawnOn(cpu, process.execPath, ['--input-type=module', '-e', code], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Bundles src/tracker as `npm run build` bundles the seeder (esbuild, ESM, node20): tsx would
 * run it with esbuild's keepNames, whose per-closure `__name` calls are not what ships.
 */
async function bundleOurs(dir: string): Promise<void> {
  const outfile = join(dir, 'tracker.mjs');
  await build({ entryPoints: [join(PROJECT_ROOT, 'src', 'tracker', 'index.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
}

/** Starts one tracker on `port` serving `hashes` (hex), on `cpu` when given; `ours-shared` syncs with the store at `storeUrl`. */
function startTarget(id: TargetId, port: number, dir: string, hashes: readonly string[], cpu?: number, storeUrl?: string): ChildProcess {
  const env = { PORT: String(port), HASHES: hashes.join(',') };
  if (id === 'ours') return startNode(OURS_CHILD, { ...env, BUNDLE: pathToFileURL(join(dir, 'tracker.mjs')).href }, cpu);
  if (id === 'ours-shared') {
    if (storeUrl === undefined) throw new Error('no redis-server for the shared store');
    return startNode(OURS_CHILD, { ...env, BUNDLE: pathToFileURL(join(dir, 'tracker.mjs')).href, STORE_URL: storeUrl }, cpu);
  }
  if (id === 'bittorrent-tracker') return startNode(BITTORRENT_TRACKER_CHILD, env, cpu);
  // opentracker chroots to -d and reads the whitelist (hex infohashes, one a line) from there,
  // after dropping to user nobody: the directory must be world-readable, or every torrent is
  // refused (with 8-byte announce replies, no error).
  const root = join(dir, 'opentracker');
  mkdirSync(root, { recursive: true, mode: 0o755 });
  chmodSync(root, 0o755);
  writeFileSync(join(root, 'whitelist.txt'), hashes.map((hash) => `${hash}\n`).join(''), { mode: 0o644 });
  return spawnOn(cpu, OPENTRACKER, ['-i', HOST, '-p', String(port), '-P', String(port), '-d', root, '-w', 'whitelist.txt'], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Sends one datagram and waits up to `timeoutMs` for a reply to the same transaction. */
async function exchange(socket: Socket, port: number, packet: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  const transactionId = packet.readUInt32BE(12);
  return new Promise((resolve) => {
    const onMessage = (reply: Buffer): void => {
      if (reply.length >= 8 && reply.readUInt32BE(4) === transactionId) finish(reply);
    };
    const finish = (reply: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(reply);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.on('message', onMessage);
    socket.send(packet, port, HOST);
  });
}

function connectPacket(transactionId: number): Buffer {
  const packet = Buffer.alloc(16);
  packet.writeBigUInt64BE(PROTOCOL_ID, 0);
  packet.writeUInt32BE(transactionId, 12);
  return packet;
}

/** A connection id from the tracker, retrying until it answers or START_TIMEOUT_MS passes. */
async function connectionId(socket: Socket, port: number, child: ChildProcess): Promise<Buffer> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let attempt = 1; Date.now() < deadline; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const reply = await exchange(socket, port, connectPacket(attempt), 250);
    if (reply !== undefined && reply.length >= 16 && reply.readUInt32BE(0) === 0) return reply.subarray(8, 16);
  }
  throw new Error(`no connect reply within ${START_TIMEOUT_MS} ms`);
}

/** The tracker process's CPU seconds so far (all threads), from /proc; undefined elsewhere. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  if ((await Promise.race([exited.then(() => true), sleep(3_000).then(() => false)])) === false) {
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(3_000)]);
  }
}

export { HOST, PROTOCOL_ID, bundleOurs, connectionId, processCpuSeconds, startNode, startTarget, stop };
export type { TargetId };
