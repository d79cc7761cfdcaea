import { median } from '../measure.js';
import { LATENCY_GOAL, READY_GOAL } from './config.js';
import type { LoadResult } from './load.js';
import { busiestForeign, foreignSeconds } from './processCpu.js';
import type { StackCpu } from './processCpu.js';
import type { ReadyResult } from './ready.js';

/** One measured run of part 1: a fresh key uploaded, waited for until READY, then read whole. */
interface FlowRun {
  readonly key: string;
  readonly uploadSeconds: number;
  readonly ready: ReadyResult;
  /** GetObjects of the whole object after READY, in order. */
  readonly reads: ReadonlyArray<ReadMeasurement>;
}

interface ReadMeasurement {
  readonly seconds: number;
  readonly cpu: StackCpu | undefined;
}

/** The run's median read (the lower middle one for an even count). */
function medianRead(run: FlowRun): ReadMeasurement {
  const sorted = [...run.reads].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor((sorted.length - 1) / 2)] as ReadMeasurement;
}

/** One row of the latency part: a load on one target, or why it failed. */
interface LatencyRow {
  readonly label: string;
  readonly result: LoadResult | undefined;
  readonly failure: string | undefined;
  readonly cpu: StackCpu | undefined;
}

/** A goal "ours / S3 at most N×"; undefined ratio: not measured. */
function verdict(ratio: number | undefined, goal: number): string {
  if (ratio === undefined) return 'NOT MEASURED';
  return ratio <= goal ? 'met' : 'NOT MET';
}

const ratioText = (ratio: number | undefined): string => (ratio === undefined ? 'n/a' : `${ratio.toFixed(2)}×`);
const ms = (value: number | undefined): string => (value === undefined ? 'n/a' : value.toFixed(2));

interface Headline {
  readonly readyMedian: number;
  readonly readMedian: number;
  readonly readyRatio: number;
  readonly ours: LoadResult | undefined;
  readonly theirs: LoadResult | undefined;
}

function headlineOf(runs: ReadonlyArray<FlowRun>, ours: LatencyRow, theirs: LatencyRow): Headline {
  const readyMedian = median(runs.map((r) => r.ready.seconds));
  const readMedian = median(runs.flatMap((r) => r.reads.map((read) => read.seconds)));
  return { readyMedian, readMedian, readyRatio: readyMedian / readMedian, ours: ours.result, theirs: theirs.result };
}

/** The main table (ours, S3, ratio, goal) and one goal line per goal. */
function formatHeadline(h: Headline, load: { requests: number; concurrency: number }): string[] {
  const latencyRatio = (pick: (r: LoadResult) => number): number | undefined =>
    h.ours === undefined || h.theirs === undefined ? undefined : pick(h.ours) / pick(h.theirs);
  const p50 = latencyRatio((r) => r.p50Ms);
  const p99 = latencyRatio((r) => r.p99Ms);
  const loadText = `${load.requests} requests, ${load.concurrency} at once, keep-alive`;
  return [
    '| measure | ours | S3 (s3rver) | ours / S3 | goal | |',
    '|---|---:|---:|---:|---:|---|',
    `| 1 GiB: upload returned → \`?torrent\` 200 (READY), vs one GetObject of the object | ${h.readyMedian.toFixed(3)} s | ${h.readMedian.toFixed(3)} s | ${ratioText(h.readyRatio)} | ≤ ${READY_GOAL}× | ${verdict(h.readyRatio, READY_GOAL)} |`,
    `| cached \`?torrent\` p50, vs GET of an object of the same bytes (${loadText}) | ${ms(h.ours?.p50Ms)} ms | ${ms(h.theirs?.p50Ms)} ms | ${ratioText(p50)} | ≤ ${LATENCY_GOAL}× | ${verdict(p50, LATENCY_GOAL)} |`,
    `| cached \`?torrent\` p99, same load | ${ms(h.ours?.p99Ms)} ms | ${ms(h.theirs?.p99Ms)} ms | ${ratioText(p99)} | ≤ ${LATENCY_GOAL}× | ${verdict(p99, LATENCY_GOAL)} |`,
    '',
    `- Goal time to READY ≤ ${READY_GOAL}× one read of the object: ${verdict(h.readyRatio, READY_GOAL)} (${ratioText(h.readyRatio)})`,
    `- Goal cached \`?torrent\` p50 ≤ ${LATENCY_GOAL}× S3's: ${verdict(p50, LATENCY_GOAL)} (${ratioText(p50)})`,
    `- Goal cached \`?torrent\` p99 ≤ ${LATENCY_GOAL}× S3's: ${verdict(p99, LATENCY_GOAL)} (${ratioText(p99)})`,
  ];
}

