// `npm run bench -- seeder` (issue 12, part 2): download rate of BitTorrent clients from our seeder
// (`node dist/seeder.js`, as the container runs it, next to a local stack without its own seeder;
// blocks read from the stack's S3 by anonymous ranged GETs) against the same client downloading
// the same pieces from python3-libtorrent seeding the file from disk, on loopback, alternating.
// Clients: python3-libtorrent and qBittorrent on their default transports (uTP first, then TCP),
// python3-libtorrent on TCP only, and aria2c (TCP). For each, ours is measured
//   cold: a freshly started seeder with the default cache: every piece a GET to S3;
//   warm: a seeder whose cache holds the object, primed by one download first;
// and the reference is libtorrent serving from the page cache. Goal: ours ≥ 1.0× libtorrent's
// rate, cold and warm, for every client. Each client finds its seeder by announcing to that
// seeder's tracker (ours: the seeder's own; libtorrent: opentracker).
// BENCH_SEEDER_MIB sets the object size (default 512), BENCH_SEEDER_RUNS the runs (default 2),
// BENCH_SEEDER_CLIENTS a comma-separated subset of the clients below.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../src/local/ports.js';
import { decodeBencode, encodeBencode, parseTorrent } from '../src/torrent/index.js';
import { downloadWithAria2c, downloadWithQbittorrent, makeTorrent, seedWithLibtorrent, startOpentracker, timedLibtorrentDownload } from '../test/e2e/clients/index.js';
import { BUCKET } from './flow/config.js';
import { fetchReadyTorrent, uploadFile } from './flow/ready.js';
import { startSeederService } from './flow/seederService.js';
import type { SeederService } from './flow/seederService.js';
import { withBenchStack } from './flow/session.js';
import { settleAndWarm, writeTestFile } from './testFile.js';

const MiB = 1024 * 1024;
/** 512 MiB: long enough that a client's start-up is a small part of the time, short enough for a shared 2-core machine. */
const OBJECT_MIB = Number(process.env['BENCH_SEEDER_MIB'] ?? 512);
const KEY = 'seeder-rate.bin';
/** Rounds of (cold, libtorrent, warm) per client; medians count. */
const RUNS = Number(process.env['BENCH_SEEDER_RUNS'] ?? 2);
/** The warm seeder's span cache: twice the object, so it reads it in 8 MiB spans (src/wire/Swarm.ts). */
const WARM_CACHE_FACTOR = 2;
/** One download; uTP on loopback can be slow (see the report), so this is generous. */
const DOWNLOAD_TIMEOUT_MS = 300_000;
const GOAL = 1.0;

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`[bench seeder] ${line}\n`);

/** The middle value; of an even count, the mean of the two middle ones (2 runs: their mean). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] ?? Number.NaN;
  return ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A client downloading a .torrent into `outDir`: the file's path and the seconds it took. The
 * python3-libtorrent script times itself from adding the torrent; the others are timed from
 * their start to their exit, start-up and shutdown included (the same on both sides).
 */
type Download = (torrentFile: string, outDir: string, peerPort: number) => Promise<{ path: string; seconds: number }>;

async function wallTimed(download: () => Promise<string>): Promise<{ path: string; seconds: number }> {
  const started = performance.now();
  const path = await download();
  return { path, seconds: (performance.now() - started) / 1000 };
}

const libtorrent = (transport: 'default' | 'tcp'): Download => async (torrentFile, outDir, peerPort) => {
  // The seeder as its only peer, as the transports part does: what is timed is the exchange
  // with the seeder, not announces (qBittorrent and aria2c offer no such option: they announce).
  const result = await timedLibtorrentDownload(
    { torrentFile },
    { outDir, timeoutMs: DOWNLOAD_TIMEOUT_MS, label: transport },
    { transport, peer: { host: '127.0.0.1', port: peerPort }, noTrackers: true },
  );
  return { path: result.path, seconds: result.doneSeconds };
};

