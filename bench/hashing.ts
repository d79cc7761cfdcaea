// The hashing part of `npm run bench`: how fast `s3-torrent create` hashes 1 GiB against
// openssl, mktorrent and libtorrent, measured in one run on one file, and whether our torrents
// match theirs. Run through npm: the script builds dist/ first, and the bench times that bundle.
import { constants, rmSync } from 'node:fs';
import { access, mkdtemp, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPARISONS, CONTEXT, FLOORS, GOALS, benchCases } from './cases.js';
import type { CaseId } from './cases.js';
import { CLI, FILE_SIZE, GNU_TIME, PIECE_LENGTH, PROJECT_ROOT, measuredRuns } from './config.js';
import { measureInterleaved } from './measure.js';
import type { Measurement } from './measure.js';
import { formatContext, formatFloors, formatGoals, formatNoise, formatRuns, formatTable } from './report.js';
import { killAllRunning } from './run.js';
import { EXTRA_CA_VARIABLE, benchEnvironment, measureStartup } from './startup.js';
import { settleAndWarm, writeTestFile } from './testFile.js';
import { infoHashChecks } from './verify.js';
import type { Check } from './verify.js';

/** Progress goes to stderr so stdout is only the report. */
function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Runs the hashing bench and prints its report; resolves to the exit code (1: a failure or mismatch). */
async function runHashingBench(): Promise<number> {
  const runs = measuredRuns();
  const cores = availableParallelism();
  if (!(await executable(CLI))) throw new Error(`${CLI} is missing: run \`npm run bench\`, which builds it first`);
  const gnuTime = (await executable(GNU_TIME)) ? GNU_TIME : undefined;
  const dir = await mkdtemp(join(tmpdir(), 's3-torrent-bench-'));
  // Ctrl-C must not leave a 1 GiB file or a running tool behind.
  const onSignal = (): void => {
    killAllRunning();
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const file = join(dir, 'bench-1GiB.bin');
    progress(`writing ${FILE_SIZE / 1024 ** 3} GiB of AES-CTR keystream to ${file} ...`);
    await writeTestFile(file, FILE_SIZE);
    await settleAndWarm(file);

    const cases = benchCases(file, dir, cores);
    const results = new Map<CaseId, Measurement>();
    const failures: string[] = [];
    const options = { runs, cwd: PROJECT_ROOT, gnuTime, timeReport: join(dir, 'time-report.txt'), cores, env: benchEnvironment() };
    const measured = await measureInterleaved(cases, options, (round) =>
      progress(round === 0 ? `warm-up round: every command once ...` : `round ${round} of ${runs}: every command once ...`),
    );
    for (const [benchCase, result] of measured) {
      if (result instanceof Error) failures.push(`FAILED: ${result.message}`);
      else results.set(benchCase.id, result);
    }
    progress('measuring process start-up ...');
    const tiny = { file: join(dir, 'tiny.bin'), torrent: join(dir, 'tiny.torrent') };
    await writeFile(tiny.file, Buffer.alloc(1024, 1));
    const startup = await measureStartup(runs, options, tiny);

    const checks: Check[] = [];
    for (const check of infoHashChecks(cases)) {
      try {
        checks.push(await check());
      } catch (error) {
        checks.push({ passed: false, line: `MISMATCH (check could not run): ${error instanceof Error ? error.message : String(error)}` });
      }
    }

    const out = (line = ''): void => void process.stdout.write(`${line}\n`);
    out(`## s3-torrent hashing bench: ${FILE_SIZE / 1024 ** 3} GiB file, ${PIECE_LENGTH / 1024} KiB pieces, page cache warm`);
    out();
    out(
      `${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores; Node ${process.version}; median of ${runs} runs after 1 warm-up, ` +
        'the commands taking turns (one run of each per round); wall time of the whole process.',
    );
    formatNoise(cases, results).forEach((line) => out(line));
    if (process.env[EXTRA_CA_VARIABLE] !== undefined) out(`Every command runs without ${EXTRA_CA_VARIABLE} (set in this shell; Node 20 parses it at every start, see start-up below).`);
    if (gnuTime === undefined) out(`${GNU_TIME} is missing (Debian package \`time\`): peak RSS and competing load not measured.`);
    out();
    formatTable(cases, results, COMPARISONS, FILE_SIZE).forEach((line) => out(line));
    out();
    out('Peak RSS: the highest of the measured runs, threads included. libtorrent 2.0 reads through mmap, so its RSS counts the mapped file pages.');
    out();
    const goals = formatGoals(results, GOALS);
    goals.lines.forEach((line) => out(line));
    out();
    out('Floors: one core of openssl over the whole file, split over every core (no start-up, no scheduling):');
    formatFloors(cases, results, FLOORS, cores).forEach((line) => out(line));
    out();
    out('Context (ratio = second time / first time; above 1: the first is faster):');
    formatContext(cases, results, CONTEXT).forEach((line) => out(line));
    out();
    out('Infohash checks:');
    checks.forEach((check) => out(`- ${check.line}`));
    failures.forEach((line) => out(line));
    out();
    out('Process start-up alone (included in every time above):');
    startup.forEach((line) => out(`- ${line}`));
    out();
    out('All measured runs:');
    formatRuns(cases, results).forEach((line) => out(line));
    // A failed tool or a wrong infohash fails the bench; a missed goal is a finding, not an error.
    return failures.length === 0 && checks.every((c) => c.passed) ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export { runHashingBench };
