import { createCipheriv, createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Deterministic pseudo-random bytes (SHA-256 in counter mode): the same seed gives the same
 * file on every run, so a failure can be reproduced, while content still looks random to the
 * hashers (no repeated pieces that could hide an off-by-one).
 */
function pseudoRandomBytes(size: number, seed: string): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let offset = 0, counter = 0; offset < size; offset += 32, counter += 1) {
    createHash('sha256').update(`${seed}:${counter}`).digest().copy(out, offset);
  }
  return out;
}

/** A fresh temporary directory, removed by the returned cleanup. */
async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `s3t-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes a pseudo-random file of `size` bytes named `name` into `dir`; returns its path. */
async function writeTestFile(dir: string, name: string, size: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, pseudoRandomBytes(size, `${name}:${size}`));
  return path;
}

/**
 * Writes `size` deterministic pseudo-random bytes fast (AES-128-CTR keystream of `seed`), in
 * 16 MiB steps so that a GiB-sized file never sits in memory.
 */
async function writeLargeTestFile(path: string, size: number, seed: string): Promise<void> {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(16 * 1024 * 1024);
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < size; ) {
      const chunk = cipher.update(zeros.subarray(0, Math.min(zeros.length, size - written)));
      await handle.write(chunk);
      written += chunk.length;
    }
  } finally {
    await handle.close();
  }
}

export { pseudoRandomBytes, tempDir, writeLargeTestFile, writeTestFile };
