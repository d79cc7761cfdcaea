import { pieceLengthFor } from '../torrent/index.js';
import type { PieceHashes } from '../torrent/index.js';
import { hashRange } from './hashRange.js';
import { openFileSource } from './sources.js';

interface HashFileOptions {
  /** @default pieceLengthFor(size) */
  readonly pieceLength?: number | undefined;
  /** @default true */
  readonly v2?: boolean;
  /** @default os.availableParallelism() */
  readonly threads?: number;
  readonly onProgress?: (bytesHashed: number, bytesTotal: number) => void;
}

/**
 * Hashes a whole local file in one pass on every core.
 *
 * @throws SourceUnreadableError, EmptyContentError, InvalidPieceLengthError, SourceChangedError
 */
async function hashFile(path: string, options: HashFileOptions = {}): Promise<PieceHashes> {
  const source = await openFileSource(path);
  try {
    const pieceLength = options.pieceLength ?? pieceLengthFor(source.size);
    const range = await hashRange(source, {
      size: source.size,
      pieceLength,
      v2: options.v2,
      threads: options.threads,
      onProgress: options.onProgress,
    });
    return { size: source.size, pieceLength, v1: range.v1, v2: range.v2, v1PaddedTail: range.v1PaddedTail };
  } finally {
    await source.close();
  }
}

export { hashFile };
export type { HashFileOptions };
