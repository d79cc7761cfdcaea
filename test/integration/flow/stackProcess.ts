import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { projectRoot } from '../../helpers/tools.js';

/** Longest the built CLI may take to print its `ready` line. */
const READY_LINE_TIMEOUT_MS = 90_000;

interface RunningStack {
  readonly child: ChildProcess;
  /** stdout lines and stderr chunks, in arrival order. */
  readonly output: string[];
  /** The fields of the `ready` line: `s3`, `api`, `dynamodb`, `sqs`, `tracker` (comma-separated URLs)… */
  readonly ready: Readonly<Record<string, string>>;
}

/**
 * Runs `s3-torrent local` from dist/ as a user does (`npm start`), in its own process group, and
 * resolves once it prints `ready`; rejects if it exits first or takes longer than 90 s.
 *
 * @param options.node - the Node binary to run it on (default: this test's)
 * @param options.args - more `local` options, e.g. `['--handlers', dir]`
 */
async function startStackProcess(
  dataDir: string,
  env: Record<string, string>,
  options: { node?: string; args?: readonly string[] } = {},
): Promise<RunningStack> {
  const args = [join(projectRoot, 'dist', 's3-torrent.js'), 'local', '--data-dir', dataDir, ...(options.args ?? [])];
  const child = spawn(options.node ?? process.execPath, args, {
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr?.on('data', (data: Buffer) => output.push(data.toString()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready: Record<string, string> = {};
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line: ${output.join('')}`)), READY_LINE_TIMEOUT_MS);
      lines.on('line', (line) => {
        output.push(line);
        if (line.startsWith('ready ')) {
          for (const field of line.split(' ').slice(1)) {
            const at = field.indexOf('=');
            if (at > 0) ready[field.slice(0, at)] = field.slice(at + 1);
          }
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`stack exited with ${code}: ${output.join('\n')}`));
      });
    });
  } catch (error) {
    await killStack({ child, output, ready }, 'SIGKILL');
    throw error;
  }
  return { child, output, ready };
}

/** Uploads `bytes` to `bucket` of a stack's S3 (the `s3` of its ready line), signed, as a publisher does. */
async function uploadToStack(stack: RunningStack, bucket: string, key: string, bytes: Uint8Array): Promise<void> {
  const s3 = new S3Client({
    region: 'us-east-1', endpoint: stack.ready['s3'], forcePathStyle: true, credentials: { ...LOCAL_CREDENTIALS },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
  } finally {
    s3.destroy();
  }
}

/** Kills the whole process group (the stack and the DynamoDB Local it started) and waits. */
async function killStack(stack: RunningStack, signal: NodeJS.Signals): Promise<void> {
  if (stack.child.exitCode !== null || stack.child.signalCode !== null || stack.child.pid === undefined) return;
  const exited = new Promise((resolve) => stack.child.once('exit', resolve));
  process.kill(-stack.child.pid, signal);
  await exited;
  // DynamoDB Local (java) is in the same group; give it a moment to release its port.
  await new Promise((resolve) => setTimeout(resolve, 500));
}

export { killStack, startStackProcess, uploadToStack };
export type { RunningStack };
