import { spawn } from 'node:child_process';

import { ClientError } from './ClientError.js';

/** Output kept per process for failure messages: enough for the last few dozen log lines. */
const TAIL_CHARS = 12_000;

/** How long a client gets to exit on SIGTERM before its process group gets SIGKILL. */
const TERM_GRACE_MS = 2_000;

/** How a process ended: `error` is set when it could not be started at all (ENOENT…). */
interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

/** A client started in its own process group, so that stopping it takes its children too. */
interface ClientProcess {
  readonly pid: number;
  /** Settles once the process has exited; never rejects. */
  readonly exited: Promise<ExitStatus>;
  /** The last {@link TAIL_CHARS} characters of stdout and stderr, `\r` shown as new lines. */
  outputTail(): string;
  /** SIGTERM to the group, SIGKILL after a grace period; resolves once the leader has exited. */
  stop(): Promise<void>;
}

interface StartOptions {
  readonly cwd?: string;
  /** Called with each complete stdout line (the Python scripts report events as JSON lines). */
  readonly onStdoutLine?: (line: string) => void;
}

/**
 * Process groups still alive. If jest dies or exits without running afterAll, the 'exit'
 * handler below kills them: a detached client would otherwise outlive the test run.
 */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the whole group is already gone.
  }
}

/** Resolves after `ms`, or with `undefined` at once if `promise` settles first. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts `command` detached (its own process group, `kill(-pid)` reaches every descendant)
 * with stdin closed and its output captured.
 */
function startProcess(command: string, args: readonly string[], options: StartOptions = {}): ClientProcess {
  const child = spawn(command, args, { cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let partialLine = '';
  const append = (text: string): void => {
    tail = (tail + text).slice(-TAIL_CHARS);
  };
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    append(text);
    if (options.onStdoutLine === undefined) return;
    const lines = (partialLine + text).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) options.onStdoutLine(line);
  });
  child.stderr.setEncoding('utf8').on('data', append);
  const pid = child.pid;
  if (pid !== undefined) liveGroups.add(pid);
  child.once('exit', () => {
    // The leader is gone; anything it left in its group (a hook script) goes with it, which
    // also releases the output pipes so that 'close' follows.
    if (pid !== undefined) {
      killGroup(pid, 'SIGKILL');
      liveGroups.delete(pid);
    }
  });
  // 'close', not 'exit': it comes after the last output, so a result line printed just
  // before exiting is never overtaken by the exit.
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      append(`\n[spawn ${command}: ${error.message}]`);
      resolve({ code: null, signal: null, error });
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
  });
  const stop = async (): Promise<void> => {
    if (pid === undefined) return;
    killGroup(pid, 'SIGTERM');
    if ((await within(exited, TERM_GRACE_MS)) === undefined) killGroup(pid, 'SIGKILL');
    await exited;
  };
  return {
    pid: pid ?? -1,
    exited,
    outputTail: () => tail.replaceAll('\r', '\n').replace(/\n{2,}/g, '\n'),
    stop,
  };
}

/** How an exit reads in an error message. */
function describeExit(status: ExitStatus): string {
  if (status.error !== undefined) return `could not start: ${status.error.message}`;
  return status.signal === null ? `exited with code ${status.code}` : `was killed by ${status.signal}`;
}

/** How {@link superviseClient} treats the client. */
interface SuperviseOptions {
  /**
   * Whether the client exiting before `work` resolves is a failure of its own: true for
   * clients that run until stopped, false for those whose exit is the result (aria2c).
   * @default true
   */
  readonly exitIsFailure?: boolean;
  /** A clean shutdown tried before the process tree is killed (qBittorrent's API). */
  readonly shutdown?: () => Promise<void>;
  /** What the client last reported through its API, added to a failure's reason. */
  readonly lastState?: () => string | undefined;
}

/**
 * Runs `work` against a started client under a deadline. Whatever happens (success, failure,
 * timeout, early exit), the client's process tree is stopped before this settles and `work`'s
 * signal is aborted; failures become a {@link ClientError} carrying the client's output tail.
 */
async function superviseClient<T>(
  client: string,
  run: { readonly timeoutMs: number; readonly label?: string; readonly abort?: AbortSignal },
  proc: ClientProcess,
  work: (signal: AbortSignal) => Promise<T>,
  options: SuperviseOptions = {},
): Promise<T> {
  // Tells polling loops in `work` to give up once the run is over either way.
  const finished = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${run.timeoutMs} ms`)), run.timeoutMs);
  });
  const racers: Promise<T>[] = [work(finished.signal), deadline];
  const { abort } = run;
  if (abort !== undefined) {
    racers.push(new Promise<never>((_, reject) => {
      const stop = (): void => reject(new Error('stopped by the test'));
      if (abort.aborted) stop();
      else abort.addEventListener('abort', stop, { once: true });
    }));
  }
  if (options.exitIsFailure ?? true) {
    racers.push(proc.exited.then((status) => Promise.reject(new Error(`${describeExit(status)} before finishing`))));
  }
  try {
    return await Promise.race(racers);
  } catch (error) {
    const state = options.lastState?.();
    const reason = `${error instanceof Error ? error.message : String(error)}${state === undefined ? '' : `; last state: ${state}`}`;
    finished.abort();
    await proc.stop();
    throw new ClientError(client, run.label, reason, proc.outputTail(), { cause: error });
  } finally {
    clearTimeout(timer);
    finished.abort();
    if (options.shutdown !== undefined) await options.shutdown().catch(() => undefined);
    await proc.stop();
  }
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than `undefined`; rejects
 * once `signal` is aborted (the supervised run ended).
 */
async function pollUntil<T>(probe: () => Promise<T | undefined>, intervalMs: number, signal: AbortSignal): Promise<T> {
  for (;;) {
    signal.throwIfAborted();
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export { describeExit, pollUntil, startProcess, superviseClient, within };
export type { ClientProcess, ExitStatus, StartOptions, SuperviseOptions };
