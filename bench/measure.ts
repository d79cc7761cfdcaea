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
  /**
   * Median CPU seconds (user + system, threads included); undefined without GNU time. Under
   * load this is the steadier figure: see formatNoise.
   */
  readonly medianCpuSeconds: number | undefined;
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

/** Runs a command once; throws when it fails (a fast wrong answer is no result). */
/** What one run of a command measured. */
interface Run {
  readonly seconds: number;
  readonly cpuSeconds: number | undefined;
  readonly peakRssKiB: number | undefined;
  readonly foreign: number | undefined;
}

async function runOnce(benchCase: Command, options: MeasureOptions): Promise<Run> {
  if (benchCase.output !== undefined) await rm(benchCase.output, { force: true });
  const result = await runBounded(benchCase.command, benchCase.args, {
    cwd: options.cwd,
    gnuTime: options.gnuTime,
    timeReport: options.timeReport,
    env: options.env,
  });
  const failure = failureOf(result);
  if (failure !== undefined) throw new Error(`${benchCase.label} failed: ${failure}`);
  // Kernel counters tick in 10 ms steps: a small negative difference is rounding, not load.
  const foreign =
    result.childCpuSeconds === undefined
      ? undefined
      : Math.max(0, result.machineBusySeconds - result.childCpuSeconds) / (result.seconds * options.cores);
  return { seconds: result.seconds, cpuSeconds: result.childCpuSeconds, peakRssKiB: result.peakRssKiB, foreign };
}

/** Folds measured runs into a Measurement. */
class RunsOf {
  private readonly runs: number[] = [];
  private readonly cpu: number[] = [];
  private peakRssKiB: number | undefined;
  private foreignShare: number | undefined;

  public add(run: Run): void {
    this.runs.push(run.seconds);
    if (run.cpuSeconds !== undefined) this.cpu.push(run.cpuSeconds);
    if (run.peakRssKiB !== undefined) this.peakRssKiB = Math.max(this.peakRssKiB ?? 0, run.peakRssKiB);
    if (run.foreign !== undefined) this.foreignShare = Math.max(this.foreignShare ?? 0, run.foreign);
  }

  public measurement(): Measurement {
    const medianCpuSeconds = this.cpu.length === this.runs.length ? median(this.cpu) : undefined;
    return { runs: this.runs, medianSeconds: median(this.runs), medianCpuSeconds, peakRssKiB: this.peakRssKiB, foreignShare: this.foreignShare };
  }
}

/**
 * One warm-up run (caches, the CPU's clock, Node's compile cache) that is thrown away, then
 * `runs` measured runs. Any failed run fails the command: a fast wrong answer is no result.
 */
async function measure(benchCase: Command, options: MeasureOptions): Promise<Measurement> {
  const runs = new RunsOf();
  await runOnce(benchCase, options); // warm-up
  for (let i = 0; i < options.runs; i += 1) runs.add(await runOnce(benchCase, options));
  return runs.measurement();
}

/**
 * Like `measure` for several commands, run in rounds (one warm-up round, then `runs` rounds of
 * every command once): on a shared machine a burst of someone else's load then hits one run of
 * each command instead of every run of one, so ratios between commands stay meaningful. A
 * command that fails drops out of later rounds with its error.
 */
async function measureInterleaved<C extends Command>(
  commands: ReadonlyArray<C>,
  options: MeasureOptions,
  onRound: (round: number) => void = () => undefined,
): Promise<Map<C, Measurement | Error>> {
  const collected = new Map<C, RunsOf>(commands.map((c) => [c, new RunsOf()]));
  const failed = new Map<C, Error>();
  for (let round = 0; round <= options.runs; round += 1) {
    onRound(round);
    for (const command of commands) {
      if (failed.has(command)) continue;
      try {
        const run = await runOnce(command, options);
        if (round > 0) collected.get(command)?.add(run);
      } catch (error) {
        failed.set(command, error instanceof Error ? error : new Error(String(error)));
      }
    }
  }
  return new Map(commands.map((c) => [c, failed.get(c) ?? (collected.get(c) as RunsOf).measurement()]));
}

export { measure, measureInterleaved, median };
export type { Command, MeasureOptions, Measurement };
