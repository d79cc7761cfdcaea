// The tracker bench's headline: the announce mix real clients send, from a load generator in
// its own process. 1,000 READY torrents; every announce from a new peer (random peer id and
// port) on a random one of them, half `event=started`, numwant 50; a BEP 15 connect before
// every announce (or, in the second variant, one connect per 20 announces); 64 such cycles in
// flight. The tracker runs pinned to one CPU, the generator to the other.
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeLoopbackPort } from '../src/local/ports.js';
import { HOST, PROTOCOL_ID, connectionId, processCpuSeconds, startNode, startTarget, stop } from './trackerTargets.js';
import type { TargetId } from './trackerTargets.js';

/** READY torrents the announces spread over. */
const TORRENTS = 1000;
/** Connect + announce cycles in flight at once. */
const IN_FLIGHT = 64;
/** Peers asked for per announce. */
const NUMWANT = 50;
/** Announces per connection id in the "reused" variant. */
const ANNOUNCES_PER_CONNECT = 20;
/** A request unanswered this long is counted lost and its cycle started again. */
const LOST_AFTER_MS = 1_000;
/** Unmeasured load before each measurement: JITs warm up, swarms fill. */
const WARMUP_MS = 2_000;
/** The CPUs: the tracker on one, the generator on the other (the machine has at least two). */
const TRACKER_CPU = 0;
const GENERATOR_CPU = 1;
/** Longest a generator run may take beyond its warm-up and measurement. */
const GENERATOR_GRACE_MS = 20_000;

/** How connection ids are used. */
type MixVariant = 'fresh' | 'reused';

/** One generator run against one tracker. */
interface MixResult {
  /** Fresh: connect + announce cycles per second; reused: announces per second. */
  readonly perSecond: number;
  /** 99th percentile, milliseconds: a whole cycle (fresh) or one announce (reused). */
  readonly p99Ms: number;
  readonly p50Ms: number;
  readonly lost: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  /** Tracker CPU seconds per second of measurement. */
  readonly trackerCores: number | undefined;
}

/**
 * The generator: plain JS in its own Node process, one UDP socket, slots of `IN_FLIGHT` cycles.
 * Prints one JSON line of counts and latency percentiles.
 */
