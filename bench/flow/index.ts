// The flow part of `npm run bench` (issue 4), on the local stack as `npm start` runs it:
//   1. time from an upload of 1 GiB to `?torrent` answering 200, against one GetObject of it;
//   2. latency of the cached `?torrent` under load, against S3 serving the same bytes.
// Missed goals are findings, printed with where the time went; a wrong torrent fails the bench.
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import type { PieceHashes } from '../../src/torrent/index.js';
import { measuredRuns } from '../config.js';
import { settleAndWarm, writeTestFile } from '../testFile.js';
import type { Check } from '../verify.js';
import type { BenchClients } from './clients.js';
import { BUCKET, LOAD_CONCURRENCY, LOAD_REQUESTS, LOAD_WARMUP_REQUESTS, MiB, OBJECT_SIZE, POLL_INTERVAL_MS, READS_PER_RUN, SEGMENT_BYTES, WORKERS } from './config.js';
import { measureLatency } from './latency.js';
import { checkServedTorrent, referenceHashes, timeSingleThreadHashing } from './reference.js';
import { flushWrites, readOnce, readSegments, uploadFile, waitReady } from './ready.js';
import { formatHeadline, formatLatencyTable, formatNoise, formatReadyTimeline, formatRuns, headlineOf, medianRun } from './report.js';
import type { FlowRun } from './report.js';
import { withBenchStack } from './session.js';
import type { StackProcess } from './stack.js';

/** Progress goes to stderr so stdout is only the report. */
function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

/** Part 1, `count` times with a fresh key each: upload, wait for READY, check it, read once. */
async function measureRuns(stack: StackProcess, clients: BenchClients, file: string, reference: PieceHashes, count: number): Promise<{ runs: FlowRun[]; checks: Check[] }> {
  const runs: FlowRun[] = [];
  const checks: Check[] = [];
  // A new key per run: a key already READY would answer at once, and the name is in the infohash.
  const tag = Date.now().toString(36);
  for (let i = 1; i <= count; i += 1) {
    const key = `flow-${tag}-run${i}.bin`;
    const target = { bucket: BUCKET, key };
    progress(`run ${i}/${count}: uploading ${key}, then polling ?torrent every ${POLL_INTERVAL_MS} ms until READY ...`);
    await flushWrites();
    const uploadSeconds = await uploadFile(clients.publisher, target, file, OBJECT_SIZE);
    const ready = await waitReady(`${stack.endpoints.api}/${BUCKET}/${encodeURIComponent(key)}?torrent`, stack.pid);
    checks.push(checkServedTorrent(ready.torrent, reference, key));
    // After READY, so the reads never compete with the hashing: the same object, an idle stack.
    const reads = [];
    for (let r = 0; r < READS_PER_RUN; r += 1) reads.push(await readOnce(clients.anonymous, target, OBJECT_SIZE, stack.pid));
    progress(`  READY after ${ready.seconds.toFixed(3)} s; GetObject ${reads.map((r) => r.seconds.toFixed(3)).join(', ')} s`);
    runs.push({ key, uploadSeconds, ready, reads });
  }
  return { runs, checks };
}

function header(runs: number, stack: StackProcess): string[] {
  const threads = process.env['S3TORRENT_HASH_THREADS'];
  const threadText = threads === undefined || threads === '' ? '0 (the default: on the handler\'s thread)' : threads;
  return [
    `## s3-torrent flow bench (issue 4): ${OBJECT_SIZE / 1024 ** 3} GiB through the local stack`,
    '',
    `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; Node ${process.version}.`,
    `\`s3-torrent local\` as a child process (embedded s3rver, DynamoDB Local, SQS emulator, the real handlers; pid ${stack.pid}): ` +
      `${SEGMENT_BYTES / MiB} MiB segments (${Math.ceil(OBJECT_SIZE / SEGMENT_BYTES)} segment jobs), ${WORKERS} workers, ` +
      `hash threads per worker ${threadText}; S3TORRENT_API_WAIT_MS=0 and one poll every ${POLL_INTERVAL_MS} ms.`,
    `Part 1: median of ${runs} runs, each a fresh key uploaded from disk; "one GetObject" reads that object whole from the same s3rver afterwards ` +
      `(${READS_PER_RUN} times per run; the median of all those reads). ` +
      `Part 2: ${LOAD_REQUESTS} measured requests per target after ${LOAD_WARMUP_REQUESTS} unmeasured ones, ${LOAD_CONCURRENCY} at once over keep-alive connections (node:http); latency = request sent → body received.`,
  ];
}

