import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { freeLocalStackPorts } from '../../src/local/localConfig.js';
import { CLI } from '../config.js';
import { STACK_SETTINGS, TIMEOUTS_MS } from './config.js';

/** Where the running stack listens, as its `ready` line says. */
interface StackEndpoints {
  readonly s3: string;
  readonly api: string;
  readonly dynamoDb: string;
}

interface StackProcess {
  /** The stack's pid, which is also its process group (DynamoDB Local's java is in it). */
  readonly pid: number;
  readonly endpoints: StackEndpoints;
  /** The settings it was started with, for the report. */
  readonly env: Readonly<Record<string, string>>;
  /** The last lines it printed, for error messages. */
  tail(): string;
  /** SIGTERM (the stack stops its emulators), bounded; then SIGKILL to whatever is left. */
  stop(): Promise<void>;
}

/** Groups of stacks still running, so an interrupted bench can kill exactly those. */
const runningGroups = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** For a signal handler: kill every stack this bench started, at once. */
function killStacksNow(): void {
  runningGroups.forEach(killGroup);
  runningGroups.clear();
}

function parseReadyLine(line: string): StackEndpoints | undefined {
  if (!line.startsWith('ready ')) return undefined;
  const fields = new Map([...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]));
  const s3 = fields.get('s3');
  const api = fields.get('api');
  const dynamoDb = fields.get('dynamodb');
  return s3 === undefined || api === undefined || dynamoDb === undefined ? undefined : { s3, api, dynamoDb };
}

/**
 * Runs `node dist/s3-torrent.js local` as a user would (`npm start`), on free loopback ports,
 * in its own process group. A child rather than startLocalStack in this process: the handler
 * modules read their configuration once per process, and the stack's CPU use (s3rver, the
 * handlers, hashing) must be its own, not mixed with the load generator's.
 */
async function startStack(
  dataDir: string,
  extraEnv: Readonly<Record<string, string>> = {},
  /** More `local` options, e.g. `['--s3', 'rgw']`. */
  extraArgs: readonly string[] = [],
): Promise<StackProcess> {
  const env: Record<string, string> = {
    ...(await freeLocalStackPorts()).env,
    ...STACK_SETTINGS,
    ...extraEnv,
  };
  // Other S3TORRENT_* variables of the caller (e.g. S3TORRENT_HASH_THREADS) pass through, so a
  // setting can be tried without editing the bench; the settings above always win.
  const child = spawn(process.execPath, [CLI, 'local', '--data-dir', dataDir, ...extraArgs], {
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start `s3-torrent local`');
  runningGroups.add(pid);
  const lines: string[] = [];
  const remember = (line: string): void => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
  };
  createInterface({ input: child.stderr }).on('line', remember);
  const stdout = createInterface({ input: child.stdout });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const tail = (): string => lines.join('\n');

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, TIMEOUTS_MS.stackStop))]);
    }
    killGroup(pid); // a stack that did not stop in time, or a java it left behind
    runningGroups.delete(pid);
  };

  try {
    const endpoints = await new Promise<StackEndpoints>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line within ${TIMEOUTS_MS.stackStart} ms:\n${tail()}`)), TIMEOUTS_MS.stackStart);
      stdout.on('line', (line) => {
        remember(line);
        const ready = parseReadyLine(line);
        if (ready !== undefined) {
          clearTimeout(timer);
          resolve(ready);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the stack exited before it was ready:\n${tail()}`));
      });
    });
    return { pid, endpoints, env, tail, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Ctrl-C (or SIGTERM) during a bench must not leave a 1 GiB file, a stack or a JVM behind:
 * kills the stacks, removes `dir`, exits 130. Returns what undoes the handlers.
 */
function cleanUpOnInterrupt(dir: string): () => void {
  const onSignal = (): void => {
    killStacksNow();
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** A bench's failure with the stack's last output appended (what explains most of them). */
function withStackOutput(error: unknown, stack: StackProcess | undefined): Error {
  const detail = stack === undefined ? '' : `\nlast output of the stack:\n${stack.tail()}`;
  return new Error(`${error instanceof Error ? error.message : String(error)}${detail}`, { cause: error });
}

export { cleanUpOnInterrupt, killStacksNow, startStack, withStackOutput };
export type { StackEndpoints, StackProcess };
