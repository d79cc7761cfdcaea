import { createReadStream } from 'node:fs';
import { hashFile, hashRange } from '../../src/hashing/index.js';
import { buildTorrent, parseTorrent, pieceLengthFor, torrentNameForKey } from '../../src/torrent/index.js';
import type { PieceHashes } from '../../src/torrent/index.js';
import type { Check } from '../verify.js';

/**
 * The one-pass hashes of the test file, as `s3-torrent create` computes them (every core, the
 * default piece length): what every served torrent must be made of, whatever the key.
 */
async function referenceHashes(file: string, size: number): Promise<PieceHashes> {
  return hashFile(file, { pieceLength: pieceLengthFor(size) });
}

/** "ok …" or "MISMATCH …": the served torrent's v1 infohash against the one-pass torrent's. */
function checkServedTorrent(served: Uint8Array, reference: PieceHashes, key: string): Check {
  // The name is part of the info dict: the same bytes under another key have another infohash.
  const expected = buildTorrent(reference, { name: torrentNameForKey(key) }).infoHashV1;
  let actual: string | undefined;
  try {
    actual = parseTorrent(served).infoHashV1;
  } catch (error) {
    return { passed: false, line: `MISMATCH: ${key}: the served .torrent does not parse (${error instanceof Error ? error.message : String(error)})` };
  }
  return actual === expected
    ? { passed: true, line: `ok: ${key} v1 infohash ${actual} equals the one-pass torrent's` }
    : { passed: false, line: `MISMATCH: ${key} v1 infohash ${actual ?? '(none)'} differs from the one-pass torrent's ${expected}` };
}

/** Hashes the first `length` bytes of the file as one hash worker does by default. */
async function hashPrefixOnOneThread(file: string, size: number, length: number): Promise<void> {
  // An async generator, as the worker's S3 body is: hashRange takes anything with a read()
  // method (a Readable has one) for a random-access source. Opened only when iterated.
  async function* stream(): AsyncGenerator<Uint8Array> {
    yield* createReadStream(file, { start: 0, end: length - 1, highWaterMark: 1024 * 1024 });
  }
  await hashRange(stream(), { size, pieceLength: pieceLengthFor(size), offset: 0, length, threads: 0 });
}

/**
 * Seconds to hash the whole file as the hash workers do by default: v1 and v2 together,
 * streamed, on the caller's thread (S3TORRENT_HASH_THREADS=0). The file is in the page cache,
 * so this is the CPU cost of the hashing alone, without S3. The faster of two runs: the first
 * pass over 1 GiB is ~25% slower while V8 is still optimising the hashing loop.
 */
async function timeSingleThreadHashing(file: string, size: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 2; i += 1) {
    const started = performance.now();
    await hashPrefixOnOneThread(file, size, size);
    times.push((performance.now() - started) / 1000);
  }
  return Math.min(...times);
}

export { checkServedTorrent, referenceHashes, timeSingleThreadHashing };
