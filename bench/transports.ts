// `npm run bench -- transports`: python3-libtorrent downloading one object from our seeder (the
// local stack, `s3-torrent local`, no webseed) with its default transports (uTP first, then TCP),
// TCP only and uTP only, against the same client downloading the same pieces from a
// python3-libtorrent seeder, in the same run, runs alternating. Each client is given the seeder
// as its only peer (no tracker): what is measured is the transport, not the announce.
// Reported per case: time to the first payload byte and MiB/s from adding the torrent to the
// last piece checked, both as the client itself times them (its own start-up is not counted).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../src/local/ports.js';
import { parseTorrent } from '../src/torrent/index.js';
import { makeTorrent, seedWithLibtorrent, timedLibtorrentDownload } from '../test/e2e/clients/index.js';
import type { LibtorrentTransport } from '../test/e2e/clients/index.js';
import { BUCKET } from './flow/config.js';
import { fetchReadyTorrent, uploadFile } from './flow/ready.js';
import { withBenchStack } from './flow/session.js';
import { settleAndWarm, writeTestFile } from './testFile.js';

const MiB = 1024 * 1024;
/** 256 MiB: the size issue 15 measured the uTP wait on; BENCH_TRANSPORTS_MIB shrinks it for a quick check. */
const OBJECT_MIB = Number(process.env['BENCH_TRANSPORTS_MIB'] ?? 256);
const KEY = 'transports.bin';
/** Runs of each case, alternating between the two seeders; the median counts. */
const RUNS = Number(process.env['BENCH_TRANSPORTS_RUNS'] ?? 3);
const DOWNLOAD_TIMEOUT_MS = 300_000;
/** Issue 15's goal: first byte with default transports within this share of TCP-only's. */
const FIRST_BYTE_GOAL = 1.2;
const TRANSPORTS: ReadonlyArray<{ readonly transport: LibtorrentTransport; readonly label: string }> = [
  { transport: 'default', label: 'default (uTP first, then TCP)' },
  { transport: 'tcp', label: 'TCP only' },
  { transport: 'utp', label: 'uTP only' },
];

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`[bench transports] ${line}\n`);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}


interface Sample {
  readonly firstByte: number;
  readonly done: number;
}

/** One timed download from the seeder at `port`; the file is checked, then deleted. */
async function timedDownload(torrentFile: string, port: number, transport: LibtorrentTransport, outDir: string, expected: string): Promise<Sample> {
  await rm(outDir, { recursive: true, force: true });
  const result = await timedLibtorrentDownload(
    { torrentFile },
    { outDir, timeoutMs: DOWNLOAD_TIMEOUT_MS, label: transport },
    { transport, peer: { host: '127.0.0.1', port }, noTrackers: true },
  );
  const digest = await sha256File(result.path);
  await rm(outDir, { recursive: true, force: true });
  if (digest !== expected) throw new Error(`libtorrent (${transport}) downloaded different bytes (${digest} ≠ ${expected})`);
  return { firstByte: result.firstByteSeconds, done: result.doneSeconds };
}

async function runTransportsBench(): Promise<number> {
  const size = OBJECT_MIB * MiB;
  return withBenchStack('s3-torrent-bench-transports-', async ({ dir, startStack, stopAtEnd }) => {
    const seedDir = join(dir, 'seed');
    await mkdir(seedDir);
    const file = join(seedDir, KEY);
    progress(`writing ${OBJECT_MIB} MiB ...`);
    await writeTestFile(file, size);
    await settleAndWarm(file);
    const expected = await sha256File(file);

    progress('starting `s3-torrent local` (no webseeds: every byte comes from the seeder) ...');
    const peerPort = await freeLoopbackPort();
    const { stack, clients } = await startStack({ S3TORRENT_LOCAL_WEBSEEDS: 'off', S3TORRENT_PEER_PORT: String(peerPort) });
    await uploadFile(clients.publisher, { bucket: BUCKET, key: KEY }, file, size);
    const ours = await fetchReadyTorrent(stack.endpoints.api, BUCKET, KEY);
    const oursFile = join(dir, 'ours.torrent');
    await writeFile(oursFile, ours);
    const summary = parseTorrent(ours);

    progress('starting python3-libtorrent seeding the same file (default transports) ...');
    const theirs = await makeTorrent(file, { tool: 'libtorrent-v1', pieceLength: summary.pieceLength, outFile: join(dir, 'theirs.torrent'), trackers: [] });
    const seeder = await seedWithLibtorrent(theirs.torrentFile, seedDir);
    stopAtEnd(() => seeder.stop());

    const samples = new Map<string, Sample[]>();
    const record = (key: string, sample: Sample): void => void samples.set(key, [...(samples.get(key) ?? []), sample]);
    // Warm-up: the first download from our seeder reads every piece from S3; the rest come from its cache.
    progress('warm-up download from our seeder ...');
    await timedDownload(oursFile, peerPort, 'tcp', join(dir, 'download'), expected);
    for (let run = 1; run <= RUNS; run += 1) {
      for (const { transport } of TRANSPORTS) {
        progress(`run ${run}/${RUNS}: ${transport} from our seeder, then from libtorrent ...`);
        record(`ours ${transport}`, await timedDownload(oursFile, peerPort, transport, join(dir, 'download'), expected));
        record(`theirs ${transport}`, await timedDownload(theirs.torrentFile, seeder.port, transport, join(dir, 'download'), expected));
      }
    }

    const firstByte = (key: string): number => median((samples.get(key) ?? []).map((s) => s.firstByte));
    const rate = (key: string): number => median((samples.get(key) ?? []).map((s) => size / MiB / s.done));
    const runs = (key: string): string => (samples.get(key) ?? []).map((s) => `${s.firstByte.toFixed(2)}/${s.done.toFixed(2)}`).join(', ');
    out(`## Transports: python3-libtorrent downloading ${OBJECT_MIB} MiB on loopback (${availableParallelism()} CPUs, ${RUNS} runs each, alternating; warm seeder cache)`);
    out();
    out('| client transports | seeder | first byte (median) | speed (median) | runs (first byte / done, s) |');
    out('|---|---|---|---|---|');
    for (const { transport, label } of TRANSPORTS) {
      for (const [side, name] of [['ours', 'ours (s3-torrent local)'], ['theirs', 'python3-libtorrent']] as const) {
        const key = `${side} ${transport}`;
        out(`| ${label} | ${name} | ${firstByte(key).toFixed(2)} s | ${rate(key).toFixed(0)} MiB/s | ${runs(key)} |`);
      }
    }
    out();
    const share = firstByte('ours default') / firstByte('ours tcp');
    out(`First byte from our seeder, default transports / TCP only: **${share.toFixed(2)}×** (goal ≤ ${FIRST_BYTE_GOAL.toFixed(1)}×: ${share <= FIRST_BYTE_GOAL ? 'met' : 'NOT MET'}).`);
    for (const { transport, label } of TRANSPORTS) {
      out(`Speed ratio ours / libtorrent, ${label}: ${(rate(`ours ${transport}`) / rate(`theirs ${transport}`)).toFixed(2)}×.`);
    }
    out(`Same infohash both sides: ${summary.infoHashV1 === theirs.infoHashV1 ? 'yes' : `no (${summary.infoHashV1} vs ${theirs.infoHashV1})`}; every download's SHA-256 checked.`);
    return 0;
  });
}

export { runTransportsBench };
