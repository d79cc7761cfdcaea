import type { HashChunk, HashGeometry, PieceHashRun } from './ChunkHasher.js';

/**
 * Messages between the caller and a hashing thread. Chunk buffers are transferred, not copied,
 * both ways: the thread hands each buffer back with its result so the caller can reuse it.
 * @internal
 */
type ToHashWorker =
  | { readonly type: 'init'; readonly geometry: HashGeometry }
  | { readonly type: 'chunk'; readonly chunk: HashChunk };

/** @internal */
type FromHashWorker =
  | { readonly type: 'result'; readonly run: PieceHashRun | undefined; readonly buffer: ArrayBuffer; readonly bytes: number }
  | { readonly type: 'error'; readonly message: string };

export type { FromHashWorker, ToHashWorker };
