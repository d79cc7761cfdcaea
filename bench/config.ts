import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Everything the bench fixes in one place, so a reader sees what was measured and how.

const here = dirname(fileURLToPath(import.meta.url));

/** Repository root: the CLI under test is the bundle `npm run build` writes to dist/. */
const PROJECT_ROOT = join(here, '..');
const CLI = join(PROJECT_ROOT, 'dist', 's3-torrent.js');

/** 1 GiB: large enough that process start-up is a small share, small enough for the page cache. */
const FILE_SIZE = 1024 * 1024 * 1024;

/** 512 KiB is what `pieceLengthFor` picks for 1 GiB; every tool gets the same so hashes compare. */
const PIECE_LENGTH = 512 * 1024;
const PIECE_EXPONENT = Math.log2(PIECE_LENGTH);

/** Every child is bounded: a hung tool must fail the bench, not stall it. */
const CHILD_TIMEOUT_MS = 120_000;

/**
 * Debian's libtorrent bindings live in the system Python; a `python3` earlier on PATH (pyenv)
 * may not import them (see ../shared/notes/bittorrent-clients.md).
 */
const SYSTEM_PYTHON = '/usr/bin/python3';
const LIBTORRENT_SCRIPT = join(here, 'libtorrent_create.py');

/** GNU time (Debian package `time`) reports the child's peak RSS; Node's child_process cannot. */
const GNU_TIME = '/usr/bin/time';

/** Measured runs per command (after one warm-up); the median damps one-off noise. */
function measuredRuns(): number {
  const text = process.env['BENCH_RUNS'];
  if (text === undefined || text === '') return 3;
  const runs = Number(text);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
    throw new Error(`BENCH_RUNS must be an integer from 1 to 100, not "${text}"`);
  }
  return runs;
}

export {
  CHILD_TIMEOUT_MS,
  CLI,
  FILE_SIZE,
  GNU_TIME,
  LIBTORRENT_SCRIPT,
  PIECE_EXPONENT,
  PIECE_LENGTH,
  PROJECT_ROOT,
  SYSTEM_PYTHON,
  measuredRuns,
};
