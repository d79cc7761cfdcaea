// The seeder service as the container runs it (`node dist/seeder.js`), in its own process next to
// a local stack started with S3TORRENT_LOCAL_SEEDER=off: what the seeder benches measure.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ARTIFACTS_BUCKET, TABLE_NAME } from '../../src/local/index.js';
import { PROJECT_ROOT } from '../config.js';
import type { StackEndpoints } from './stack.js';

const START_TIMEOUT_MS = 60_000;
/** SIGTERM first (a --cpu-prof profile is written on a clean exit only), SIGKILL after this. */
const STOP_GRACE_MS = 10_000;

interface SeederService {
  readonly child: ChildProcess;
  readonly peerPort: number;
  readonly trackerPort: number;
  stop(): Promise<void>;
}

interface SeederServiceOptions {
  /** S3TORRENT_SEEDER_CACHE_BYTES; undefined: the default cache. */
  readonly cacheBytes?: number | undefined;
  /** Fixed ports, so that a restarted seeder is found where the last one was; 0: any free port. */
  readonly peerPort?: number;
  readonly trackerPort?: number;
}

/**
 * Starts dist/seeder.js as the e2e test of the standalone service does, and waits for its
 * `seeding` line. BENCH_SEEDER_NODE_ARGS adds Node flags (e.g. `--cpu-prof --cpu-prof-dir=DIR`);
 * BENCH_SEEDER_JS runs another build of the seeder (e.g. main's, for a before/after figure).
 */
async function startSeederService(endpoints: StackEndpoints, options: SeederServiceOptions = {}): Promise<SeederService> {
  const nodeArgs = (process.env['BENCH_SEEDER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, process.env['BENCH_SEEDER_JS'] ?? join(PROJECT_ROOT, 'dist', 'seeder.js')], {
    env: {
      ...process.env,
      S3TORRENT_S3_ENDPOINT: endpoints.s3,
      S3TORRENT_DYNAMODB_ENDPOINT: endpoints.dynamoDb,
      S3TORRENT_TABLE: TABLE_NAME,
      S3TORRENT_ARTIFACTS_BUCKET: ARTIFACTS_BUCKET,
      S3TORRENT_SEEDER_HOSTS: '127.0.0.1',
      S3TORRENT_PEER_PORT: String(options.peerPort ?? 0),
      S3TORRENT_TRACKER_PORT: String(options.trackerPort ?? 0),
      // The stack's S3 is the embedded s3rver: no access control and no GetBucketPolicyStatus.
      S3TORRENT_PUBLIC_VERDICT: 'anonymous-head',
      ...(options.cacheBytes === undefined ? {} : { S3TORRENT_SEEDER_CACHE_BYTES: String(options.cacheBytes) }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))]);
    child.kill('SIGKILL');
  };
  const lines: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => lines.push(line));
  try {
    const ports = await new Promise<{ peerPort: number; trackerPort: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "seeding" line within ${START_TIMEOUT_MS} ms:\n${lines.join('\n')}`)), START_TIMEOUT_MS);
      void exited.then(() => reject(new Error(`dist/seeder.js exited:\n${lines.join('\n')}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        if (!line.includes('"seeding"')) return;
        clearTimeout(timer);
        resolve(JSON.parse(line) as { peerPort: number; trackerPort: number });
      });
    });
    return { child, peerPort: ports.peerPort, trackerPort: ports.trackerPort, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export { startSeederService };
export type { SeederService, SeederServiceOptions };