const GENERATOR_CHILD = `
import { createSocket } from 'node:dgram';
import { randomFillSync } from 'node:crypto';
const cfg = JSON.parse(process.env.MIX);
const hashes = cfg.hashes.map((h) => Buffer.from(h, 'hex'));
const socket = createSocket('udp4');
await new Promise((resolve) => socket.bind(0, ${JSON.stringify(HOST)}, resolve));
socket.setRecvBufferSize(4 << 20);
socket.setSendBufferSize(4 << 20);
const CONNECT = Buffer.alloc(16);
CONNECT.writeBigUInt64BE(${PROTOCOL_ID}n, 0);
CONNECT.writeUInt32BE(0, 8);
let nextTid = 1;
const pending = new Map();
let sending = true;
let measuring = false;
let done = 0;
let lost = 0;
let errors = 0;
let firstError;
const latencies = [];
const tid = () => { const t = nextTid; nextTid = (nextTid + 1) >>> 0 || 1; return t; };
function send(slot, packet, phase) {
  slot.tid = tid();
  packet.writeUInt32BE(slot.tid, 12);
  slot.phase = phase;
  slot.sentAt = performance.now();
  pending.set(slot.tid, slot);
  socket.send(packet, cfg.port, ${JSON.stringify(HOST)});
}
function startCycle(slot) {
  if (!sending) return;
  slot.remaining = cfg.perConnect;
  slot.cycleStart = performance.now();
  send(slot, Buffer.from(CONNECT), 'connect');
}
function announce(slot) {
  const p = Buffer.alloc(98);
  slot.id.copy(p, 0);
  p.writeUInt32BE(1, 8);
  hashes[Math.floor(Math.random() * hashes.length)].copy(p, 16);
  randomFillSync(p, 36, 20); // a new peer id
  p.writeUInt32BE(Math.floor(Math.random() * 1024), 68); // left: up to 4 GiB
  p.writeUInt32BE(Math.random() < 0.5 ? 2 : 0, 80); // half started, half regular
  p.writeUInt32BE(Math.floor(Math.random() * 0xffffffff), 88); // key
  p.writeInt32BE(cfg.numwant, 92);
  p.writeUInt16BE(1024 + Math.floor(Math.random() * 64511), 96); // a new port
  slot.announceStart = performance.now();
  send(slot, p, 'announce');
}
socket.on('message', (msg) => {
  if (msg.length < 8) return;
  const slot = pending.get(msg.readUInt32BE(4));
  if (slot === undefined) return;
  pending.delete(slot.tid);
  const action = msg.readUInt32BE(0);
  const now = performance.now();
  if (slot.phase === 'connect') {
    if (action === 0 && msg.length >= 16) {
      slot.id = Buffer.from(msg.subarray(8, 16));
      announce(slot);
    } else {
      if (measuring) { errors += 1; firstError ??= msg.subarray(8).toString(); }
      startCycle(slot);
    }
    return;
  }
  if (measuring) {
    if (action === 1 && msg.length >= 20) {
      done += 1;
      latencies.push(cfg.perConnect === 1 ? now - slot.cycleStart : now - slot.announceStart);
    } else {
      errors += 1;
      firstError ??= action === 3 ? msg.subarray(8).toString() : 'action ' + action + ', ' + msg.length + ' bytes';
    }
  }
  slot.remaining -= 1;
  if (slot.remaining > 0 && sending) announce(slot);
  else startCycle(slot);
});
const reaper = setInterval(() => {
  const cutoff = performance.now() - ${LOST_AFTER_MS};
  for (const [t, slot] of pending) {
    if (slot.sentAt >= cutoff) break;
    pending.delete(t);
    if (measuring) lost += 1;
    startCycle(slot);
  }
}, 50);
for (let i = 0; i < cfg.inFlight; i += 1) startCycle({});
await new Promise((r) => setTimeout(r, cfg.warmupMs));
process.stdout.write('measuring\\n');
const started = performance.now();
measuring = true;
await new Promise((r) => setTimeout(r, cfg.seconds * 1000));
measuring = false;
const elapsed = (performance.now() - started) / 1000;
sending = false;
clearInterval(reaper);
latencies.sort((a, b) => a - b);
const pct = (q) => latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
process.stdout.write(JSON.stringify({ perSecond: done / elapsed, p99Ms: pct(0.99), p50Ms: pct(0.5), lost, errors, firstError, elapsed }) + '\\n');
socket.close();
`;

/** The infohashes of the mix: fixed, so every tracker and run see the same ones. */
function mixHashes(): string[] {
  return Array.from({ length: TORRENTS }, (_, i) => `${i.toString(16).padStart(8, '0')}${'c0ffee'.repeat(6)}ab`.slice(0, 40));
}

/** Runs the generator against a tracker on `port`; resolves with its figures. */
async function generate(port: number, variant: MixVariant, seconds: number, trackerPid: number | undefined): Promise<MixResult> {
  const config = { port, hashes: mixHashes(), perConnect: variant === 'fresh' ? 1 : ANNOUNCES_PER_CONNECT, numwant: NUMWANT, inFlight: IN_FLIGHT, warmupMs: WARMUP_MS, seconds };
  const child = startNode(GENERATOR_CHILD, { MIX: JSON.stringify(config) }, GENERATOR_CPU);
  let out = '';
  let err = '';
  let cpuBefore: number | undefined;
  let measureStarted = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (measureStarted === 0 && out.includes('measuring\n')) {
      cpuBefore = processCpuSeconds(trackerPid);
      measureStarted = performance.now();
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-2000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), WARMUP_MS + seconds * 1000 + GENERATOR_GRACE_MS);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  const cpuAfter = processCpuSeconds(trackerPid);
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || line === undefined) throw new Error(`load generator exited ${code}: ${err.trim()}`);
  const parsed = JSON.parse(line) as Omit<MixResult, 'trackerCores'> & { elapsed: number };
  const trackerCores = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / ((performance.now() - measureStarted) / 1000);
  return { perSecond: parsed.perSecond, p99Ms: parsed.p99Ms, p50Ms: parsed.p50Ms, lost: parsed.lost, errors: parsed.errors, firstError: parsed.firstError, trackerCores };
}

