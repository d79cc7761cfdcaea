import { rm } from 'node:fs/promises';
import type { BenchCase } from './cases.js';
import { failureOf, runBounded } from './run.js';

/** What measuring needs of a row; start-up probes use it too. */
type Command = Pick<BenchCase, 'label' | 'command' | 'args' | 'output'>;

/** The timings of one command. */
interface Measurement {
  /** Wall seconds of each measured run, in run order (the warm-up is not included). */
  readonly runs: ReadonlyArray<number>;
  readonly medianSeconds: number;
  /** Highest peak RSS (KiB) over the measured runs; undefined without GNU time. */
  readonly peakRssKiB: number | undefined;
  /**
   * Largest share of the machine's CPU capacity (cores × wall time) that other processes used
   * during one measured run; undefined without GNU time (the child's own CPU is unknown then).
   */
  readonly foreignShare: number | undefined;
}

function median(values: ReadonlyArray<number>): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}

interface MeasureOptions {
  readonly runs: number;
  readonly cwd: string;
  readonly gnuTime: string | undefined;
  readonly timeReport: string;
  /** Cores of the machine: the capacity the foreign share is measured against. */
  readonly cores: number;
  /** The commands' environment. @default process.env */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

/**
 * One warm-up run (caches, the CPU's clock, Node's compile cache) that is thrown away, then
 * `runs` measured runs. Any failed run fails the command: a fast wrong answer is no result.
 */
async function measure(benchCase: Command, options: MeasureOptions): Promise<Measurement> {
  const runs: number[] = [];
  let peakRssKiB: number | undefined;
  let foreignShare: number | undefined;
  for (let i = 0; i <= options.runs; i += 1) {
    if (benchCase.output !== undefined) await rm(benchCase.output, { force: true });
    const result = await runBounded(benchCase.command, benchCase.args, {
      cwd: options.cwd,
      gnuTime: options.gnuTime,
      timeReport: options.timeReport,
      env: options.env,
    });
    const failure = failureOf(result);
    if (failure !== undefined) throw new Error(`${benchCase.label} failed: ${failure}`);
    if (i === 0) continue; // warm-up
    runs.push(result.seconds);
    if (result.peakRssKiB !== undefined) peakRssKiB = Math.max(peakRssKiB ?? 0, result.peakRssKiB);
    if (result.childCpuSeconds !== undefined) {
      // Kernel counters tick in 10 ms steps: a small negative difference is rounding, not load.
      const foreign = Math.max(0, result.machineBusySeconds - result.childCpuSeconds) / (result.seconds * options.cores);
      foreignShare = Math.max(foreignShare ?? 0, foreign);
    }
  }
  return { runs, medianSeconds: median(runs), peakRssKiB, foreignShare };
}

export { measure, median };
export type { Command, MeasureOptions, Measurement };