async function runFlowBench(): Promise<number> {
  const count = measuredRuns();
  return withBenchStack('s3-torrent-bench-flow-', async ({ dir, startStack }) => {
    const file = join(dir, 'flow-1GiB.bin');
    progress(`writing ${OBJECT_SIZE / 1024 ** 3} GiB to ${file} ...`);
    await writeTestFile(file, OBJECT_SIZE);
    await settleAndWarm(file);
    progress('hashing it once in this process (the reference torrent; one-thread hashing speed) ...');
    const reference = await referenceHashes(file, OBJECT_SIZE);
    const hashSeconds = await timeSingleThreadHashing(file, OBJECT_SIZE);

    progress('starting `s3-torrent local` ...');
    const { stack, clients } = await startStack();
    const { runs, checks } = await measureRuns(stack, clients, file, reference, count);
    const last = runs.at(-1) as FlowRun;
    await flushWrites();
    progress(`reading the segments of ${last.key} as the workers do, without hashing ...`);
    const segmentsSeconds = await readSegments(clients.anonymous, { bucket: BUCKET, key: last.key }, OBJECT_SIZE, SEGMENT_BYTES, WORKERS);
    progress(`measuring cached ?torrent latency (${LOAD_REQUESTS} requests, ${LOAD_CONCURRENCY} at once) and its backend calls ...`);
    const latency = await measureLatency(stack, clients, last.key, last.ready.torrent);

    header(count, stack).forEach((line) => out(line));
    const loads = [latency.ours, latency.theirs, ...latency.calls, ...latency.unloaded];
    formatNoise(
      [
        ...runs.map((r, i) => ({ label: `READY run ${i + 1}`, cpu: r.ready.cpu, seconds: r.ready.seconds })),
        ...runs.flatMap((r, i) => r.reads.map((read, j) => ({ label: `GetObject ${j + 1} of run ${i + 1}`, cpu: read.cpu, seconds: read.seconds }))),
        ...loads.map((row) => ({ label: row.label, cpu: row.cpu, seconds: row.result?.seconds ?? 0 })),
      ],
      availableParallelism(),
    ).forEach((line) => out(line));
    out();
    formatHeadline(headlineOf(runs, latency.ours, latency.theirs), { requests: LOAD_REQUESTS, concurrency: LOAD_CONCURRENCY }).forEach((line) => out(line));
    out();
    out('Where the time to READY goes:');
    formatReadyTimeline(medianRun(runs)).forEach((line) => out(line));
    const mibPerSecond = (seconds: number): string => `${(OBJECT_SIZE / MiB / seconds).toFixed(0)} MiB/s`;
    out(`- The fan-out's reads alone (${Math.ceil(OBJECT_SIZE / SEGMENT_BYTES)} ranged GetObjects of ${SEGMENT_BYTES / MiB} MiB, ${WORKERS} at a time, drained, no hashing): ${segmentsSeconds.toFixed(3)} s (${mibPerSecond(segmentsSeconds)})`);
    out(`- Hashing alone on one thread, v1 + v2 as a worker does, the whole file from the page cache: ${hashSeconds.toFixed(3)} s (${mibPerSecond(hashSeconds)})`);
    out();
    out('Where cached `?torrent` latency goes (each backend call of a cached `?torrent`, src/api/serveTorrent.ts, timed alone from the bench under the same load):');
    out();
    formatLatencyTable(loads).forEach((line) => out(line));
    out();
    out(`- ${latency.recordNote}.`);
    out('- s3rver and the torrent API share the stack\'s one node process: under load, `?torrent`\'s HEAD waits behind other requests in the same event loop.');
    out();
    out('Infohash checks (served v1 infohash against buildTorrent(hashFile(file)) with the key as name):');
    checks.forEach((check) => out(`- ${check.line}`));
    out();
    out('All runs:');
    formatRuns(runs).forEach((line) => out(line));
    return checks.every((c) => c.passed) && loads.every((row) => row.result !== undefined) ? 0 : 1;
  });
}

export { runFlowBench };
