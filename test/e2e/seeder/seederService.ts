import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ARTIFACTS_BUCKET, TABLE_NAME } from '../../../src/local/index.js';
import { projectRoot } from '../../helpers/tools.js';

/** Longest the service may take to print its `seeding` line. */
const START_TIMEOUT_MS = 30_000;

/** The local stack a seeder service process is pointed at. */
interface SeederServiceTarget {
  readonly endpoints: { readonly s3: string; readonly dynamoDb: string; readonly sqs: string };
  /** Where the seeder queues re-hash jobs; unset: it queues none. */
  readonly hashQueueUrl?: string;
  /** More environment variables (settings the test changes, e.g. the shared swarm store). */
  readonly env?: Readonly<Record<string, string>>;
}

interface SeederService {
  readonly child: ChildProcess;
  readonly peerPort: number;
  readonly trackerPort: number;
  /** Every stderr line so far: what Node itself prints, and the log's warnings and errors (Powertools writes those to stderr). */
  readonly stderr: readonly string[];
  /** Every stdout line so far: the log (Powertools JSON) and the metrics (EMF). */
  readonly stdout: readonly string[];
}

/**
 * Starts dist/seeder.js as the container runs it (`node --enable-source-maps dist/seeder.js`,
 * configured only by its environment) on `node`, pointed at `target`, and waits for its
 * `seeding` log line (JSON, Powertools) with the ports.
 */
async function startSeederService(target: SeederServiceTarget, node: string): Promise<SeederService> {
  const child = spawn(node, ['--enable-source-maps', join(projectRoot, 'dist', 'seeder.js')], {
    env: {
      ...process.env,
      S3TORRENT_S3_ENDPOINT: target.endpoints.s3,
      S3TORRENT_DYNAMODB_ENDPOINT: target.endpoints.dynamoDb,
      S3TORRENT_SQS_ENDPOINT: target.endpoints.sqs,
      S3TORRENT_TABLE: TABLE_NAME,
      S3TORRENT_ARTIFACTS_BUCKET: ARTIFACTS_BUCKET,
      ...(target.hashQueueUrl === undefined ? {} : { S3TORRENT_HASH_QUEUE_URL: target.hashQueueUrl }),
      S3TORRENT_SEEDER_HOSTS: '127.0.0.1',
      S3TORRENT_PEER_PORT: '0',
      S3TORRENT_TRACKER_PORT: '0',
      // The stack's S3 is the embedded s3rver: no access control and no GetBucketPolicyStatus.
      S3TORRENT_PUBLIC_VERDICT: 'anonymous-head',
      ...target.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  const stdout: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "seeding" line within ${START_TIMEOUT_MS} ms:\n${lines.join('\n')}`)), START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dist/seeder.js exited with ${String(code)}:\n${lines.join('\n')}`));
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      stderr.push(line);
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      stdout.push(line);
      if (!line.includes('"seeding"')) return;
      const parsed = JSON.parse(line) as { peerPort: number; trackerPort: number };
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, peerPort: parsed.peerPort, trackerPort: parsed.trackerPort, stderr, stdout });
    });
  });
}

/** SIGTERM, as ECS stops a task; resolves with the exit code (0: it closed cleanly). */
async function stopSeederService(service: SeederService): Promise<number | null> {
  if (service.child.exitCode !== null) return service.child.exitCode;
  const exited = new Promise<number | null>((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  return exited;
}

export { startSeederService, stopSeederService };
export type { SeederService, SeederServiceTarget };
