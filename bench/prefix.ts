// The prefix part of `npm run bench` (issue 14): time to a ready prefix torrent, `GET
// /bucket/prefix/?torrent` polled until 200 on the local stack (`s3-torrent local --s3 rgw`), for
// a thousand small objects and for 10 × 100 MiB, cold (members never hashed) and warm (every
// member pre-warmed first), against python3-libtorrent's create_torrent (and mktorrent) making
// the torrent of the same files from local disk in the same run.
//   BENCH_PREFIX_SMALL      small objects (default 1000)
//   BENCH_PREFIX_LARGE      large objects (default 10)
//   BENCH_PREFIX_LARGE_MIB  size of each large object in MiB (default 100)
//   BENCH_PREFIX_RUNS       runs of ours per set and mode (default 1: each uploads the set anew)
//   BENCH_RUNS              runs of each reference tool (default 3)
import { CreateBucketCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';

import { createDirectoryTorrent } from '../test/e2e/prefix/directoryTorrent.js';
import { infoDictDigests } from '../test/e2e/prefix/torrentRewrite.js';
import { measuredRuns } from './config.js';
import type { BenchClients } from './flow/clients.js';
import { withBenchStack } from './flow/session.js';
import type { StackProcess } from './flow/stack.js';
import { deleteKeys, largeSet, pollUntilReady, prefixProgressOf, prefixTorrentUrl, prewarmKeys, smallSet, uploadDataSet, writeDataSet } from './prefixData.js';
import type { DataSet } from './prefixData.js';
import { failureOf, runBounded } from './run.js';

/** The prefix piece length for sets under 8 GiB (src/torrent/pieceLength.ts): every tool gets it. */
const PIECE_LENGTH = 256 * 1024;
/**
 * A bucket of the bench's own. The local stack subscribes only its demo bucket to S3's events, so
 * uploads here pre-warm nothing: "cold" members really are unhashed (checked before each run).
 */
const BUCKET = 'prefix-bench';

const progress = (line: string): void => void process.stderr.write(`${line}\n`);
const out = (line = ''): void => void process.stdout.write(`${line}\n`);

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not "${text}"`);
  return value;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

/** One tool's times on one set (undefined: it failed, with why). */
interface Timing {
  readonly seconds: number[];
  readonly failure?: string;
  readonly note?: string;
}

/** The reference tools on the set's directory: libtorrent hybrid and v1 with pads, mktorrent v1. */
async function referenceTimings(dir: string, set: DataSet, root: string, runs: number): Promise<{ rows: Map<string, Timing>; infoHashes: Map<string, string> }> {
  const rows = new Map<string, Timing>();
  const infoHashes = new Map<string, string>();
  for (const format of ['hybrid', 'v1'] as const) {
    const label = format === 'hybrid' ? 'libtorrent create_torrent, hybrid' : 'libtorrent create_torrent, v1 + BEP 47 pads';
    const seconds: number[] = [];
    try {
      for (let run = 0; run < runs; run += 1) {
        const made = await createDirectoryTorrent(dir, join(root, `${set.name}.${format}.torrent`), { format, pieceLength: PIECE_LENGTH });
        seconds.push(made.seconds);
        infoHashes.set(format, format === 'hybrid' ? (made.infoHashV2 ?? '') : made.infoHashV1);
      }
      rows.set(label, { seconds, note: 'create_torrent\'s own time (interpreter start-up excluded)' });
    } catch (error) {
      rows.set(label, { seconds, failure: error instanceof Error ? error.message : String(error) });
    }
  }
  // mktorrent 1.1 has no pad-file option (`-p` is "private"): its v1 pieces run across files.
  const seconds: number[] = [];
  let failure: string | undefined;
  for (let run = 0; run < runs && failure === undefined; run += 1) {
    const result = await runBounded('mktorrent', ['-d', '-l', String(Math.log2(PIECE_LENGTH)), '-o', join(root, `${set.name}.mktorrent-${run}.torrent`), dir]);
    failure = failureOf(result);
    seconds.push(result.seconds);
  }
  rows.set(`mktorrent (v1, no pads, ${availableParallelism()} threads)`, failure === undefined ? { seconds } : { seconds, failure });
  return { rows, infoHashes };
}

/** One timed prefix torrent of ours. */
interface OursRun {
  readonly seconds: number;
  readonly polls: number;
  readonly prewarmSeconds?: number;
  /** Did the served torrents' infohashes equal libtorrent's for the same directory? */
  readonly check: string;
}

/**
 * Uploads the set under a fresh prefix whose last segment is the set's name (so the torrent's
 * name, and with it the info dict, matches libtorrent's of the local directory), optionally
 * pre-warms every member, then times `GET /bucket/prefix/?torrent&format=hybrid` until 200.
 */
async function timeOurs(
  stack: StackProcess,
  clients: BenchClients,
  set: DataSet,
  localDir: string,
  mode: 'cold' | 'warm',
  tag: string,
  reference: ReadonlyMap<string, string>,
): Promise<OursRun> {
  const prefix = `runs/${tag}-${mode}/${set.name}/`;
  progress(`  uploading ${set.files.length} objects under s3://${BUCKET}/${prefix} ...`);
  const keys = await uploadDataSet(clients.publisher, BUCKET, prefix, set, localDir);
  try {
    let prewarmSeconds: number | undefined;
    if (mode === 'warm') {
      progress('  pre-warming every member (GET key?torrent until 200) ...');
      const started = performance.now();
      await prewarmKeys(stack.endpoints.api, BUCKET, keys);
      prewarmSeconds = (performance.now() - started) / 1000;
    } else {
      const hashed = await Promise.all([keys[0], keys.at(-1)].map((key) => clients.records.get(BUCKET, key as string)));
      if (hashed.some((record) => record !== undefined)) throw new Error('a member has a record before the cold run: it is not cold');
    }
    progress(`  polling ${prefixTorrentUrl(stack.endpoints.api, BUCKET, prefix, 'hybrid')} until 200 ...`);
    let last = '';
    const ready = await pollUntilReady(prefixTorrentUrl(stack.endpoints.api, BUCKET, prefix, 'hybrid'), (body) => {
      const step = prefixProgressOf(body);
      const line = step === undefined ? body.slice(0, 120) : `${step.state} ${step.membersDone}/${step.membersTotal}`;
      if (line !== last) progress(`    ${line}`);
      last = line;
    });
    const v1 = await pollUntilReady(prefixTorrentUrl(stack.endpoints.api, BUCKET, prefix, 'v1'));
    const hybridSame = infoDictDigests(ready.body).sha256 === reference.get('hybrid');
    const v1Same = infoDictDigests(v1.body).sha1 === reference.get('v1');
    const check = `hybrid ${hybridSame ? 'equals' : 'DIFFERS FROM'} libtorrent's, v1 ${v1Same ? 'equals' : 'DIFFERS FROM'} libtorrent's; excluded ${ready.excluded ?? 'header missing'}`;
    return { seconds: ready.seconds, polls: ready.polls, ...(prewarmSeconds === undefined ? {} : { prewarmSeconds }), check };
  } finally {
    await deleteKeys(clients.publisher, BUCKET, keys).catch(() => undefined);
  }
}

