import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CHUNK_SIZE } from './chunkSize.js';

// Starting hashing threads, also before the hashing code is loaded. This module is the one
// part of src/hashing that may be imported directly rather than through index.ts: the CLI
// calls `startFileHashThreads` before it loads `create`'s code, so that a thread boots
// (~0.04 CPU-s on Node 20, most of it Node's own) on the idle core while the caller's thread
// still loads crypto, the torrent code and this module's siblings. Keep its imports to Node
// built-ins and leaf modules, or the early start loses what it gains.

/** Threads started ahead of a hash, waiting for a lane to take them. */
const waiting: Worker[] = [];

/**
 * Starts a hashing thread. Bundled (dist/), its entry point hashWorker.cjs sits beside this code.
 * From TypeScript sources (jest, tsx) the entry is hashWorker.ts, which plain Node cannot load,
 * and Node 20 does not apply `--import tsx` to worker threads: a tiny bootstrap registers tsx's
 * loader inside the thread first, then imports the .ts entry.
 */
function startHashWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./hashWorker.cjs', import.meta.url));
  const tsxApi = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  const entry = new URL('./hashWorker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(pathToFileURL(tsxApi).href)})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, execArgv: [] });
}

/**
 * A thread started earlier by `startFileHashThreads`, else a new one. A waiting thread is
 * unref'd (it must not keep a process alive that ends up not hashing); the taker refs it.
 */
function takeHashWorker(): Worker {
  const worker = waiting.pop() ?? startHashWorker();
  worker.ref();
  return worker;
}

/**
 * Starts, ahead of `hashFile(path, { threads })`, the worker threads it will use: one fewer
 * than its lanes, since for a local file the calling thread is a lane too. A file of fewer
 * chunks than threads gets fewer lanes (at least one chunk each); an unreadable file gets none
 * (hashFile reports why). A thread that is never taken idles, unref'd, until the process ends.
 *
 * @param threads - as passed to hashFile; undefined: one per core
 */
function startFileHashThreads(path: string, threads: number | undefined): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  const lanes = Math.min(threads ?? availableParallelism(), Math.ceil(size / CHUNK_SIZE));
  for (let i = waiting.length; i < lanes - 1; i += 1) {
    const worker = startHashWorker();
    worker.unref();
    // A thread that fails before it is taken is dropped; the lane that would take it starts
    // its own and reports that one's failure.
    worker.once('error', () => {
      const at = waiting.indexOf(worker);
      if (at !== -1) waiting.splice(at, 1);
    });
    waiting.push(worker);
  }
}

export { startFileHashThreads, takeHashWorker };