/** Waits until a tracker answers a connect (it has bound its port). */
async function awaitReady(port: number, child: ChildProcess): Promise<void> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
    await connectionId(socket, port, child);
  } finally {
    socket.close();
  }
}

/** Starts a tracker pinned to its CPU, runs the mix against it, stops it. */
async function measureMix(id: TargetId, variant: MixVariant, seconds: number, dir: string, children: Set<ChildProcess>): Promise<MixResult> {
  const port = await freeLoopbackPort();
  const child = startTarget(id, port, dir, mixHashes(), TRACKER_CPU);
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  try {
    await awaitReady(port, child).catch((error: unknown) => {
      throw new Error(`${id} did not start: ${error instanceof Error ? error.message : String(error)}${stderr === '' ? '' : `; it printed: ${stderr.trim()}`}`);
    });
    // Nothing in flight from the readiness check: the generator starts on a quiet tracker.
    await sleep(100);
    return await generate(port, variant, seconds, child.pid);
  } finally {
    await stop(child);
    children.delete(child);
  }
}


/** The mix's goals (issue 13): half opentracker's rate, and a p99 within 2 ms. */
const GOAL_VS_OPENTRACKER = 0.5;
const GOAL_P99_MS = 2;

const MIX_TARGETS: readonly { readonly id: TargetId; readonly label: string }[] = [
  { id: 'ours', label: 'ours (src/tracker, Node, esbuild bundle)' },
  { id: 'opentracker', label: 'opentracker (Debian package, C)' },
];

const VARIANTS: readonly { readonly variant: MixVariant; readonly unit: string; readonly label: string }[] = [
  { variant: 'fresh', unit: 'cycles/s', label: 'connect before every announce' },
  { variant: 'reused', unit: 'announces/s', label: `one connect per ${ANNOUNCES_PER_CONNECT} announces` },
];

type MixResults = Map<string, MixResult[]>;

/** Every variant against every tracker, `runs` rounds taking turns; a tracker that fails is skipped from then on. */
async function runMixRounds(runs: number, seconds: number, dir: string, children: Set<ChildProcess>, progress: (line: string) => void): Promise<{ results: MixResults; skipped: Map<string, string> }> {
  const results: MixResults = new Map();
  const skipped = new Map<string, string>();
  for (let run = 1; run <= runs; run += 1) {
    for (const { variant, label } of VARIANTS) {
      for (const target of MIX_TARGETS) {
        if (skipped.has(target.id)) continue;
        progress(`mix run ${run}/${runs}: ${target.label}, ${label}, ${WARMUP_MS / 1000} s warm-up + ${seconds} s ...`);
        try {
          const result = await measureMix(target.id, variant, seconds, dir, children);
          progress(`  ${result.perSecond.toFixed(0)}/s, p99 ${result.p99Ms.toFixed(2)} ms, ${result.errors} errors, ${result.lost} lost`);
          const key = `${target.id}/${variant}`;
          results.set(key, [...(results.get(key) ?? []), result]);
        } catch (error) {
          skipped.set(target.id, error instanceof Error ? error.message : String(error));
        }
      }
    }
  }
  return { results, skipped };
}

