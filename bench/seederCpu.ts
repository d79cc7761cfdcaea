// `npm run bench -- seeder-cpu` (issue 12, part 1): CPU seconds per GiB served by the seeder
// service as the container runs it (`node dist/seeder.js`, its own process next to a local
// stack that runs no seeder), against python3-libtorrent seeding the same file from disk, each
// serving the same client (aria2c) on loopback, runs alternating:
//   cold: the default span cache (smaller than the object): every piece is an anonymous ranged
//         GET to the stack's S3; a fresh seeder process, so its JIT warm-up and the first fill of
//         its cache's memory count too;
//   cold, warmed-up process: the same seeder then serving a second object (the same bytes under
//         another key, so none of it is cached): every piece a GET again, what a long-running
//         seeder pays per GiB;
//   warm: a cache that holds the object, primed by one download first (its CPU is reported too).
// CPU is the process's own (all threads, /proc), over the download only: start-up is excluded
// on both sides. Goals (issue 12): cold ≤ 1.5× libtorrent's CPU per GiB, warm ≤ 1.0×.
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { magnetLink, parseTorrent } from '../src/torrent/index.js';
import { downloadWithAria2c, makeTorrent, seedWithLibtorrent, startOpentracker } from '../test/e2e/clients/index.js';
import { BUCKET } from './flow/config.js';
import { fetchReadyTorrent, uploadFile } from './flow/ready.js';
import { startSeederService } from './flow/seederService.js';
import type { SeederService } from './flow/seederService.js';
import { withBenchStack } from './flow/session.js';
import { settleAndWarm, writeTestFile } from './testFile.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const OBJECT_SIZE = GiB;
const KEY = 'seeder-cpu-1GiB.bin';
/** The same bytes under another key: another object version, none of whose spans are cached. */
const SECOND_KEY = 'seeder-cpu-1GiB-second.bin';
/** Rounds of (cold, libtorrent, warm); medians count. */
const RUNS = Number(process.env['BENCH_SEEDER_RUNS'] ?? 3);
/** A cache that holds the object twice over: the seeder then reads it in 8 MiB spans (src/wire/Swarm.ts). */
const WARM_CACHE_BYTES = 2 * OBJECT_SIZE;
const DOWNLOAD_TIMEOUT_MS = 600_000;
/** Issue 12's goals: our CPU per GiB over libtorrent's, at most. */
const COLD_GOAL = 1.5;
const WARM_GOAL = 1.0;
/** /proc times are in USER_HZ ticks, 100 per second on Linux. */
const TICKS_PER_SECOND = 100;

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`[bench seeder-cpu] ${line}\n`);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** CPU seconds (user + system, every thread) process `pid` has used so far. */
function processCpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds `pid` used while aria2c downloaded the object once (aria2c checks every piece). */
async function cpuOfDownload(pid: number, download: () => Promise<string>, outDir: string): Promise<number> {
  await rm(outDir, { recursive: true, force: true });
  const before = processCpuSeconds(pid);
  await download();
  const used = processCpuSeconds(pid) - before;
  await rm(outDir, { recursive: true, force: true });
  return used;
}


