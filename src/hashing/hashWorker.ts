import { parentPort } from 'node:worker_threads';
import { ChunkHasher } from './ChunkHasher.js';
import { HashWorkerError, SourceChangedError } from './errors.js';
import { hashClaimedFileChunks } from './fileLane.js';
import { UnitClaims } from './RangePlan.js';
import type { RangeSpec } from './RangePlan.js';
import type { FromHashWorker, ToHashWorker } from './workerProtocol.js';

// Entry point of a hashing thread (bundled as dist/hashWorker.cjs): one ChunkHasher per thread.
let hasher: ChunkHasher | undefined;
const port = parentPort;
if (port === null) throw new HashWorkerError('hashWorker must run as a worker thread');

function post(reply: FromHashWorker, transfer: ArrayBuffer[] = []): void {
  (port as NonNullable<typeof port>).postMessage(reply, transfer);
}

/** Hashes the units of a local file this thread claims, reporting each chunk's result. */
async function hashFileLane(active: ChunkHasher, path: string, spec: RangeSpec, claims: UnitClaims): Promise<void> {
  try {
    await hashClaimedFileChunks(active, path, spec, claims, (run, bytes) => post({ type: 'result', run, bytes }));
  } catch (error) {
    if (!(error instanceof SourceChangedError)) throw error;
    post({ type: 'changed', expected: error.expected, actual: error.actual });
    return;
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
