// `npm run bench -- seeder`: aria2c downloads a 1 GiB object from our seeder (the local stack:
// blocks read from S3 by anonymous ranged GETs) and the same file from python3-libtorrent
// seeding it from disk, on loopback, runs alternating. Goal: ours ≥ 1.0× libtorrent's speed.
// libtorrent serves from the page cache; our equivalent is the seeder's span cache, sized here
// to hold the object twice (then it reads 8 MiB per GET, see src/wire/Swarm.ts): the first download is "cold" (every piece a GET from S3), the later ones
// "warm" (pieces from the cache), and both are reported.
import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTorrent } from '../src/torrent/index.js';
import { downloadWithAria2c, makeTorrent, seedWithLibtorrent, startOpentracker } from '../test/e2e/clients/index.js';
import { benchClients } from './flow/clients.js';
import { BUCKET } from './flow/config.js';
import { fetchReadyTorrent, uploadFile } from './flow/ready.js';
import { cleanUpOnInterrupt, startStack } from './flow/stack.js';
import { settleAndWarm, writeTestFile } from './testFile.js';

const MiB = 1024 * 1024;
const OBJECT_SIZE = 1024 * MiB;
const KEY = 'seeder-1GiB.bin';
/** Runs of each side, alternating; the median counts. */
const RUNS = Number(process.env['BENCH_SEEDER_RUNS'] ?? 4);
/** The seeder's span cache for this bench: twice the object, so it reads it in 8 MiB spans. */
const CACHE_BYTES = 2 * OBJECT_SIZE;
const DOWNLOAD_TIMEOUT_MS = 600_000;
const GOAL = 1.0;

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`[bench seeder] ${line}\n`);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One timed aria2c download; the file is checked and then deleted (1 GiB per run). */
async function timedDownload(torrentFile: string, outDir: string, expected: string): Promise<number> {
  await rm(outDir, { recursive: true, force: true });
  const started = performance.now();
  const path = await downloadWithAria2c({ torrentFile }, { outDir, timeoutMs: DOWNLOAD_TIMEOUT_MS });
  const seconds = (performance.now() - started) / 1000;
  const digest = await sha256File(path);
  await rm(outDir, { recursive: true, force: true });
  if (digest !== expected) throw new Error(`aria2c downloaded different bytes (${digest} ≠ ${expected})`);
  return seconds;
}


async function runSeederBench(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 's3-torrent-bench-seeder-'));
  const stopCleanUp = cleanUpOnInterrupt(dir);
  const stoppers: Array<() => Promise<void>> = [];
  try {
    const seedDir = join(dir, 'seed');
    await mkdir(seedDir);
    const file = join(seedDir, KEY);
    progress(`writing ${OBJECT_SIZE / MiB} MiB ...`);
    await writeTestFile(file, OBJECT_SIZE);
    await settleAndWarm(file);
    const expected = await sha256File(file);

    progress('starting `s3-torrent local` (no webseeds: aria2c must use the seeder) ...');
    const stack = await startStack(join(dir, 'data'), { S3TORRENT_LOCAL_WEBSEEDS: 'off', S3TORRENT_SEEDER_CACHE_BYTES: String(CACHE_BYTES) });
    stoppers.push(() => stack.stop());
    const clients = benchClients(stack.endpoints);
    stoppers.push(async () => clients.destroy());
    await uploadFile(clients.publisher, { bucket: BUCKET, key: KEY }, file, OBJECT_SIZE);
    const ours = await fetchReadyTorrent(stack.endpoints.api, BUCKET, KEY);
    const oursFile = join(dir, 'ours.torrent');
    await writeFile(oursFile, ours);
    const summary = parseTorrent(ours);

    progress('starting python3-libtorrent seeding the same file, announced on opentracker ...');
    // The same file, name and piece length give libtorrent's torrent our infohash (checked below).
    const tracker = await startOpentracker([summary.infoHashV1 ?? '']);
    stoppers.push(() => tracker.stop());
    const theirs = await makeTorrent(file, { tool: 'libtorrent-v1', pieceLength: summary.pieceLength, outFile: join(dir, 'theirs.torrent'), trackers: [tracker.httpAnnounce] });
    const seeder = await seedWithLibtorrent(theirs.torrentFile, seedDir);
    stoppers.push(() => seeder.stop());

    const oursSeconds: number[] = [];
    const theirsSeconds: number[] = [];
    for (let run = 1; run <= RUNS; run += 1) {
      progress(`run ${run}/${RUNS}: aria2c from our seeder ...`);
      oursSeconds.push(await timedDownload(oursFile, join(dir, 'download'), expected));
      progress(`run ${run}/${RUNS}: aria2c from libtorrent ...`);
      theirsSeconds.push(await timedDownload(theirs.torrentFile, join(dir, 'download'), expected));
    }
    const cold = oursSeconds[0] ?? Number.NaN;
    const warmMedian = median(oursSeconds.slice(1));
    const theirsMedian = median(theirsSeconds);
    const rate = (seconds: number): string => `${(OBJECT_SIZE / MiB / seconds).toFixed(0)} MiB/s`;
    const warmRatio = theirsMedian / warmMedian;
    const coldRatio = theirsMedian / cold;
    out(`## Seeder: aria2c downloading ${OBJECT_SIZE / MiB} MiB on loopback (${availableParallelism()} CPUs, ${RUNS} runs each, alternating)`);
    out();
    out('| seeder | time | speed | runs (s) |');
    out('|---|---|---|---|');
    out(`| ours, cold: first download, read from s3rver by anonymous ranged GETs (8 MiB each) | ${cold.toFixed(2)} s | ${rate(cold)} | ${cold.toFixed(2)} |`);
    out(`| ours, warm: pieces from the seeder's cache (median) | ${warmMedian.toFixed(2)} s | ${rate(warmMedian)} | ${oursSeconds.slice(1).map((s) => s.toFixed(2)).join(', ')} |`);
    out(`| python3-libtorrent, file in the page cache (median) | ${theirsMedian.toFixed(2)} s | ${rate(theirsMedian)} | ${theirsSeconds.map((s) => s.toFixed(2)).join(', ')} |`);
    out();
    out(`Speed ratio ours / libtorrent: warm **${warmRatio.toFixed(2)}×** (goal ≥ ${GOAL.toFixed(1)}×: ${warmRatio >= GOAL ? 'met' : 'NOT MET'}); cold ${coldRatio.toFixed(2)}×.`);
    out('Every time includes aria2c\'s own start (it waits ~1 s before announcing) and stop (~1 s): the same on both sides.');
    out(`Same infohash both sides: ${summary.infoHashV1 === theirs.infoHashV1 ? 'yes' : `no (${summary.infoHashV1} vs ${theirs.infoHashV1})`}; every download's SHA-256 checked.`);
    return 0;
  } finally {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    stopCleanUp();
  }
}

export { runSeederBench };
