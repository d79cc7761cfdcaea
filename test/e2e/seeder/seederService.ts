import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ARTIFACTS_BUCKET, TABLE_NAME } from '../../../src/local/index.js';
import type { LocalStack } from '../../../src/local/index.js';
import { projectRoot } from '../../helpers/tools.js';

const START_TIMEOUT_MS = 30_000;

/** Starts dist/seeder.js and waits for its `seeding` log line (JSON, Powertools) with the ports. */
async function startSeederService(stack: LocalStack, node: string): Promise<{ child: ChildProcess; peerPort: number; trackerPort: number }> {
  const child = spawn(node, ['--enable-source-maps', join(projectRoot, 'dist', 'seeder.js')], {
    env: {
      ...process.env,
      S3TORRENT_S3_ENDPOINT: stack.endpoints.s3,
      S3TORRENT_DYNAMODB_ENDPOINT: stack.endpoints.dynamoDb,
      S3TORRENT_SQS_ENDPOINT: stack.endpoints.sqs,
      S3TORRENT_TABLE: TABLE_NAME,
      S3TORRENT_ARTIFACTS_BUCKET: ARTIFACTS_BUCKET,
      S3TORRENT_HASH_QUEUE_URL: stack.hashQueueUrl,
      S3TORRENT_SEEDER_HOSTS: '127.0.0.1',
      S3TORRENT_PEER_PORT: '0',
      S3TORRENT_TRACKER_PORT: '0',
      // The stack's S3 is the embedded s3rver: no access control and no GetBucketPolicyStatus.
      S3TORRENT_PUBLIC_VERDICT: 'anonymous-head',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "seeding" line within ${START_TIMEOUT_MS} ms:\n${lines.join('\n')}`)), START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dist/seeder.js exited with ${String(code)}:\n${lines.join('\n')}`));
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => lines.push(line));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      if (!line.includes('"seeding"')) return;
      const parsed = JSON.parse(line) as { peerPort: number; trackerPort: number };
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, peerPort: parsed.peerPort, trackerPort: parsed.trackerPort });
    });
  });
}

export { startSeederService };
