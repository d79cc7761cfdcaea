import { join } from 'node:path';
import { CLI, LIBTORRENT_SCRIPT, PIECE_EXPONENT, PIECE_LENGTH, SYSTEM_PYTHON } from './config.js';

/** The hashing rows of the table, named so comparisons and checks can refer to them. */
type CaseId =
  | 'oursV1'
  | 'oursV1Single'
  | 'openssl'
  | 'opensslSha256'
  | 'mktorrentSingle'
  | 'mktorrent'
  | 'oursHybrid'
  | 'oursHybridSingle'
  | 'libtorrentHybrid';

interface BenchCase {
  readonly id: CaseId;
  /** Label in the table: the command as a reader would type it. */
  readonly label: string;
  /** Name in the ratio column and goal lines. */
  readonly short: string;
  readonly command: string;
  readonly args: ReadonlyArray<string>;
  /** The .torrent it writes (deleted before each run: mktorrent refuses to overwrite). */
  readonly output: string | undefined;
}

/** A row "ours is N× faster than X": their median / our median. */
interface Comparison {
  readonly ours: CaseId;
  readonly theirs: CaseId;
}

/** Goals the project set itself; the bench prints whether this run meets them. */
interface Goal {
  readonly comparison: Comparison;
  readonly minRatio: number;
  readonly text: string;
}

/** Every hashing command, in table order, all on the same file with 512 KiB pieces. */
function benchCases(file: string, dir: string, cores: number): BenchCase[] {
  // Both our default and mktorrent's use one thread per core: the label says how many that is.
  const all = `${cores} threads`;
  const out = (name: string): string => join(dir, `${name}.torrent`);
  const ours = (id: CaseId, label: string, short: string, extra: string[]): BenchCase => ({
    id,
    label,
    short,
    command: process.execPath,
    args: [CLI, 'create', file, '--no-date', '--piece-length', '512k', ...extra, '-o', out(id)],
    output: out(id),
  });
  const exponent = String(PIECE_EXPONENT);
  return [
    ours('oursV1', `ours v1 (default: ${all})`, 'ours v1', []),
    ours('oursV1Single', 'ours v1 `--threads 1`', 'ours v1 1 thread', ['--threads', '1']),
    { id: 'openssl', label: '`openssl dgst -sha1`', short: 'openssl', command: 'openssl', args: ['dgst', '-sha1', file], output: undefined },
    {
      id: 'opensslSha256',
      label: '`openssl dgst -sha256`',
      short: 'openssl sha256',
      command: 'openssl',
      args: ['dgst', '-sha256', file],
      output: undefined,
    },
    {
      id: 'mktorrentSingle',
      label: '`mktorrent -t 1`',
      short: 'mktorrent -t 1',
      command: 'mktorrent',
      args: ['-t', '1', '-d', '-l', exponent, '-o', out('mktorrentSingle'), file],
      output: out('mktorrentSingle'),
    },
    {
      id: 'mktorrent',
      label: `\`mktorrent\` (default: ${all})`,
      short: 'mktorrent',
      command: 'mktorrent',
      args: ['-d', '-l', exponent, '-o', out('mktorrent'), file],
      output: out('mktorrent'),
    },
    ours('oursHybrid', `ours \`--hybrid\` (default: ${all})`, 'ours hybrid', ['--hybrid']),
    ours('oursHybridSingle', 'ours `--hybrid --threads 1`', 'ours hybrid 1 thread', ['--hybrid', '--threads', '1']),
    {
      id: 'libtorrentHybrid',
      label: 'libtorrent 2.0 hybrid (`create_torrent` flags=0)',
      short: 'libtorrent',
      command: SYSTEM_PYTHON,
      args: [LIBTORRENT_SCRIPT, file, String(PIECE_LENGTH), out('libtorrentHybrid')],
      output: out('libtorrentHybrid'),
    },
  ];
}

/** The ratios the table shows, each on the competitor's row. */
const COMPARISONS: ReadonlyArray<Comparison> = [
  { ours: 'oursV1', theirs: 'openssl' },
  { ours: 'oursV1', theirs: 'mktorrentSingle' },
  { ours: 'oursV1', theirs: 'mktorrent' },
  { ours: 'oursHybrid', theirs: 'libtorrentHybrid' },
];

/**
 * Context outside the table: like-for-like single-thread ratios, and how much a second thread
 * buys each tool (its 1-thread time over its default time, "ours" being the default run).
 */
const CONTEXT: ReadonlyArray<Comparison> = [
  { ours: 'oursV1Single', theirs: 'mktorrentSingle' },
  { ours: 'oursHybridSingle', theirs: 'libtorrentHybrid' },
  { ours: 'oursV1', theirs: 'oursV1Single' },
  { ours: 'mktorrent', theirs: 'mktorrentSingle' },
  { ours: 'oursHybrid', theirs: 'oursHybridSingle' },
];

/**
 * What hashing the file cannot beat on this machine: one core's `openssl dgst` (read the file
 * once, hash every byte once) spread over every core. v1 hashes SHA-1 once; hybrid hashes the
 * same bytes with SHA-1 and SHA-256 (its floor counts the read twice: a little above the truth).
 */
interface Floor {
  readonly text: string;
  /** openssl runs whose times add up to one core's work. */
  readonly work: ReadonlyArray<CaseId>;
  /** Tools compared with the floor (their time over it). */
  readonly tools: ReadonlyArray<CaseId>;
}

const FLOORS: ReadonlyArray<Floor> = [
  { text: 'v1: SHA-1 of the file once', work: ['openssl'], tools: ['oursV1', 'mktorrent'] },
  { text: 'hybrid: SHA-1 and SHA-256 of the file', work: ['openssl', 'opensslSha256'], tools: ['oursHybrid', 'libtorrentHybrid'] },
];

const GOALS: ReadonlyArray<Goal> = [
  { comparison: { ours: 'oursV1', theirs: 'mktorrent' }, minRatio: 1.0, text: 'v1 ≥ 1.0× mktorrent using both cores' },
  { comparison: { ours: 'oursHybrid', theirs: 'libtorrentHybrid' }, minRatio: 1.5, text: 'hybrid ≥ 1.5× libtorrent' },
];

export { COMPARISONS, CONTEXT, FLOORS, GOALS, benchCases };
export type { BenchCase, CaseId, Comparison, Floor, Goal };
