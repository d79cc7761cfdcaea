import type { HashChunk, HashGeometry, PieceHashRun } from './ChunkHasher.js';
import type { RangeSpec } from './RangePlan.js';

/**
 * Messages between the caller and a hashing thread. Either the caller reads and sends chunks
 * (streams, remote sources; buffers are transferred both ways, never copied), or, for a local
 * file, the thread reads its own lane of the file (no per-chunk hop through the caller).
 * @internal
 */
type ToHashWorker =
  | { readonly type: 'init'; readonly geometry: HashGeometry }
  | { readonly type: 'chunk'; readonly chunk: HashChunk }
  | { readonly type: 'readFile'; readonly path: string; readonly spec: RangeSpec; readonly claims: SharedArrayBuffer };

/** @internal */
type FromHashWorker =
  | { readonly type: 'result'; readonly run: PieceHashRun | undefined; readonly bytes: number; readonly buffer?: ArrayBuffer }
  | { readonly type: 'done' }
  | { readonly type: 'changed'; readonly expected: number; readonly actual: number }
  | { readonly type: 'error'; readonly message: string };

export type { FromHashWorker, ToHashWorker };