function cpuText(cpu: StackCpu | undefined, wallSeconds: number): string {
  if (cpu === undefined) return 'stack CPU not measured (no /proc)';
  const share = (s: number): string => `${s.toFixed(2)} s (${((s / wallSeconds) * 100).toFixed(0)}% of one core)`;
  return `stack node process ${share(cpu.node)}, DynamoDB Local ${share(cpu.others)}, this bench ${share(cpu.bench)}, other processes ${share(foreignSeconds(cpu))}`;
}

/** Above this share of the machine's CPUs taken by other processes, a measurement is noisy. */
const BUSY_SHARE = 0.1;

/**
 * A warning naming the measurements during which other processes competed for the CPUs, and
 * the busiest of those processes over all of them.
 */
function formatNoise(measurements: ReadonlyArray<{ label: string; cpu: StackCpu | undefined; seconds: number }>, cores: number): string[] {
  const busy = measurements.filter((m) => m.cpu !== undefined && foreignSeconds(m.cpu) / (m.seconds * cores) > BUSY_SHARE);
  if (busy.length === 0) return [];
  const totals = new Map<string, number>();
  for (const m of busy) {
    for (const { name, seconds } of busiestForeign(m.cpu as StackCpu, 5)) totals.set(name, (totals.get(name) ?? 0) + seconds);
  }
  const culprits = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([name, s]) => `${name} ${s.toFixed(1)} s`);
  return [
    `WARNING: other processes took over ${BUSY_SHARE * 100}% of the CPUs during: ${busy.map((m) => m.label).join('; ')}. ` +
      `Busiest: ${culprits.length === 0 ? 'none visible in /proc (kernel or exited processes)' : culprits.join(', ')}. ` +
      'Those results are inflated; rerun on an idle machine before trusting the ratios.',
  ];
}

/** The run whose time to READY is the median (the lower middle one for an even count). */
function medianRun(runs: ReadonlyArray<FlowRun>): FlowRun {
  const sorted = [...runs].sort((a, b) => a.ready.seconds - b.ready.seconds);
  return sorted[Math.floor((sorted.length - 1) / 2)] as FlowRun;
}

/** The median run's timeline as the 202 replies showed it, and the CPU the stack used meanwhile. */
function formatReadyTimeline(run: FlowRun): string[] {
  const steps = run.ready.steps.map((s) => {
    const progress = s.piecesTotal > 0 ? ` ${s.piecesDone}/${s.piecesTotal} pieces` : '';
    return `${s.seconds.toFixed(3)} s ${s.state}${progress}`;
  });
  return [
    `- Timeline of the median run (${run.key}), seconds after the upload returned, as the 202 replies showed it: ${steps.join(' → ')} → ${run.ready.seconds.toFixed(3)} s READY (${run.ready.polls} polls)`,
    `- CPU while waiting for READY: ${cpuText(run.ready.cpu, run.ready.seconds)}`,
    `- CPU during its median GetObject: ${cpuText(medianRead(run).cpu, medianRead(run).seconds)}`,
  ];
}

/** The latency table: our `?torrent`, S3's GET, and each backend call `?torrent` makes, alone. */
function formatLatencyTable(rows: ReadonlyArray<LatencyRow>): string[] {
  const lines = [
    '| target (the same load each, unless said) | p50 ms | p99 ms | mean ms | max ms | req/s | stack node CPU ms/req | DynamoDB Local CPU ms/req |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const r = row.result;
    if (r === undefined) {
      lines.push(`| ${row.label} | failed: ${row.failure ?? 'unknown'} | | | | | | |`);
      continue;
    }
    const perRequest = (seconds: number | undefined): string => (seconds === undefined ? 'n/a' : ((seconds * 1000) / r.requests).toFixed(3));
    lines.push(
      `| ${row.label} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${ms(r.meanMs)} | ${ms(r.maxMs)} | ${r.perSecond.toFixed(0)} | ${perRequest(row.cpu?.node)} | ${perRequest(row.cpu?.others)} |`,
    );
  }
  return lines;
}

/** Every run, so a reader sees the spread behind the medians. */
function formatRuns(runs: ReadonlyArray<FlowRun>): string[] {
  return runs.map(
    (r, i) =>
      `- run ${i + 1} (${r.key}): upload ${r.uploadSeconds.toFixed(3)} s; READY ${r.ready.seconds.toFixed(3)} s; ` +
      `GetObject ${r.reads.map((read) => read.seconds.toFixed(3)).join(', ')} s; ratio to its median read ${(r.ready.seconds / medianRead(r).seconds).toFixed(2)}×`,
  );
}

export { formatHeadline, formatLatencyTable, formatNoise, formatReadyTimeline, formatRuns, headlineOf, medianRun };
export type { FlowRun, Headline, LatencyRow };
