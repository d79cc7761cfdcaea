import { createCipheriv } from 'node:crypto';
import { open } from 'node:fs/promises';
import { failureOf, runBounded } from './run.js';

/** Bytes written per call: big enough that the write loop costs nothing next to the disk. */
const WRITE_BLOCK = 16 * 1024 * 1024;

/**
 * A fixed key and counter make the file identical on every run and machine, so infohashes can
 * be compared across runs. Their values mean nothing.
 */
const KEY = Buffer.from('s3-torrent bench'); // 16 bytes: AES-128
const IV = Buffer.alloc(16);

/**
 * Writes `size` pseudo-random bytes: the AES-128-CTR keystream (encrypting zeros), which runs at
 * GB/s with AES-NI, far faster than randomBytes, and cannot be compressed or deduplicated by the
 * filesystem the way zeros might be.
 */
async function writeTestFile(path: string, size: number): Promise<void> {
  const cipher = createCipheriv('aes-128-ctr', KEY, IV);
  const zeros = Buffer.alloc(WRITE_BLOCK);
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < size; written += WRITE_BLOCK) {
      const block = cipher.update(zeros.subarray(0, Math.min(WRITE_BLOCK, size - written)));
      await handle.write(block);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Flushes the new file to disk (so background writeback cannot steal time from a measured run),
 * then reads it once with `cat` so every tool starts from the same warm page cache.
 */
async function settleAndWarm(path: string): Promise<void> {
  for (const [command, args] of [['sync', []], ['cat', [path]]] as const) {
    const result = await runBounded(command, args, { discardStdout: true });
    const failure = failureOf(result);
    if (failure !== undefined) throw new Error(`${command} failed: ${failure}`);
  }
}

export { settleAndWarm, writeTestFile };
