// The tracker part of `npm run bench`: UDP announces per second that our tracker serves against
// opentracker and bittorrent-tracker. Headline: the realistic announce mix (bench/trackerMix.ts,
// a load generator in its own process, the tracker pinned to one CPU). Then the easy case, from
// this process: one torrent, 1,000 recurring peers, one connection id. Each tracker runs in its
// own process, so none shares an event loop with a generator; they take turns each run.
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeLoopbackPort } from '../src/local/ports.js';
import { startRedis } from '../src/local/startRedis.js';
import type { RedisHandle } from '../src/local/startRedis.js';
import { measuredRuns } from './config.js';
import { median } from './measure.js';
import { printMix, runMixRounds } from './trackerMix.js';
import { HOST, bundleOurs, connectionId, processCpuSeconds, startTarget, stop } from './trackerTargets.js';
import type { TargetId } from './trackerTargets.js';

/** The one whitelisted torrent every announce is for. */
const INFO_HASH_HEX = '5eed'.repeat(10);
/** Distinct peers (peer id and port) the generator cycles through: a full swarm of ours, no evictions. */
const PEERS = 1000;
/** Peers asked for per announce, set explicitly: the trackers' defaults differ (50 or 200). */
const NUMWANT = 50;
/** Announces in flight at once: enough to keep a tracker busy, few enough not to overflow socket buffers. */
const OUTSTANDING = 256;
/** A request unanswered this long is counted lost and its slot reused. */
const LOST_AFTER_MS = 1_000;
/** Unmeasured announces before each measurement: the swarm fills and JITs warm up. */
const WARMUP_MS = 1_000;
const GOAL_VS_OPENTRACKER = 0.5;
const GOAL_VS_BITTORRENT_TRACKER = 2;

/** Seconds of each measurement; BENCH_TRACKER_SECONDS overrides. */
function measureSeconds(): number {
  const text = process.env['BENCH_TRACKER_SECONDS'];
  const seconds = text === undefined || text === '' ? 10 : Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) throw new Error(`BENCH_TRACKER_SECONDS must be an integer from 1 to 600, not "${text}"`);
  return seconds;
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** One announce template per peer: its id and port differ, the rest is the same. */
function announceTemplates(): Buffer[] {
  const hash = Buffer.from(INFO_HASH_HEX, 'hex');
  return Array.from({ length: PEERS }, (_, i) => {
    const packet = Buffer.alloc(98);
    packet.writeUInt32BE(1, 8);
    hash.copy(packet, 16);
    packet.write(`-BN0001-${String(i).padStart(12, '0')}`, 36, 'latin1');
    packet.writeBigUInt64BE(BigInt(1 + (i % 7)) * 1_000_000n, 64);
    // Event 0 (none): regular re-announces; a tracker adds an unknown peer on one all the same.
    packet.writeInt32BE(NUMWANT, 92);
    packet.writeUInt16BE(20_000 + i, 96);
    return packet;
  });
}

interface LoadResult {
  readonly announcesPerSecond: number;
  readonly peersPerReply: number;
  readonly errors: number;
  readonly lost: number;
  readonly firstError: string | undefined;
  /** CPU seconds the tracker process used per second of measurement (1 = one core busy). */
  readonly trackerCores: number | undefined;
  /** Commands the shared store (redis-server) processed per second of measurement; undefined without one. */
  readonly storeOpsPerSecond: number | undefined;
}

/** What redis-server has processed so far (INFO stats), over a short-lived connection. */
async function storeCommands(store: RedisHandle): Promise<number> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port: store.port });
    let text = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('INFO timed out')));
    socket.on('error', reject);
    socket.on('connect', () => socket.write('*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n'));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      const found = /total_commands_processed:(\d+)/.exec(text);
      if (found === null) return;
      socket.destroy();
      resolve(Number(found[1]));
    });
  });
}

/**
 * Keeps OUTSTANDING announces in flight for WARMUP_MS then `seconds`, counting the announce
 * replies that arrive in the measured window.
 */