/** The headline table and its goals. */
function printMix(out: (line?: string) => void, results: MixResults, skipped: ReadonlyMap<string, string>, runs: number, seconds: number, median: (values: readonly number[]) => number): void {
  out('### Headline: a realistic announce mix');
  out();
  out(
    `A load generator in its own Node process (one UDP socket on ${HOST}, pinned to CPU ${GENERATOR_CPU}); each tracker alone pinned to CPU ${TRACKER_CPU}. ` +
      `${TORRENTS} READY torrents; every announce from a new peer (random peer id and port) on a random one of them, half event=started, numwant ${NUMWANT}; ` +
      `${IN_FLIGHT} cycles in flight. Median of ${runs} runs of ${seconds} s after ${WARMUP_MS / 1000} s of warm-up. p99: of whole cycles (connect + announce) or of single announces (reused ids). ` +
      '"Tracker CPU µs per op": the tracker\'s CPU time per cycle or announce, which a generator-bound or shared machine distorts least.',
  );
  out();
  out('| tracker | variant | rate | ours / it | p50 ms | p99 ms | tracker CPU (cores) | tracker CPU µs per op | errors | lost | runs |');
  out('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  const rate = (id: TargetId, variant: MixVariant): number | undefined => {
    const list = results.get(`${id}/${variant}`);
    return list === undefined ? undefined : median(list.map((r) => r.perSecond));
  };
  for (const { variant, unit, label } of VARIANTS) {
    for (const target of MIX_TARGETS) {
      const list = results.get(`${target.id}/${variant}`);
      if (list === undefined) {
        out(`| ${target.label} | ${label} | skipped | | | | | | | ${skipped.get(target.id) ?? ''} |`);
        continue;
      }
      const ours = rate('ours', variant);
      const theirs = rate(target.id, variant);
      const ratio = target.id === 'ours' ? '1.00×' : ours === undefined || theirs === undefined || theirs === 0 ? 'n/a' : `${(ours / theirs).toFixed(2)}×`;
      const cores = list.map((x) => x.trackerCores).filter((x): x is number => x !== undefined);
      out(
        `| ${target.label} | ${label} | ${(theirs ?? 0).toFixed(0)} ${unit} | ${ratio} | ${median(list.map((x) => x.p50Ms)).toFixed(2)} | ${median(list.map((x) => x.p99Ms)).toFixed(2)} | ` +
          `${cores.length === 0 ? 'n/a' : median(cores).toFixed(2)} | ${cores.length === 0 ? 'n/a' : median(list.map((x) => ((x.trackerCores ?? 0) / x.perSecond) * 1e6)).toFixed(1)} | ${list.reduce((s, x) => s + x.errors, 0)} | ${list.reduce((s, x) => s + x.lost, 0)} | ${list.map((x) => x.perSecond.toFixed(0)).join(', ')} |`,
      );
    }
  }
  out();
  for (const [id, reason] of skipped) out(`- Skipped ${id}: ${reason}`);
  for (const [key, list] of results) {
    const first = list.find((x) => x.firstError !== undefined)?.firstError;
    if (first !== undefined) out(`- ${key} answered errors, the first: "${first}"`);
  }
  for (const { variant, label } of VARIANTS) {
    const ours = rate('ours', variant);
    const theirs = rate('opentracker', variant);
    const ratio = ours === undefined || theirs === undefined || theirs === 0 ? undefined : ours / theirs;
    const p99 = results.get(`ours/${variant}`);
    const oursP99 = p99 === undefined ? undefined : median(p99.map((x) => x.p99Ms));
    out(`- Goal (${label}) ours ≥ ${GOAL_VS_OPENTRACKER}× opentracker: ${ratio === undefined ? 'NOT MEASURED' : ratio >= GOAL_VS_OPENTRACKER ? 'met' : 'NOT MET'}${ratio === undefined ? '' : ` (${ratio.toFixed(2)}×)`}`);
    out(`- Goal (${label}) ours p99 ≤ ${GOAL_P99_MS} ms: ${oursP99 === undefined ? 'NOT MEASURED' : oursP99 <= GOAL_P99_MS ? 'met' : 'NOT MET'}${oursP99 === undefined ? '' : ` (${oursP99.toFixed(2)} ms)`}`);
  }
  out();
}

export { measureMix, printMix, runMixRounds };
export type { MixResult, MixResults, MixVariant };
