import type { BenchCase, CaseId, Comparison, Floor, Goal } from './cases.js';
import type { Measurement } from './measure.js';

const MIB = 1024 * 1024;

type Results = ReadonlyMap<CaseId, Measurement>;

/** Their median over ours: above 1 means ours is faster. */
function ratioOf(results: Results, comparison: Comparison): number | undefined {
  const ours = results.get(comparison.ours);
  const theirs = results.get(comparison.theirs);
  if (ours === undefined || theirs === undefined) return undefined;
  return theirs.medianSeconds / ours.medianSeconds;
}

function labelOf(cases: ReadonlyArray<BenchCase>, id: CaseId): string {
  return cases.find((c) => c.id === id)?.short ?? id;
}

/** The markdown table: one row per command, ratios on the competitor's row. */
function formatTable(
  cases: ReadonlyArray<BenchCase>,
  results: Results,
  comparisons: ReadonlyArray<Comparison>,
  fileSize: number,
): string[] {
  const lines = [
    '| tool | median s | CPU s | MiB/s | peak RSS MiB | ours is N× faster than this |',
    '|---|---:|---:|---:|---:|---|',
  ];
  for (const benchCase of cases) {
    const result = results.get(benchCase.id);
    if (result === undefined) {
      lines.push(`| ${benchCase.label} | failed | | | | |`);
      continue;
    }
    const rss = result.peakRssKiB === undefined ? 'n/a' : (result.peakRssKiB / 1024).toFixed(0);
    const ratios = comparisons
      .filter((c) => c.theirs === benchCase.id)
      .map((c) => {
        const ratio = ratioOf(results, c);
        return ratio === undefined ? `n/a (${labelOf(cases, c.ours)})` : `${ratio.toFixed(2)}× (${labelOf(cases, c.ours)})`;
      });
    const mibPerSecond = fileSize / MIB / result.medianSeconds;
    const cpu = result.medianCpuSeconds === undefined ? 'n/a' : result.medianCpuSeconds.toFixed(3);
    lines.push(
      `| ${benchCase.label} | ${result.medianSeconds.toFixed(3)} | ${cpu} | ${mibPerSecond.toFixed(0)} | ${rss} | ${ratios.join('; ')} |`,
    );
  }
  return lines;
}

/** "Goal: … — met (1.23×)" per goal; `allMet` is false when a goal failed or was not measured. */
function formatGoals(results: Results, goals: ReadonlyArray<Goal>): { lines: string[]; allMet: boolean } {
  let allMet = true;
  const lines = goals.map((goal) => {
    const ratio = ratioOf(results, goal.comparison);
    if (ratio === undefined) {
      allMet = false;
      return `- Goal ${goal.text}: NOT MEASURED`;
    }
    const met = ratio >= goal.minRatio;
    if (!met) allMet = false;
    return `- Goal ${goal.text}: ${met ? 'met' : 'NOT MET'} (${ratio.toFixed(2)}×)`;
  });
  return { lines, allMet };
}

/** "A vs B: N×" lines for comparisons outside the table (single-thread, scaling). */
function formatContext(cases: ReadonlyArray<BenchCase>, results: Results, comparisons: ReadonlyArray<Comparison>): string[] {
  return comparisons.map((c) => {
    const ratio = ratioOf(results, c);
    return `- ${labelOf(cases, c.ours)} vs ${labelOf(cases, c.theirs)}: ${ratio === undefined ? 'n/a' : `${ratio.toFixed(2)}×`}`;
  });
}

/**
 * One line per floor: one core's openssl time over `cores`, and each tool's time over it
 * (1.00× would be hashing at the machine's limit with no start-up at all).
 */
function formatFloors(cases: ReadonlyArray<BenchCase>, results: Results, floors: ReadonlyArray<Floor>, cores: number): string[] {
  return floors.map((floor) => {
    const work = floor.work.map((id) => results.get(id)?.medianSeconds);
    if (work.some((seconds) => seconds === undefined)) return `- ${floor.text}: n/a (openssl failed)`;
    const seconds = (work as number[]).reduce((a, b) => a + b, 0) / cores;
    const tools = floor.tools.map((id) => {
      const result = results.get(id);
      return `${labelOf(cases, id)} ${result === undefined ? 'n/a' : `${(result.medianSeconds / seconds).toFixed(2)}×`}`;
    });
    return `- ${floor.text}: ${seconds.toFixed(3)} s on ${cores} cores; time over it: ${tools.join(', ')}`;
  });
}

/** Above this share of the CPUs taken by other processes in some run, the report warns. */
const BUSY_SHARE = 0.1;

/** A warning when other processes competed for the CPUs during some run (a shared machine). */
function formatNoise(cases: ReadonlyArray<BenchCase>, results: Results): string[] {
  const busy = cases.filter((c) => (results.get(c.id)?.foreignShare ?? 0) > BUSY_SHARE).map((c) => c.short);
  if (busy.length === 0) return [];
  return [
    `WARNING: other processes took over ${BUSY_SHARE * 100}% of the CPUs during runs of: ${busy.join(', ')}. ` +
      'Those times are inflated (multi-thread runs most); rerun on an idle machine before trusting the ratios. ' +
      'Each command runs in a session of its own, and Linux (autogroup) shares a busy CPU between sessions, ' +
      'not threads: under load a second thread buys a command little wall time, and its CPU seconds decide.',
  ];
}

/** Every measured time, so a reader can see the spread behind each median. */
function formatRuns(cases: ReadonlyArray<BenchCase>, results: Results): string[] {
  return cases.flatMap((benchCase) => {
    const result = results.get(benchCase.id);
    if (result === undefined) return [];
    const others = result.foreignShare === undefined ? '' : `; other processes took up to ${(result.foreignShare * 100).toFixed(0)}% of the CPUs`;
    return [`- ${benchCase.label}: ${result.runs.map((s) => s.toFixed(3)).join(', ')} s${others}`];
  });
}

export { formatContext, formatFloors, formatGoals, formatNoise, formatRuns, formatTable, ratioOf };
