import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { readFile, rm } from 'node:fs/promises';
import { CHILD_TIMEOUT_MS } from './config.js';

/** What one bounded child run produced. */
interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock seconds from spawn to exit, measured here (GNU time's %e has only 10 ms steps). */
  readonly seconds: number;
  /** Peak resident set of the child in KiB, when it ran under GNU time. */
  readonly peakRssKiB: number | undefined;
  /** CPU seconds (user + system) the child used, when it ran under GNU time. */
  readonly childCpuSeconds: number | undefined;
  /** CPU seconds every core of the machine was busy during the run (ours, the child's, others'). */
  readonly machineBusySeconds: number;
  readonly timedOut: boolean;
}

interface RunOptions {
  readonly cwd?: string;
  /** Path of GNU time: wraps the command to learn its peak RSS. */
  readonly gnuTime?: string | undefined;
  /** Scratch file for GNU time's report (kept apart from the child's own stderr). */
  readonly timeReport?: string | undefined;
  readonly timeoutMs?: number;
  /** Send stdout to /dev/null (`cat` of 1 GiB must not be collected into a string). */
  readonly discardStdout?: boolean;
  /** The child's environment. @default process.env */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

/** Process groups still running, so an interrupted bench can stop exactly what it started. */
const running = new Set<number>();

/** Kills the whole group: GNU time does not pass SIGKILL on, so killing only it would orphan the tool. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function killAllRunning(): void {
  running.forEach(killGroup);
  running.clear();
}

/** Format for GNU time: peak RSS (KiB), user and system CPU seconds. */
const TIME_FORMAT = '%M %U %S';

/** GNU time writes TIME_FORMAT as its last line (after "Command exited with non-zero status" if any). */
function parseTimeReport(text: string): { peakRssKiB: number; cpuSeconds: number } | undefined {
  const last = text.trim().split('\n').at(-1) ?? '';
  const match = /^(\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(last.trim());
  if (match === null) return undefined;
  return { peakRssKiB: Number(match[1]), cpuSeconds: Number(match[2]) + Number(match[3]) };
}

/**
 * Busy CPU seconds of the whole machine so far (all cores, from the kernel's counters). The
 * difference over a run, minus the child's own CPU, is what other processes took meanwhile:
 * on a shared machine that is the noise to report next to the times.
 */
function machineBusySeconds(): number {
  const ms = cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
  return ms / 1000;
}

/**
 * Runs `command` in its own process group with a hard time limit, timing it with hrtime.
 * Never rejects for a failing child: the caller decides what a non-zero exit means.
 */
async function runBounded(command: string, args: ReadonlyArray<string>, options: RunOptions = {}): Promise<RunResult> {
  const wrap = options.gnuTime !== undefined && options.timeReport !== undefined;
  const file = wrap ? (options.gnuTime as string) : command;
  const argv = wrap ? ['-f', TIME_FORMAT, '-o', options.timeReport as string, command, ...args] : [...args];
  if (wrap) await rm(options.timeReport as string, { force: true });
  const busyBefore = machineBusySeconds();
  const started = process.hrtime.bigint();
  // detached: its own process group, so a timeout can kill the tool together with GNU time.
  const stdoutMode = options.discardStdout === true ? 'ignore' : 'pipe';
  const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', stdoutMode, 'pipe'] });
  const pid = child.pid;
  if (pid !== undefined) running.add(pid);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (pid !== undefined) killGroup(pid);
  }, options.timeoutMs ?? CHILD_TIMEOUT_MS);
  const { code, signal, spawnError } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>(
    (resolve) => {
      child.on('error', (error) => resolve({ code: null, signal: null, spawnError: error }));
      child.on('close', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const busy = machineBusySeconds() - busyBefore;
  clearTimeout(timer);
  if (pid !== undefined) running.delete(pid);
  if (spawnError !== undefined) stderr += `${spawnError.message}\n`;
  const report = wrap ? parseTimeReport(await readFile(options.timeReport as string, 'utf8').catch(() => '')) : undefined;
  return {
    code,
    signal,
    stdout,
    stderr,
    seconds,
    peakRssKiB: report?.peakRssKiB,
    childCpuSeconds: report?.cpuSeconds,
    machineBusySeconds: busy,
    timedOut,
  };
}

/** A one-line reason a run failed, or undefined when it exited 0. */
function failureOf(result: RunResult): string | undefined {
  if (result.timedOut) return 'timed out';
  if (result.code === 0) return undefined;
  const why = result.signal !== null ? `killed by ${result.signal}` : `exit code ${String(result.code)}`;
  const detail = result.stderr.trim().split('\n').slice(-3).join(' | ');
  return detail === '' ? why : `${why}: ${detail}`;
}

export { failureOf, killAllRunning, runBounded };
export type { RunOptions, RunResult };
