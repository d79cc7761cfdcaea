import {
  ContentTooLargeError,
  EmptyContentError,
  InvalidPieceLengthError,
  MAX_PREFIX_CONTENT_SIZE,
  MAX_S3_OBJECT_SIZE,
  PIECE_LENGTH_TABLE,
  PREFIX_PIECE_LENGTH_TABLE,
  assertValidPieceLength,
  pieceCountFor,
  pieceLengthFor,
  prefixPieceLengthFor,
} from '../../../src/torrent/index.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

describe('Function: pieceLengthFor', () => {
  it.each([
    [1, 256 * KiB],
    [512 * MiB, 256 * KiB],
    [512 * MiB + 1, 512 * KiB],
    [1 * GiB, 512 * KiB],
    [5 * GiB, 4 * MiB],
    [100 * GiB, 64 * MiB],
    [MAX_S3_OBJECT_SIZE, 64 * MiB],
  ])('gives %d bytes pieces of %d', (size, expected) => {
    expect(pieceLengthFor(size)).toBe(expected);
  });

  it('keeps every object up to 64 GiB at 2048 pieces or fewer', () => {
    for (const row of PIECE_LENGTH_TABLE.filter((r) => r.maxSize <= 64 * GiB)) {
      expect(pieceCountFor(row.maxSize, pieceLengthFor(row.maxSize))).toBeLessThanOrEqual(2048);
    }
  });

  it('uses only valid piece lengths, growing with size', () => {
    PIECE_LENGTH_TABLE.forEach((row, i) => {
      expect(() => assertValidPieceLength(row.pieceLength)).not.toThrow();
      if (i > 0) expect(row.pieceLength).toBeGreaterThan((PIECE_LENGTH_TABLE[i - 1] as typeof row).pieceLength);
    });
  });

  it('refuses empty content and content beyond S3 limit', () => {
    expect(() => pieceLengthFor(0)).toThrow(EmptyContentError);
    expect(() => pieceLengthFor(MAX_S3_OBJECT_SIZE + 1)).toThrow(ContentTooLargeError);
  });
});

describe('Function: prefixPieceLengthFor', () => {
  it.each([
    [1, 256 * KiB],
    [8 * GiB, 256 * KiB],
    [8 * GiB + 1, 512 * KiB],
    [10 * GiB, 512 * KiB],
    [1024 * GiB, 32 * MiB],
    [1024 * GiB + 1, 64 * MiB],
    [MAX_PREFIX_CONTENT_SIZE, 64 * MiB],
  ])('gives a prefix of %d bytes pieces of %d', (size, expected) => {
    expect(prefixPieceLengthFor(size)).toBe(expected);
  });

  it('agrees with the object table for every object a prefix of up to 8 GiB can reuse as it is', () => {
    // Members under 512 MiB were hashed at 256 KiB on their own: the prefix's piece length.
    for (const size of [1, 100 * MiB, 512 * MiB]) expect(pieceLengthFor(size)).toBe(prefixPieceLengthFor(8 * GiB));
  });

  it('keeps every prefix up to 1 TiB at 32,768 pieces or fewer', () => {
    for (const row of PREFIX_PIECE_LENGTH_TABLE.filter((r) => r.maxSize <= 1024 * GiB)) {
      expect(pieceCountFor(row.maxSize, prefixPieceLengthFor(row.maxSize))).toBeLessThanOrEqual(32_768);
    }
  });

  it('uses only valid piece lengths, growing with size', () => {
    PREFIX_PIECE_LENGTH_TABLE.forEach((row, i) => {
      expect(() => assertValidPieceLength(row.pieceLength)).not.toThrow();
      if (i > 0) expect(row.pieceLength).toBeGreaterThan((PREFIX_PIECE_LENGTH_TABLE[i - 1] as typeof row).pieceLength);
    });
  });

  it('refuses empty content, content beyond the prefix limit and sizes that are not byte counts', () => {
    expect(() => prefixPieceLengthFor(0)).toThrow(EmptyContentError);
    expect(() => prefixPieceLengthFor(MAX_PREFIX_CONTENT_SIZE + 1)).toThrow(ContentTooLargeError);
    expect(() => prefixPieceLengthFor(-1)).toThrow(ContentTooLargeError);
    expect(() => prefixPieceLengthFor(1.5)).toThrow(ContentTooLargeError);
  });
});

describe('Function: assertValidPieceLength', () => {
  it.each([16 * KiB, 32 * KiB, 64 * MiB])('accepts %d', (n) => {
    expect(() => assertValidPieceLength(n)).not.toThrow();
  });

  it.each([0, 3000, 8 * KiB, 3 * 16 * KiB, 128 * MiB, Number.NaN, 16 * KiB + 0.5])('rejects %d', (n) => {
    expect(() => assertValidPieceLength(n)).toThrow(InvalidPieceLengthError);
    expect(() => assertValidPieceLength(n)).toThrow(/must be a power of two from 16384/);
  });
});
