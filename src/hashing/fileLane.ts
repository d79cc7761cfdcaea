import { closeSync, openSync, readSync } from 'node:fs';
import type { ChunkHasher, HashChunk, PieceHashRun } from './ChunkHasher.js';
import { SourceChangedError } from './errors.js';
import { RangePlan } from './RangePlan.js';
import type { ChunkPlan, RangeSpec, UnitClaims } from './RangePlan.js';

/**
 * Bytes per read of a local file: small enough that the bytes the kernel just copied are still
 * in this core's L2 cache (1 MiB per core on the machines we measure on) when they are hashed,
 * large enough that the read calls cost nothing next to the hashing. With 4 MiB reads the copy
 * evicted its own start before the hash got to it: about 0.06 CPU-s more per GiB.
 */
const READ_BLOCK = 512 * 1024;

/** Yield to the event loop at least every this many bytes hashed on the caller's thread. */
const YIELD_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * Bytes per read block: whole pieces up to READ_BLOCK, else READ_BLOCK (pieces and READ_BLOCK
 * are powers of two, so a block of a larger piece never straddles two pieces).
 */
function blockLengthFor(pieceLength: number): number {
  return pieceLength <= READ_BLOCK ? Math.floor(READ_BLOCK / pieceLength) * pieceLength : READ_BLOCK;
}

/** What the hasher needs to know of the block `[from, from + bytes.length)` of `chunk`. */
function blockOf(chunk: ChunkPlan, pieceLength: number, from: number, bytes: Uint8Array): HashChunk {
  if (pieceLength <= READ_BLOCK) return { firstPiece: chunk.firstPiece + from / pieceLength, offsetInPiece: 0, endsPiece: true, bytes };
  const at = chunk.offsetInPiece + from; // from the start of the chunk's first piece
  const endsChunk = from + bytes.length === chunk.length;
  return {
    firstPiece: chunk.firstPiece + Math.floor(at / pieceLength),
    offsetInPiece: at % pieceLength,
    endsPiece: endsChunk ? chunk.endsPiece : (at + bytes.length) % pieceLength === 0,
    bytes,
  };
}

/** The runs of consecutive pieces one chunk produced, as one run (undefined if none ended). */
function joinRuns(runs: PieceHashRun[]): PieceHashRun | undefined {
  const first = runs[0];
  if (first === undefined || runs.length === 1) return first;
  const v2 = first.v2 === undefined ? undefined : Buffer.concat(runs.map((r) => r.v2 as Uint8Array));
  // Only the file's last piece has a padded tail: the last run holds it, if any does.
  const v1PaddedTail = runs[runs.length - 1]?.v1PaddedTail;
  return { firstPiece: first.firstPiece, v1: Buffer.concat(runs.map((r) => r.v1)), v2, v1PaddedTail };
}

/** Reads `length` bytes at `position` into `into`; fewer only at the end of the file. */
function readFully(fd: number, into: Uint8Array, length: number, position: number): number {
  let filled = 0;
  while (filled < length) {
    const got = readSync(fd, into, filled, length - filled, position + filled);
    if (got === 0) break;
    filled += got;
  }
  return filled;
}

/**
 * Reads and hashes the units of a local file that this hasher claims, one chunk at a time, in
 * cache-sized blocks read synchronously on this very thread: the hash then finds the bytes in
 * the cache the read just filled, and no I/O thread competes for the cores the hashers need
 * (with every core hashing, a read handed to another thread only moves the copy elsewhere).
 * A cold file still streams: each lane reads its units sequentially, which the kernel's
 * read-ahead follows. Runs on a hashing thread, or on the caller's thread as one more lane; there
 * it yields to the event loop between chunks so that progress and the threads' results flow.
 *
 * @throws SourceChangedError when the file is shorter than planned.
 */
async function hashClaimedFileChunks(
  hasher: ChunkHasher,
  path: string,
  spec: RangeSpec,
  claims: UnitClaims,
  onRun: (run: PieceHashRun | undefined, bytes: number) => void,
): Promise<void> {
  const plan = new RangePlan(spec);
  const blockLength = blockLengthFor(spec.pieceLength);
  const buffer = new Uint8Array(Math.min(blockLength, plan.bufferSize));
  const fd = openSync(path, 'r');
  let sinceYield = 0;
  try {
    for (const chunk of plan.chunksOfClaims(claims)) {
      const runs: PieceHashRun[] = [];
      for (let from = 0; from < chunk.length; from += blockLength) {
        const length = Math.min(blockLength, chunk.length - from);
        const got = readFully(fd, buffer, length, chunk.position + from);
        if (got !== length) throw new SourceChangedError(spec.offset + spec.length, chunk.position + from + got);
        const run = hasher.hash(blockOf(chunk, spec.pieceLength, from, buffer.subarray(0, length)));
        if (run !== undefined) runs.push(run);
      }
      onRun(joinRuns(runs), chunk.length);
      sinceYield += chunk.length;
      if (sinceYield >= YIELD_EVERY_BYTES) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    closeSync(fd);
  }
}

export { hashClaimedFileChunks };
