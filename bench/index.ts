// `npm run bench`: every part, one after the other, each printing its own markdown report.
//   hashing: `s3-torrent create` on 1 GiB against openssl, mktorrent and libtorrent.
//   flow:    issue 4 on the local stack: time to READY of 1 GiB against one read of it, and
//            cached `?torrent` latency against S3 serving the same bytes.
//   tracker: UDP announces per second against opentracker and bittorrent-tracker.
//   seeder:  download MB/s of python3-libtorrent (default and TCP only), qBittorrent and aria2c
//            from our seeder, cold and warm, against the same clients from python3-libtorrent.
//   transports: python3-libtorrent with default, TCP-only and uTP-only transports, downloading
//            from our seeder and from a python3-libtorrent seeder: first byte and MiB/s.
//   seeder-cpu: the seeder service's CPU per GiB served, cold and warm, against libtorrent's.
//   prefix:  time to a ready prefix torrent (1,000 small objects; 10 × 100 MiB), cold and with
//            members already hashed, against libtorrent's create_torrent on the same files.
// One part only: `npm run bench -- flow` or `BENCH_ONLY=flow npm run bench` (comma-separated
// names for several). Parts run sequentially so that they never compete for the CPUs.
import { runFlowBench } from './flow/index.js';
import { runHashingBench } from './hashing.js';

const PARTS = {
  hashing: runHashingBench,
  flow: runFlowBench,
  tracker: async () => (await import('./tracker.js')).runTrackerBench(),
  seeder: async () => (await import('./seeder.js')).runSeederBench(),
  transports: async () => (await import('./transports.js')).runTransportsBench(),
  'seeder-cpu': async () => (await import('./seederCpu.js')).runSeederCpuBench(),
  prefix: async () => (await import('./prefix.js')).runPrefixBench(),
} as const;
type PartName = keyof typeof PARTS;

function isPartName(name: string): name is PartName {
  return Object.hasOwn(PARTS, name);
}

/** The parts asked for on the command line, else in BENCH_ONLY, else all of them in order. */
function selectedParts(): PartName[] {
  const fromArgs = process.argv.slice(2);
  const names = fromArgs.length > 0 ? fromArgs : (process.env['BENCH_ONLY'] ?? '').split(',');
  const wanted = names.map((n) => n.trim()).filter((n) => n !== '');
  if (wanted.length === 0) return Object.keys(PARTS) as PartName[];
  const unknown = wanted.filter((n) => !isPartName(n));
  if (unknown.length > 0) {
    throw new Error(`unknown bench part(s) ${unknown.join(', ')}: choose from ${Object.keys(PARTS).join(', ')}`);
  }
  return wanted.filter(isPartName);
}

try {
  let exitCode = 0;
  for (const part of selectedParts()) {
    // A failing part must not hide the others' results: run them all, fail at the end.
    try {
      exitCode = Math.max(exitCode, await PARTS[part]());
    } catch (error) {
      process.stderr.write(`bench ${part} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      exitCode = 1;
    }
    process.stdout.write('\n');
  }
  process.exitCode = exitCode;
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
