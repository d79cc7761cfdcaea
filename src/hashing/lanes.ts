import type { Worker } from 'node:worker_threads';
import { ChunkHasher } from './ChunkHasher.js';
import type { HashChunk, HashGeometry, PieceHashRun } from './ChunkHasher.js';
import { HashWorkerError, SourceChangedError } from './errors.js';
import { hashClaimedFileChunks } from './fileLane.js';
import { takeHashWorker } from './hashThreads.js';
import type { RangeSpec, UnitClaims } from './RangePlan.js';
import type { FromHashWorker, ToHashWorker } from './workerProtocol.js';

/**
 * Chunks each lane may have in flight (being read or hashed): two keeps a thread busy while the
 * next chunk is read, and bounds memory to lanes × 2 × chunk size.
 */
const BUFFERS_PER_LANE = 2;

/** Called with each run of finished pieces and the number of bytes the chunk held. */
type RunSink = (run: PieceHashRun | undefined, bytes: number) => void;

/**
 * One ordered path from the reader to a hasher. Chunks of a piece larger than a chunk must all
 * go through the same lane, in order. `acquire` waits for a free buffer: that is the
 * backpressure that bounds memory.
 * @internal
 */
interface HashLane {
  acquire(): Promise<Uint8Array>;
  /** Hands the chunk (and ownership of its buffer) to the lane. */
  submit(chunk: HashChunk): void;
  /** Resolves when every submitted chunk is hashed; rejects on the lane's first failure. */
  drain(): Promise<void>;
  /**
   * Has the lane read and hash the units of a local file it claims from `claims`; undefined
   * when this lane cannot (it has no thread of its own).
   */
  hashFileLane?(path: string, spec: RangeSpec, claims: UnitClaims): Promise<void>;
  close(): Promise<void>;
}

/**
 * Up to `count` buffers of `size` bytes, made on first use: a lane that reads a local file on
 * its own thread never asks for one, and then never pays for them.
 */
class BufferPool {
  private readonly free: Uint8Array[] = [];
  private readonly waiters: Array<{ resolve: (buffer: Uint8Array) => void; reject: (error: Error) => void }> = [];
  private failure: Error | undefined;
  private made = 0;

  public constructor(
    private readonly count: number,
    private readonly size: number,
  ) {}

  public acquire(): Promise<Uint8Array> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const buffer = this.free.pop();
    if (buffer !== undefined) return Promise.resolve(buffer);
    if (this.made < this.count) {
      this.made += 1;
      return Promise.resolve(new Uint8Array(new ArrayBuffer(this.size)));
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  public release(buffer: Uint8Array): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter.resolve(buffer);
    else this.free.push(buffer);
  }

  /** Fails every current and future `acquire` (the lane is dead; nothing will be released). */
  public fail(error: Error): void {
    this.failure = error;
    this.waiters.splice(0).forEach((w) => w.reject(error));
  }
}

/** Hashes on the caller's thread (threads: 0, e.g. in a small Lambda). */
class InlineLane implements HashLane {
  private readonly hasher: ChunkHasher;
  private readonly pool: BufferPool;

  public constructor(geometry: HashGeometry, chunkSize: number, private readonly sink: RunSink) {
    this.hasher = new ChunkHasher(geometry);
    this.pool = new BufferPool(1, chunkSize);
  }

  public acquire(): Promise<Uint8Array> {
    return this.pool.acquire();
  }

  public submit(chunk: HashChunk): void {
    this.sink(this.hasher.hash(chunk), chunk.bytes.length);
    this.pool.release(new Uint8Array(chunk.bytes.buffer));
  }

  public drain(): Promise<void> {
    return Promise.resolve();
  }

  public hashFileLane(path: string, spec: RangeSpec, claims: UnitClaims): Promise<void> {
    return hashClaimedFileChunks(this.hasher, path, spec, claims, this.sink);
  }

  public close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Hashes on a worker thread. */
class WorkerLane implements HashLane {
  private readonly worker: Worker;
  private readonly pool: BufferPool;
  private inFlight = 0;
  private failure: Error | undefined;
  private idle: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  public constructor(geometry: HashGeometry, chunkSize: number, private readonly sink: RunSink) {
    this.worker = takeHashWorker();
    this.pool = new BufferPool(BUFFERS_PER_LANE, chunkSize);
    this.worker.on('message', (message: FromHashWorker) => this.onMessage(message));
    this.worker.on('error', (error) => this.fail(new HashWorkerError(`hashing thread failed: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code) => this.fail(new HashWorkerError(`hashing thread exited with code ${code}`)));
    this.post({ type: 'init', geometry });
  }

  public acquire(): Promise<Uint8Array> {
    return this.pool.acquire();
  }

  public submit(chunk: HashChunk): void {
    if (this.failure !== undefined) return;
    this.inFlight += 1;
    this.post({ type: 'chunk', chunk }, [chunk.bytes.buffer as ArrayBuffer]);
  }

  public hashFileLane(path: string, spec: RangeSpec, claims: UnitClaims): Promise<void> {
    this.inFlight += 1;
    this.post({ type: 'readFile', path, spec, claims: claims.shared });
    return this.drain();
  }

  public drain(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.idle.push({ resolve, reject }));
  }

  public async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private post(message: ToHashWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private onMessage(message: FromHashWorker): void {
    if (message.type === 'error') {
      this.fail(new HashWorkerError(`hashing thread failed: ${message.message}`));
      return;
    }
    if (message.type === 'changed') {
      this.fail(new SourceChangedError(message.expected, message.actual));
      return;
    }
    if (message.type === 'result') {
      this.sink(message.run, message.bytes);
      if (message.buffer === undefined) return; // progress of a file lane; 'done' ends it
      this.pool.release(new Uint8Array(message.buffer));
    }
    this.inFlight -= 1;
    if (this.inFlight === 0) {
      const waiting = this.idle;
      this.idle = [];
      waiting.forEach((w) => w.resolve());
    }
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.pool.fail(error);
    const waiting = this.idle;
    this.idle = [];
    waiting.forEach((w) => w.reject(error));
  }
}

/**
 * `threads` hashing lanes: one inline lane for `threads: 0`, else lanes on worker threads. With
 * `callerHashes` (a local file, read by each lane itself) the caller's own thread is one of the
 * lanes: it starts hashing at once while the workers boot, and is otherwise idle anyway.
 */
function openLanes(threads: number, geometry: HashGeometry, chunkSize: number, sink: RunSink, callerHashes: boolean): HashLane[] {
  if (threads === 0) return [new InlineLane(geometry, chunkSize, sink)];
  const workers = callerHashes ? threads - 1 : threads;
  const lanes: HashLane[] = Array.from({ length: workers }, () => new WorkerLane(geometry, chunkSize, sink));
  if (callerHashes) lanes.push(new InlineLane(geometry, chunkSize, sink));
  return lanes;
}

export { BUFFERS_PER_LANE, openLanes };
export type { HashLane, RunSink };
