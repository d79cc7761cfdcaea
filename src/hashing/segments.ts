import { SHA1_LENGTH, SHA256_LENGTH, assertValidPieceLength, pieceCountFor } from '../torrent/index.js';
import type { PieceHashes } from '../torrent/index.js';
import { SegmentError } from './errors.js';
import type { RangeHashes } from './hashRange.js';

/** One piece-aligned part of a file, hashed on its own (by one worker, later one Lambda). */
interface Segment {
  readonly index: number;
  readonly offset: number;
  readonly length: number;
  readonly firstPiece: number;
  readonly pieceCount: number;
}

/**
 * Cuts a file into segments of about `segmentSize` bytes on piece boundaries (the size is rounded
 * down to whole pieces, at least one). The last segment takes the remainder.
 *
 * @example planSegments(10 * 2 ** 20, 2 ** 20, 4 * 2 ** 20).map((s) => s.length) // [4 MiB, 4 MiB, 2 MiB]
 */
function planSegments(size: number, pieceLength: number, segmentSize: number): Segment[] {
  assertValidPieceLength(pieceLength);
  if (!Number.isSafeInteger(size) || size <= 0) throw new SegmentError(`cannot plan segments of ${size} bytes`);
  if (!Number.isSafeInteger(segmentSize) || segmentSize <= 0) throw new SegmentError(`invalid segment size ${segmentSize}`);
  const piecesPerSegment = Math.max(1, Math.floor(segmentSize / pieceLength));
  const totalPieces = pieceCountFor(size, pieceLength);
  const segments: Segment[] = [];
  for (let firstPiece = 0; firstPiece < totalPieces; firstPiece += piecesPerSegment) {
    const pieceCount = Math.min(piecesPerSegment, totalPieces - firstPiece);
    const offset = firstPiece * pieceLength;
    const length = Math.min(pieceCount * pieceLength, size - offset);
    segments.push({ index: segments.length, offset, length, firstPiece, pieceCount });
  }
  return segments;
}

/**
 * Joins the hashes of separately hashed ranges into the hashes of the whole file, as if hashed in
 * one pass. The ranges may come in any order but must cover the file exactly once.
 *
 * @throws SegmentError when ranges overlap, leave a gap, or disagree on v2.
 */
function combineRanges(ranges: ReadonlyArray<RangeHashes>, size: number, pieceLength: number): PieceHashes {
  assertValidPieceLength(pieceLength);
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  let expectedOffset = 0;
  for (const range of sorted) {
    if (range.offset !== expectedOffset) {
      throw new SegmentError(
        range.offset < expectedOffset
          ? `ranges overlap at byte ${range.offset}`
          : `bytes [${expectedOffset}, ${range.offset}) were not hashed`,
      );
    }
    if (range.firstPiece * pieceLength !== range.offset) throw new SegmentError(`range at ${range.offset} is not piece-aligned`);
    expectedOffset = range.offset + range.length;
  }
  if (expectedOffset !== size) throw new SegmentError(`bytes [${expectedOffset}, ${size}) were not hashed`);
  const withV2 = sorted.filter((r) => r.v2 !== undefined).length;
  if (withV2 !== 0 && withV2 !== sorted.length) throw new SegmentError('some ranges have v2 hashes and some do not');
  const pieces = pieceCountFor(size, pieceLength);
  const v1 = Buffer.concat(sorted.map((r) => r.v1));
  const v2 = withV2 === 0 ? undefined : Buffer.concat(sorted.map((r) => r.v2 as Uint8Array));
  if (v1.length !== pieces * SHA1_LENGTH || (v2 !== undefined && v2.length !== pieces * SHA256_LENGTH)) {
    throw new SegmentError(`ranges hold the wrong number of piece hashes for ${pieces} pieces`);
  }
  // The range holding the last piece carries its padded tail; results recorded before the
  // hasher produced it simply lack it.
  const v1PaddedTail = sorted[sorted.length - 1]?.v1PaddedTail;
  if (v1PaddedTail !== undefined && (size % pieceLength === 0 || v1PaddedTail.length !== SHA1_LENGTH)) {
    throw new SegmentError(`a padded tail hash of ${v1PaddedTail.length} bytes does not fit a ${size}-byte file of ${pieceLength}-byte pieces`);
  }
  return { size, pieceLength, v1, v2, ...(v1PaddedTail === undefined ? {} : { v1PaddedTail }) };
}

export { combineRanges, planSegments };
export type { Segment };
