import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { ChunkHasher } from './ChunkHasher.js';
import { HashWorkerError } from './errors.js';
import { RangePlan, UnitClaims } from './RangePlan.js';
import type { ChunkPlan, RangeSpec } from './RangePlan.js';
import type { FromHashWorker, ToHashWorker } from './workerProtocol.js';

// Entry point of a hashing thread (bundled as dist/hashWorker.js): one ChunkHasher per thread.
let hasher: ChunkHasher | undefined;
const port = parentPort;
if (port === null) throw new HashWorkerError('hashWorker must run as a worker thread');

function post(reply: FromHashWorker, transfer: ArrayBuffer[] = []): void {
  (port as NonNullable<typeof port>).postMessage(reply, transfer);
}

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
 * Reads and hashes the units of a local file this thread claims. Double-buffered: the next
 * chunk is read (by libuv's I/O threads) while this one is hashed, as mktorrent's reader does,
 * so one thread alone is not slowed by waiting for its reads.
 */
async function hashFileLane(active: ChunkHasher, path: string, spec: RangeSpec, claims: UnitClaims): Promise<void> {
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
        post({ type: 'changed', expected: spec.offset + spec.length, actual: current.chunk.position + current.filled });
        return;
      }
      post({ type: 'result', run: active.hash({ ...current.chunk, bytes: current.bytes }), bytes: current.bytes.length });
    }
  } finally {
    await handle.close();
  }
  post({ type: 'done' });
}

function fail(error: unknown): void {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}

port.on('message', (message: ToHashWorker) => {
  try {
    if (message.type === 'init') {
      hasher = new ChunkHasher(message.geometry);
      return;
    }
    if (hasher === undefined) throw new HashWorkerError(`${message.type} before init`);
    if (message.type === 'readFile') {
      hashFileLane(hasher, message.path, message.spec, new UnitClaims(message.claims)).catch(fail);
      return;
    }
    const run = hasher.hash(message.chunk);
    const buffer = message.chunk.bytes.buffer as ArrayBuffer;
    // Only the chunk buffer is transferred: result hashes may live in Node's shared Buffer
    // pool, which must not be detached; they are small enough to copy.
    post({ type: 'result', run, bytes: message.chunk.bytes.length, buffer }, [buffer]);
  } catch (error) {
    fail(error);
  }
});