async function runSeederCpuBench(): Promise<number> {
  return withBenchStack('s3-torrent-bench-seeder-cpu-', async ({ dir, startStack, stopAtEnd }) => {
    const seedDir = join(dir, 'seed');
    await mkdir(seedDir);
    const file = join(seedDir, KEY);
    progress(`writing ${OBJECT_SIZE / MiB} MiB ...`);
    await writeTestFile(file, OBJECT_SIZE);
    await settleAndWarm(file);

    progress('starting `s3-torrent local` without its seeder and webseeds ...');
    const { stack, clients } = await startStack({ S3TORRENT_LOCAL_SEEDER: 'off', S3TORRENT_LOCAL_WEBSEEDS: 'off' });
    await uploadFile(clients.publisher, { bucket: BUCKET, key: KEY }, file, OBJECT_SIZE);
    await uploadFile(clients.publisher, { bucket: BUCKET, key: SECOND_KEY }, file, OBJECT_SIZE);
    const ours = parseTorrent(await fetchReadyTorrent(stack.endpoints.api, BUCKET, KEY));
    const second = parseTorrent(await fetchReadyTorrent(stack.endpoints.api, BUCKET, SECOND_KEY));

    progress('starting python3-libtorrent seeding the same file, announced on opentracker ...');
    const tracker = await startOpentracker([ours.infoHashV1 ?? '']);
    stopAtEnd(() => tracker.stop());
    const theirs = await makeTorrent(file, { tool: 'libtorrent-v1', pieceLength: ours.pieceLength, outFile: join(dir, 'theirs.torrent'), trackers: [tracker.httpAnnounce] });
    const libtorrent = await seedWithLibtorrent(theirs.torrentFile, seedDir);
    stopAtEnd(() => libtorrent.stop());

    const outDir = join(dir, 'download');
    const aria2c = (source: Parameters<typeof downloadWithAria2c>[0]) => () => downloadWithAria2c(source, { outDir, timeoutMs: DOWNLOAD_TIMEOUT_MS });
    const fromService = (service: SeederService, torrent = ours) =>
      aria2c({ magnet: magnetLink({ infoHashV1: torrent.infoHashV1, trackers: [[`http://127.0.0.1:${service.trackerPort}/announce`]] }) });

    progress('starting the warm seeder (cache holds the object) and priming it with one download ...');
    const warmService = await startSeederService(stack.endpoints, { cacheBytes: WARM_CACHE_BYTES });
    stopAtEnd(() => warmService.stop());
    const warmPid = warmService.child.pid as number;
    const primeCpu = await cpuOfDownload(warmPid, fromService(warmService), outDir);

    const cold: number[] = [];
    const coldWarmedUp: number[] = [];
    const theirsCpu: number[] = [];
    const warm: number[] = [];
    for (let run = 1; run <= RUNS; run += 1) {
      progress(`run ${run}/${RUNS}: cold (fresh seeder, default cache) ...`);
      const coldService = await startSeederService(stack.endpoints);
      try {
        cold.push(await cpuOfDownload(coldService.child.pid as number, fromService(coldService), outDir));
        progress(`run ${run}/${RUNS}: cold, same seeder, the second object ...`);
        coldWarmedUp.push(await cpuOfDownload(coldService.child.pid as number, fromService(coldService, second), outDir));
      } finally {
        await coldService.stop();
      }
      progress(`run ${run}/${RUNS}: python3-libtorrent ...`);
      theirsCpu.push(await cpuOfDownload(libtorrent.pid, aria2c({ torrentFile: theirs.torrentFile }), outDir));
      progress(`run ${run}/${RUNS}: warm ...`);
      warm.push(await cpuOfDownload(warmPid, fromService(warmService), outDir));
    }
    const perGiB = (seconds: number): string => `${(seconds / (OBJECT_SIZE / GiB)).toFixed(2)}`;
    const list = (values: readonly number[]): string => values.map(perGiB).join(', ');
    const theirsMedian = median(theirsCpu);
    const coldRatio = median(cold) / theirsMedian;
    const warmRatio = median(warm) / theirsMedian;
    out(`## Seeder CPU per GiB served: aria2c downloading ${OBJECT_SIZE / MiB} MiB on loopback (${availableParallelism()} CPUs, ${RUNS} runs each, alternating)`);
    out();
    out('| seeder | CPU-s per GiB (median) | runs |');
    out('|---|---:|---|');
    out(`| ours cold: \`node dist/seeder.js\`, default cache, every piece a ranged GET to s3rver | ${perGiB(median(cold))} | ${list(cold)} |`);
    out(`| ours cold, warmed-up process: the same seeder then serving another object, every piece a GET | ${perGiB(median(coldWarmedUp))} | ${list(coldWarmedUp)} |`);
    out(`| ours warm: cache holds the object, pieces from the cache | ${perGiB(median(warm))} | ${list(warm)} |`);
    out(`| ours priming the warm cache (8 MiB GETs) | ${perGiB(primeCpu)} | ${list([primeCpu])} |`);
    out(`| python3-libtorrent seeding the file from the page cache | ${perGiB(theirsMedian)} | ${list(theirsCpu)} |`);
    out();
    out(`CPU ratio ours / libtorrent: cold **${coldRatio.toFixed(2)}×** (goal ≤ ${COLD_GOAL.toFixed(1)}×: ${coldRatio <= COLD_GOAL ? 'met' : 'NOT MET'}); warm **${warmRatio.toFixed(2)}×** (goal ≤ ${WARM_GOAL.toFixed(1)}×: ${warmRatio <= WARM_GOAL ? 'met' : 'NOT MET'}); cold in a warmed-up process ${(median(coldWarmedUp) / theirsMedian).toFixed(2)}×.`);
    out('Each figure is the seeder process\'s own CPU (all threads) during one download; s3rver\'s CPU (in the stack\'s process) is not counted, as S3\'s is not on AWS.');
    out(`Same infohash both sides: ${ours.infoHashV1 === theirs.infoHashV1 ? 'yes' : `no (${ours.infoHashV1} vs ${theirs.infoHashV1})`}; aria2c checks every piece.`);
    return 0;
  });
}

export { runSeederCpuBench };