async function drive(socket: Socket, port: number, id: Buffer, seconds: number, pid: number | undefined, store: RedisHandle | undefined): Promise<LoadResult> {
  const templates = announceTemplates();
  const inFlight = new Map<number, number>();
  let nextTransaction = 1;
  let nextPeer = 0;
  let sending = true;
  let measuring = false;
  let announces = 0;
  let peerBytes = 0;
  let errors = 0;
  let lost = 0;
  let firstError: string | undefined;
  const fill = (): void => {
    while (sending && inFlight.size < OUTSTANDING) {
      const packet = Buffer.from(templates[nextPeer] as Buffer);
      nextPeer = (nextPeer + 1) % PEERS;
      id.copy(packet, 0);
      const transactionId = nextTransaction;
      nextTransaction = (nextTransaction + 1) >>> 0;
      packet.writeUInt32BE(transactionId, 12);
      inFlight.set(transactionId, Date.now());
      socket.send(packet, port, HOST);
    }
  };
  const onMessage = (reply: Buffer): void => {
    if (reply.length < 8 || !inFlight.delete(reply.readUInt32BE(4))) return;
    fill();
    if (!measuring) return;
    const action = reply.readUInt32BE(0);
    if (action === 1 && reply.length >= 20) {
      announces += 1;
      peerBytes += reply.length - 20;
    } else {
      // An error, or (opentracker, for a torrent off its whitelist) an announce reply without its head.
      errors += 1;
      firstError ??= action === 3 ? reply.subarray(8).toString() : `action ${action}, ${reply.length} bytes`;
    }
  };
  socket.on('message', onMessage);
  const reaper = setInterval(() => {
    const cutoff = Date.now() - LOST_AFTER_MS;
    for (const [transactionId, sentAt] of inFlight) {
      if (sentAt >= cutoff) break;
      inFlight.delete(transactionId);
      if (measuring) lost += 1;
    }
    fill();
  }, 100);
  try {
    fill();
    await sleep(WARMUP_MS);
    const storeBefore = store === undefined ? undefined : await storeCommands(store);
    const cpuBefore = processCpuSeconds(pid);
    const started = performance.now();
    measuring = true;
    await sleep(seconds * 1000);
    measuring = false;
    const elapsed = (performance.now() - started) / 1000;
    const cpuAfter = processCpuSeconds(pid);
    const storeAfter = store === undefined ? undefined : await storeCommands(store);
    sending = false;
    await sleep(LOST_AFTER_MS);
    return {
      announcesPerSecond: announces / elapsed,
      peersPerReply: announces === 0 ? 0 : peerBytes / 6 / announces,
      errors,
      lost,
      firstError,
      trackerCores: cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / elapsed,
      storeOpsPerSecond: storeBefore === undefined || storeAfter === undefined ? undefined : (storeAfter - storeBefore) / elapsed,
    };
  } finally {
    clearInterval(reaper);
    socket.off('message', onMessage);
  }
}

/** Starts a tracker, loads it, stops it. */
async function measureTarget(id: TargetId, seconds: number, dir: string, children: Set<ChildProcess>, store: RedisHandle | undefined): Promise<LoadResult> {
  const port = await freeLoopbackPort();
  const child = startTarget(id, port, dir, [INFO_HASH_HEX], undefined, id === 'ours-shared' ? store?.url : undefined);
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
    socket.setRecvBufferSize(4 * 1024 * 1024);
    const connection = await connectionId(socket, port, child).catch((error: unknown) => {
      throw new Error(`${id} did not start: ${error instanceof Error ? error.message : String(error)}${stderr === '' ? '' : `; it printed: ${stderr.trim()}`}`);
    });
    return await drive(socket, port, connection, seconds, child.pid, id === 'ours-shared' ? store : undefined);
  } finally {
    socket.close();
    await stop(child);
    children.delete(child);
  }
}

const TARGETS: readonly { readonly id: TargetId; readonly label: string }[] = [
  { id: 'ours', label: 'ours (src/tracker, Node, esbuild bundle)' },
  { id: 'ours-shared', label: 'ours with shared store (synced to redis-server, as one of several tasks)' },
  { id: 'opentracker', label: 'opentracker (Debian package, C)' },
  { id: 'bittorrent-tracker', label: 'bittorrent-tracker 11 (npm, Node)' },
];

function verdict(ratio: number | undefined, goal: number): string {
  if (ratio === undefined) return 'NOT MEASURED';
  return ratio >= goal ? 'met' : 'NOT MET';
}

