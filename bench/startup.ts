import { CLI, SYSTEM_PYTHON } from './config.js';
import { measure } from './measure.js';
import type { Command, MeasureOptions } from './measure.js';

/**
 * Node 20 reads and parses every certificate of NODE_EXTRA_CA_CERTS when it starts, whatever
 * the script (Node 22 reads them on first TLS use): with a system bundle that is ~0.05 s, as
 * much as the rest of Node's start-up. `create` makes no TLS connection, so the hashing rows run
 * without the variable, and the start-up lines show what it costs where it is set.
 */
const EXTRA_CA_VARIABLE = 'NODE_EXTRA_CA_CERTS';

/** The environment the hashing rows run in: this one without EXTRA_CA_VARIABLE. */
function benchEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[EXTRA_CA_VARIABLE];
  return env;
}

/**
 * What starting the process costs before any hashing: every time in the table includes it, and
 * at ~0.4 s per GiB it is a visible share. Node alone, Node loading our bundle (`--help`), a
 * whole `create` of a file too small for a second thread (bundle, file, torrent), and Python
 * importing libtorrent. The difference between the first three is what our code adds.
 */
function probes(tinyFile: string, tinyTorrent: string): ReadonlyArray<Command> {
  return [
    { label: 'Node alone: `node -e 0`', command: process.execPath, args: ['-e', '0'], output: undefined },
    { label: 'ours: `node dist/s3-torrent.js --help`', command: process.execPath, args: [CLI, '--help'], output: undefined },
    { label: 'ours: `create` of a 1 KiB file (one thread, no worker)', command: process.execPath, args: [CLI, 'create', tinyFile, '--no-date', '-o', tinyTorrent], output: tinyTorrent },
    { label: 'libtorrent: `python3 -c "import libtorrent"`', command: SYSTEM_PYTHON, args: ['-c', 'import libtorrent'], output: undefined },
  ];
}

/** One line per probe: median seconds and peak RSS, or why it failed. */
async function measureStartup(runs: number, options: Omit<MeasureOptions, 'runs'>, tiny: { file: string; torrent: string }): Promise<string[]> {
  const lines: string[] = [];
  const measureLine = async (probe: Command, env: NodeJS.ProcessEnv | undefined, note: string): Promise<void> => {
    try {
      const result = await measure(probe, { ...options, env, runs });
      const rss = result.peakRssKiB === undefined ? '' : `, peak RSS ${(result.peakRssKiB / 1024).toFixed(0)} MiB`;
      lines.push(`${probe.label}${note}: ${result.medianSeconds.toFixed(3)} s${rss}`);
    } catch (error) {
      lines.push(`${probe.label}${note}: failed (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  const all = probes(tiny.file, tiny.torrent);
  for (const probe of all) await measureLine(probe, options.env, '');
  if (process.env[EXTRA_CA_VARIABLE] !== undefined) {
    // This shell sets it: show what every Node process here pays for it (not in the table).
    await measureLine(all[0] as Command, process.env, ` with ${EXTRA_CA_VARIABLE} set, as in this shell`);
  }
  return lines;
}

export { EXTRA_CA_VARIABLE, benchEnvironment, measureStartup };