const CLIENTS: ReadonlyArray<{ readonly name: string; readonly label: string; readonly download: Download }> = [
  { name: 'libtorrent', label: 'python3-libtorrent, default transports (uTP first)', download: libtorrent('default') },
  { name: 'libtorrent-tcp', label: 'python3-libtorrent, TCP only', download: libtorrent('tcp') },
  {
    name: 'qbittorrent',
    label: 'qBittorrent (qbittorrent-nox), default transports (uTP first)',
    download: (torrentFile, outDir) => wallTimed(() => downloadWithQbittorrent({ torrentFile }, { outDir, timeoutMs: DOWNLOAD_TIMEOUT_MS })),
  },
  {
    name: 'aria2c',
    label: 'aria2c (TCP)',
    download: (torrentFile, outDir) => wallTimed(() => downloadWithAria2c({ torrentFile }, { outDir, timeoutMs: DOWNLOAD_TIMEOUT_MS })),
  },
];

function selectedClients(): typeof CLIENTS {
  const wanted = (process.env['BENCH_SEEDER_CLIENTS'] ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (wanted.length === 0) return CLIENTS;
  const unknown = wanted.filter((n) => !CLIENTS.some((c) => c.name === n));
  if (unknown.length > 0) throw new Error(`unknown BENCH_SEEDER_CLIENTS ${unknown.join(', ')}: choose from ${CLIENTS.map((c) => c.name).join(', ')}`);
  return CLIENTS.filter((c) => wanted.includes(c.name));
}

/** The same .torrent announcing to `announce` only: the info dictionary, and so the infohash, unchanged. */
function withTracker(torrent: Uint8Array, announce: string): Uint8Array {
  const dict = decodeBencode(torrent);
  if (!(dict instanceof Map)) throw new Error('the .torrent is not a dictionary');
  const copy = new Map(dict);
  copy.delete('announce-list');
  copy.set('announce', Buffer.from(announce));
  return encodeBencode(copy);
}

type Side = 'cold' | 'warm' | 'theirs';

async function runSeederBench(): Promise<number> {
  const size = OBJECT_MIB * MiB;
  const clients = selectedClients();
  return withBenchStack('s3-torrent-bench-seeder-', async ({ dir, startStack, stopAtEnd }) => {
    const seedDir = join(dir, 'seed');
    await mkdir(seedDir);
    const file = join(seedDir, KEY);
    progress(`writing ${OBJECT_MIB} MiB ...`);
    await writeTestFile(file, size);
    await settleAndWarm(file);
    const expected = await sha256File(file);

    progress('starting `s3-torrent local` without its seeder and webseeds (every byte comes from a seeder) ...');
    const { stack, clients: aws } = await startStack({ S3TORRENT_LOCAL_SEEDER: 'off', S3TORRENT_LOCAL_WEBSEEDS: 'off' });
    await uploadFile(aws.publisher, { bucket: BUCKET, key: KEY }, file, size);
    const ours = await fetchReadyTorrent(stack.endpoints.api, BUCKET, KEY);
    const summary = parseTorrent(ours);

    progress('starting python3-libtorrent seeding the same file, announced on opentracker ...');
    const tracker = await startOpentracker([summary.infoHashV1 ?? '']);
    stopAtEnd(() => tracker.stop());
    const theirs = await makeTorrent(file, { tool: 'libtorrent-v1', pieceLength: summary.pieceLength, outFile: join(dir, 'theirs.torrent'), trackers: [tracker.httpAnnounce] });
    if (theirs.infoHashV1 !== summary.infoHashV1) throw new Error(`libtorrent's torrent has another infohash (${theirs.infoHashV1} vs ${summary.infoHashV1})`);
    const reference = await seedWithLibtorrent(theirs.torrentFile, seedDir);
    stopAtEnd(() => reference.stop());

    // Each of our seeders on fixed ports, so that a restarted cold one is where its .torrent says.
    const coldPorts = { peerPort: await freeLoopbackPort(), trackerPort: await freeLoopbackPort() };
    const warm = await startSeederService(stack.endpoints, { cacheBytes: WARM_CACHE_FACTOR * size });
    stopAtEnd(() => warm.stop());
    const torrentFor = async (name: string, trackerPort: number): Promise<string> => {
      const path = join(dir, `${name}.torrent`);
      await writeFile(path, withTracker(ours, `http://127.0.0.1:${trackerPort}/announce`));
      return path;
    };
    const torrents: Record<Side, string> = {
      cold: await torrentFor('ours-cold', coldPorts.trackerPort),
      warm: await torrentFor('ours-warm', warm.trackerPort),
      theirs: theirs.torrentFile,
    };
    const peerPorts: Record<Side, number> = { cold: coldPorts.peerPort, warm: warm.peerPort, theirs: reference.port };

    const outDir = join(dir, 'download');
    const samples = new Map<string, number[]>();
    const failures: string[] = [];
    const measure = async (client: (typeof CLIENTS)[number], side: Side): Promise<void> => {
      await rm(outDir, { recursive: true, force: true });
      try {
        const { path, seconds } = await client.download(torrents[side], outDir, peerPorts[side]);
        const digest = await sha256File(path);
        if (digest !== expected) throw new Error(`downloaded different bytes (${digest} ≠ ${expected})`);
        const key = `${client.name} ${side}`;
        samples.set(key, [...(samples.get(key) ?? []), seconds]);
      } catch (error) {
        failures.push(`${client.name} from ${side === 'theirs' ? 'libtorrent' : `ours (${side})`}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      } finally {
        await rm(outDir, { recursive: true, force: true });
      }
    };

    progress('priming the warm seeder with one aria2c download ...');
    await downloadWithAria2c({ torrentFile: torrents.warm }, { outDir, timeoutMs: DOWNLOAD_TIMEOUT_MS });
    await rm(outDir, { recursive: true, force: true });

    for (let run = 1; run <= RUNS; run += 1) {
      for (const client of clients) {
        progress(`run ${run}/${RUNS}, ${client.name}: ours cold (fresh seeder, default cache) ...`);
        let cold: SeederService | undefined;
        try {
          cold = await startSeederService(stack.endpoints, coldPorts);
          await measure(client, 'cold');
        } finally {
          await cold?.stop();
        }
        progress(`run ${run}/${RUNS}, ${client.name}: python3-libtorrent ...`);
        await measure(client, 'theirs');
        progress(`run ${run}/${RUNS}, ${client.name}: ours warm ...`);
        await measure(client, 'warm');
      }
    }

    const rate = (seconds: number): number => size / 1e6 / seconds;
    const rates = (key: string): number[] => (samples.get(key) ?? []).map(rate);
    const medianRate = (key: string): number => median(rates(key));
    const cell = (key: string): string => `${medianRate(key).toFixed(0)} (${rates(key).map((r) => r.toFixed(0)).join(', ')})`;
    const ratio = (value: number): string => (Number.isNaN(value) ? 'n/a' : `**${value.toFixed(2)}×**${value >= GOAL ? '' : ' (NOT MET)'}`);
    out(`## Seeder: download rate of clients from ours against from python3-libtorrent, ${OBJECT_MIB} MiB on loopback (${availableParallelism()} CPUs, ${RUNS} runs each, alternating)`);
    out();
    out('MB/s, median (runs). Goal: ours / libtorrent ≥ 1.0×, cold and warm.');
    out();
    out('| client | ours cold | ours warm | python3-libtorrent seeder | cold / libtorrent | warm / libtorrent |');
    out('|---|---:|---:|---:|---:|---:|');
    for (const client of clients) {
      const theirsRate = medianRate(`${client.name} theirs`);
      out(`| ${client.label} | ${cell(`${client.name} cold`)} | ${cell(`${client.name} warm`)} | ${cell(`${client.name} theirs`)} | ${ratio(medianRate(`${client.name} cold`) / theirsRate)} | ${ratio(medianRate(`${client.name} warm`) / theirsRate)} |`);
    }
    out();
    out('Cold: a freshly started `node dist/seeder.js` with the default cache, every piece a ranged GET to s3rver; warm: a seeder whose cache holds the object. The libtorrent seeder reads the file from the page cache.');
    out('python3-libtorrent is timed by itself from adding the torrent to the last piece checked; qBittorrent and aria2c from their start to their exit (start-up, announce and shutdown included, the same on both sides).');
    out(`Same infohash both sides: yes (checked); every download's SHA-256 checked.${failures.length > 0 ? '' : ' No download failed.'}`);
    for (const failure of failures) out(`- FAILED: ${failure}`);
    return failures.length > 0 ? 1 : 0;
  });
}

export { runSeederBench };
