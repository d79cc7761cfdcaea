import { CLI, SYSTEM_PYTHON } from './config.js';
import { measure } from './measure.js';
import type { Command, MeasureOptions } from './measure.js';

/**
 * What starting the process costs before any hashing: every time in the table includes it, and
 * at ~0.4 s per GiB it is a visible share. Node loading our bundle vs Python importing libtorrent.
 */
const PROBES: ReadonlyArray<Command> = [
  { label: 'ours: `node dist/s3-torrent.js --help`', command: process.execPath, args: [CLI, '--help'], output: undefined },
  { label: 'libtorrent: `python3 -c "import libtorrent"`', command: SYSTEM_PYTHON, args: ['-c', 'import libtorrent'], output: undefined },
];

/** One line per probe: median seconds and peak RSS, or why it failed. */
async function measureStartup(runs: number, options: Omit<MeasureOptions, 'runs'>): Promise<string[]> {
  const lines: string[] = [];
  for (const probe of PROBES) {
    try {
      const result = await measure(probe, { ...options, runs });
      const rss = result.peakRssKiB === undefined ? '' : `, peak RSS ${(result.peakRssKiB / 1024).toFixed(0)} MiB`;
      lines.push(`${probe.label}: ${result.medianSeconds.toFixed(3)} s${rss}`);
    } catch (error) {
      lines.push(`${probe.label}: failed (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return lines;
}

export { measureStartup };
