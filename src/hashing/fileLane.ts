import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { ChunkHasher, PieceHashRun } from './ChunkHasher.js';
import { SourceChangedError } from './errors.js';
import { RangePlan } from './RangePlan.js';
import type { ChunkPlan, RangeSpec, UnitClaims } from './RangePlan.js';

interface ReadChunk {
  readonly chunk: ChunkPlan;
  readonly bytes: Uint8Array;
  readonly filled: number;
}

/** Reads one chunk fully (or up to the end of the file) into `buffer`. */
async function readChunk(handle: FileHandle, chunk: ChunkPlan, buffer: Uint8Array): Promise<ReadChunk> {
  const bytes = buffer.subarray(0, chunk.length);
  let filled = 0;
  while (filled < chunk.length) {
    const { bytesRead } = await handle.read(bytes, filled, chunk.length - filled, chunk.position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return { chunk, bytes, filled };
}

/**
 * Reads and hashes the units of a local file that this hasher claims. Double-buffered: the next
 * chunk is read (by libuv's I/O threads) while this one is hashed, as mktorrent's reader does,
 * so one hasher alone is not slowed by waiting for its reads. Runs on a hashing thread, or on
 * the caller's thread as one more lane.
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
  const buffers = [new Uint8Array(plan.bufferSize), new Uint8Array(plan.bufferSize)] as const;
  const chunks = plan.chunksOfClaims(claims);
  const handle = await open(path, 'r');
  const readNext = (buffer: Uint8Array): Promise<ReadChunk | undefined> => {
    const step = chunks.next();
    return step.done === true ? Promise.resolve(undefined) : readChunk(handle, step.value, buffer);
  };
  try {
    let turn = 0;
    let pending = readNext(buffers[0]);
    for (let current = await pending; current !== undefined; current = await pending) {
      turn ^= 1;
      pending = readNext(turn === 0 ? buffers[0] : buffers[1]);
      if (current.filled !== current.chunk.length) {
        await pending.catch(() => undefined); // settle the read-ahead before closing the file
        throw new SourceChangedError(spec.offset + spec.length, current.chunk.position + current.filled);
      }
      onRun(hasher.hash({ ...current.chunk, bytes: current.bytes }), current.bytes.length);
    }
  } finally {
    await handle.close();
  }
}

export { hashClaimedFileChunks };
