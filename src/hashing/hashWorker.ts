import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { ChunkHasher } from './ChunkHasher.js';
import { HashWorkerError } from './errors.js';
import { RangePlan } from './RangePlan.js';
import type { RangeSpec } from './RangePlan.js';
import type { FromHashWorker, ToHashWorker } from './workerProtocol.js';

// Entry point of a hashing thread (bundled as dist/hashWorker.js): one ChunkHasher per thread.
let hasher: ChunkHasher | undefined;
const port = parentPort;
if (port === null) throw new HashWorkerError('hashWorker must run as a worker thread');

function post(reply: FromHashWorker, transfer: ArrayBuffer[] = []): void {
  (port as NonNullable<typeof port>).postMessage(reply, transfer);
}

/**
 * Reads and hashes this thread's lane of a local file with blocking reads: on a hashing thread
 * they cost nothing the thread could do instead, and they skip a round trip per chunk through
 * the caller's event loop.
 */
function hashFileLane(active: ChunkHasher, path: string, spec: RangeSpec, lane: number, lanes: number): void {
  const plan = new RangePlan(spec);
  const buffer = new Uint8Array(plan.bufferSize);
  const fd = openSync(path, 'r');
  try {
    for (const chunk of plan.chunksOfLane(lane, lanes)) {
      const bytes = buffer.subarray(0, chunk.length);
      let filled = 0;
      while (filled < chunk.length) {
        const got = readSync(fd, bytes, filled, chunk.length - filled, chunk.position + filled);
        if (got === 0) break;
        filled += got;
      }
      if (filled !== chunk.length) {
        post({ type: 'changed', expected: spec.offset + spec.length, actual: chunk.position + filled });
        return;
      }
      post({ type: 'result', run: active.hash({ ...chunk, bytes }), bytes: chunk.length });
    }
  } finally {
    closeSync(fd);
  }
  post({ type: 'done' });
}

port.on('message', (message: ToHashWorker) => {
  try {
    if (message.type === 'init') {
      hasher = new ChunkHasher(message.geometry);
      return;
    }
    if (hasher === undefined) throw new HashWorkerError(`${message.type} before init`);
    if (message.type === 'readFile') {
      hashFileLane(hasher, message.path, message.spec, message.lane, message.lanes);
      return;
    }
    const run = hasher.hash(message.chunk);
    const buffer = message.chunk.bytes.buffer as ArrayBuffer;
    // Only the chunk buffer is transferred: result hashes may live in Node's shared Buffer
    // pool, which must not be detached; they are small enough to copy.
    post({ type: 'result', run, bytes: message.chunk.bytes.length, buffer }, [buffer]);
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
