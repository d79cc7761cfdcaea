import { parentPort } from 'node:worker_threads';
import { ChunkHasher } from './ChunkHasher.js';
import { HashWorkerError } from './errors.js';
import type { FromHashWorker, ToHashWorker } from './workerProtocol.js';

// Entry point of a hashing thread (bundled as dist/hashWorker.js): one ChunkHasher per thread,
// fed in order by one lane of the caller.
let hasher: ChunkHasher | undefined;
const port = parentPort;
if (port === null) throw new HashWorkerError('hashWorker must run as a worker thread');

port.on('message', (message: ToHashWorker) => {
  try {
    if (message.type === 'init') {
      hasher = new ChunkHasher(message.geometry);
      return;
    }
    if (hasher === undefined) throw new HashWorkerError('chunk before init');
    const run = hasher.hash(message.chunk);
    const buffer = message.chunk.bytes.buffer as ArrayBuffer;
    const reply: FromHashWorker = { type: 'result', run, buffer, bytes: message.chunk.bytes.length };
    // Only the chunk buffer is transferred: result hashes may live in Node's shared Buffer
    // pool, which must not be detached; they are small enough to copy.
    port.postMessage(reply, [buffer]);
  } catch (error) {
    const reply: FromHashWorker = { type: 'error', message: error instanceof Error ? error.message : String(error) };
    port.postMessage(reply);
  }
});