/** Runs the tracker bench and prints its report; resolves to the exit code (1: our tracker failed). */
async function runTrackerBench(): Promise<number> {
  const runs = measuredRuns();
  const seconds = measureSeconds();
  const dir = await mkdtemp(join(tmpdir(), 's3-torrent-bench-tracker-'));
  const children = new Set<ChildProcess>();
  const onSignal = (): void => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let store: RedisHandle | undefined;
  try {
    progress('bundling src/tracker with esbuild ...');
    // The shared store's row is skipped (and says why) where redis-server is not installed.
    const storeProblem = await startRedis().then((started) => {
      store = started;
      return undefined;
    }, (error: unknown) => (error instanceof Error ? error.message : String(error)));
    await bundleOurs(dir);
    const mix = await runMixRounds(runs, seconds, dir, children, progress);
    const results = new Map<TargetId, LoadResult[]>();
    const skipped = new Map<TargetId, string>();
    if (storeProblem !== undefined) skipped.set('ours-shared', storeProblem);
    // Rounds interleave the trackers, so a slow phase of the machine hits each of them alike.
    for (let run = 1; run <= runs; run += 1) {
      for (const target of TARGETS) {
        if (skipped.has(target.id)) continue;
        progress(`run ${run}/${runs}: ${target.label}, ${WARMUP_MS / 1000} s warm-up + ${seconds} s ...`);
        try {
          const result = await measureTarget(target.id, seconds, dir, children, store);
          progress(`  ${result.announcesPerSecond.toFixed(0)} announces/s, ${result.errors} errors, ${result.lost} lost`);
          results.set(target.id, [...(results.get(target.id) ?? []), result]);
        } catch (error) {
          skipped.set(target.id, error instanceof Error ? error.message : String(error));
        }
      }
    }
    const rate = (id: TargetId): number | undefined => {
      const list = results.get(id);
      return list === undefined ? undefined : median(list.map((r) => r.announcesPerSecond));
    };
    const ours = rate('ours');
    const ratio = (other: TargetId): number | undefined => {
      const theirs = rate(other);
      return ours === undefined || theirs === undefined || theirs === 0 ? undefined : ours / theirs;
    };
    const out = (line = ''): void => void process.stdout.write(`${line}\n`);
    out('## s3-torrent tracker bench: UDP announces per second (BEP 15)');
    out();
    printMix(out, mix.results, mix.skipped, runs, seconds, median);
    out('### One torrent, 1,000 recurring peers, one connection id');
    out();
    out(`${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; Node ${process.version}. Median of ${runs} runs of ${seconds} s after a ${WARMUP_MS / 1000} s warm-up, the trackers taking turns.`);
    out(
      `One load generator (this process, node:dgram on ${HOST}): one connect, then announces pipelined with ${OUTSTANDING} in flight, ` +
        `cycling through ${PEERS} distinct peer ids and ports on one whitelisted infohash, numwant=${NUMWANT}; a reply not back in ${LOST_AFTER_MS} ms counts as lost. ` +
        'The generator shares the machine with the tracker, so a fast tracker may be held back by it: "tracker CPU" says how busy the tracker itself was.',
    );
    out();
    out('| tracker | announces/s | ours / it | peers per reply | tracker CPU (cores) | errors | lost | runs (announces/s) |');
    out('|---|---:|---:|---:|---:|---:|---:|---|');
    for (const target of TARGETS) {
      const list = results.get(target.id);
      if (list === undefined) {
        out(`| ${target.label} | skipped | | | | | | ${skipped.get(target.id) ?? ''} |`);
        continue;
      }
      const r = ratio(target.id);
      const cores = list.map((x) => x.trackerCores).filter((x): x is number => x !== undefined);
      out(
        `| ${target.label} | ${(rate(target.id) ?? 0).toFixed(0)} | ${target.id === 'ours' ? '1.00×' : target.id === 'ours-shared' ? '(see below)' : r === undefined ? 'n/a' : `${r.toFixed(2)}×`} | ` +
          `${median(list.map((x) => x.peersPerReply)).toFixed(1)} | ${cores.length === 0 ? 'n/a' : median(cores).toFixed(2)} | ` +
          `${list.reduce((s, x) => s + x.errors, 0)} | ${list.reduce((s, x) => s + x.lost, 0)} | ${list.map((x) => x.announcesPerSecond.toFixed(0)).join(', ')} |`,
      );
    }
    out();
    for (const [id, reason] of skipped) out(`- Skipped ${id}: ${reason}`);
    for (const [id, list] of results) {
      const first = list.find((x) => x.firstError !== undefined)?.firstError;
      if (first !== undefined) out(`- ${id} answered errors, the first: "${first}"`);
    }
    const shared = results.get('ours-shared');
    const sharedRate = rate('ours-shared');
    if (shared !== undefined && sharedRate !== undefined && ours !== undefined && ours > 0) {
      const ops = shared.map((x) => x.storeOpsPerSecond).filter((x): x is number => x !== undefined);
      // CPU per announce says what the sync costs even when the generator, not the tracker, sets the pace.
      const cpuPerAnnounce = (id: TargetId): string => {
        const list = (results.get(id) ?? []).filter((x) => x.trackerCores !== undefined && x.announcesPerSecond > 0);
        return list.length === 0 ? 'n/a' : `${median(list.map((x) => ((x.trackerCores as number) / x.announcesPerSecond) * 1e6)).toFixed(1)} µs`;
      };
      out(
        `- With the shared store: ${(sharedRate / ours).toFixed(2)}× the in-process announce rate, tracker CPU per announce ${cpuPerAnnounce('ours-shared')} ` +
          `against ${cpuPerAnnounce('ours')} in process; the store processed ${ops.length === 0 ? 'n/a' : median(ops).toFixed(0)} commands/s (redis-server INFO): ` +
          'a pipeline of changes every 200 ms and a read of the swarm every 500 ms, whatever the announce rate.',
      );
    }
    const vsOpen = ratio('opentracker');
    const vsBt = ratio('bittorrent-tracker');
    out(`- Goal ours ≥ ${GOAL_VS_OPENTRACKER}× opentracker: ${verdict(vsOpen, GOAL_VS_OPENTRACKER)}${vsOpen === undefined ? '' : ` (${vsOpen.toFixed(2)}×)`}`);
    out(`- Goal ours ≥ ${GOAL_VS_BITTORRENT_TRACKER}× bittorrent-tracker: ${verdict(vsBt, GOAL_VS_BITTORRENT_TRACKER)}${vsBt === undefined ? '' : ` (${vsBt.toFixed(2)}×)`}`);
    if (skipped.has('ours') || mix.skipped.has('ours')) return 1;
    return 0;
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await store?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export { runTrackerBench };