function formatSeconds(timing: Timing | undefined): string {
  if (timing === undefined) return 'n/a';
  if (timing.failure !== undefined) return 'failed (below)';
  return median(timing.seconds).toFixed(3);
}

async function runPrefixBench(): Promise<number> {
  const sets = [smallSet(positiveInteger('BENCH_PREFIX_SMALL', 1000)), largeSet(positiveInteger('BENCH_PREFIX_LARGE', 10), positiveInteger('BENCH_PREFIX_LARGE_MIB', 100))];
  const oursRuns = positiveInteger('BENCH_PREFIX_RUNS', 1);
  const referenceRuns = measuredRuns();
  const table = new Map<string, Map<string, Timing>>(); // row → set → timing
  const notes: string[] = [];
  let failed = false;
  const put = (row: string, set: DataSet, timing: Timing): void => {
    const bySet = table.get(row) ?? new Map<string, Timing>();
    bySet.set(set.name, timing);
    table.set(row, bySet);
    if (timing.failure !== undefined) failed = true;
  };
  return withBenchStack('s3-torrent-bench-prefix-', async ({ dir, startStack }) => {
    const references = new Map<string, ReadonlyMap<string, string>>();
    const localDirs = new Map<string, string>();
    for (const set of sets) {
      progress(`writing ${set.label} to disk ...`);
      const localDir = await writeDataSet(join(dir, 'files'), set);
      localDirs.set(set.name, localDir);
      await runBounded('sync', []);
      progress(`reference tools on ${set.label} (${referenceRuns} runs each) ...`);
      const { rows, infoHashes } = await referenceTimings(localDir, set, dir, referenceRuns);
      rows.forEach((timing, row) => put(row, set, timing));
      references.set(set.name, infoHashes);
    }

    progress('starting `s3-torrent local --s3 rgw` ...');
    const { stack, clients } = await startStack({}, ['--s3', 'rgw']);
    await clients.publisher.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await clients.publisher.send(new PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] }),
    }));
    for (const set of sets) {
      for (const mode of ['cold', 'warm'] as const) {
        const row = mode === 'cold' ? 'ours, cold (no member hashed)' : 'ours, warm (every member pre-warmed)';
        const seconds: number[] = [];
        try {
          for (let run = 1; run <= oursRuns; run += 1) {
            progress(`ours ${mode}, ${set.label}, run ${run}/${oursRuns}:`);
            const result = await timeOurs(stack, clients, set, localDirs.get(set.name) as string, mode, `r${run}`, references.get(set.name) ?? new Map());
            seconds.push(result.seconds);
            notes.push(`- ${set.label}, ${mode}, run ${run}: ${result.seconds.toFixed(3)} s to 200 (${result.polls} polls)`
              + `${result.prewarmSeconds === undefined ? '' : `, after pre-warming every member in ${result.prewarmSeconds.toFixed(3)} s`}; ${result.check}`);
            if (result.check.includes('DIFFERS') || !result.check.endsWith('excluded 0')) failed = true;
          }
          put(row, set, { seconds });
        } catch (error) {
          put(row, set, { seconds, failure: error instanceof Error ? error.message : String(error) });
        }
      }
    }

    out(`## s3-torrent prefix bench (issue 14): time to a ready prefix torrent`);
    out();
    out(`${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; Node ${process.version}. Piece length ${PIECE_LENGTH / 1024} KiB for every tool.`);
    out('Ours: `s3-torrent local --s3 rgw` as a child process; each run uploads the set under a fresh prefix, then polls '
      + '`GET /bucket/prefix/?torrent&format=hybrid` every 20 ms until 200 (S3TORRENT_API_WAIT_MS=0); warm runs first pre-warm '
      + `every member with \`GET key?torrent\` until 200. Median of ${oursRuns} run(s). Reference tools: the same files from local disk `
      + `(page cache warm), median of ${referenceRuns} runs.`);
    out();
    out(`| tool | ${sets.map((set) => `${set.label}, s`).join(' | ')} |`);
    out(`|---|${sets.map(() => '---:').join('|')}|`);
    for (const [row, bySet] of table) out(`| ${row} | ${sets.map((set) => formatSeconds(bySet.get(set.name))).join(' | ')} |`);
    out();
    const libtorrent = table.get('libtorrent create_torrent, hybrid');
    for (const mode of ['ours, cold (no member hashed)', 'ours, warm (every member pre-warmed)']) {
      const ours = table.get(mode);
      const ratios = sets.map((set) => {
        const a = ours?.get(set.name);
        const b = libtorrent?.get(set.name);
        if (a === undefined || b === undefined || a.failure !== undefined || b.failure !== undefined) return `${set.name}: n/a`;
        return `${set.name}: ${(median(b.seconds) / median(a.seconds)).toPrecision(2)}×`;
      });
      out(`- ${mode} vs libtorrent hybrid (above 1: ours faster): ${ratios.join(', ')}`);
    }
    out();
    out('All runs:');
    notes.forEach((line) => out(line));
    for (const [row, bySet] of table) {
      for (const [setName, timing] of bySet) {
        if (timing.seconds.length > 0) out(`- ${row}, ${setName}: ${timing.seconds.map((s) => s.toFixed(3)).join(', ')} s${timing.note === undefined ? '' : ` (${timing.note})`}`);
        if (timing.failure !== undefined) out(`- ${row}, ${setName}: FAILED ${timing.failure.split('\n')[0] ?? ''}`);
      }
    }
    return failed ? 1 : 0;
  });
}

export { runPrefixBench };
