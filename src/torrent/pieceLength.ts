import { MAX_PIECE_LENGTH, MAX_PREFIX_CONTENT_SIZE, MAX_S3_OBJECT_SIZE, MIN_PIECE_LENGTH } from './constants.js';
import { ContentTooLargeError, EmptyContentError, InvalidPieceLengthError } from './errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/**
 * The default piece length for an object, by size. Each row reads "objects of at most
 * `maxSize` bytes get pieces of `pieceLength`"; the last row covers everything up to S3's 5 TiB.
 *
 * Why these numbers: 256 KiB is the floor (mktorrent's default, and small pieces would make the
 * seeder issue many tiny S3 GETs); above it a piece length doubles whenever the object would
 * otherwise have more than 2048 pieces, which keeps a v1 .torrent under ~41 KB (2048 × 20-byte
 * hashes) up to 64 GiB. 64 MiB is the ceiling clients accept; a 5 TiB object then has 81,920
 * pieces (a 1.6 MB v1 .torrent).
 */
const PIECE_LENGTH_TABLE: ReadonlyArray<{ readonly maxSize: number; readonly pieceLength: number }> = [
  { maxSize: 512 * MiB, pieceLength: 256 * KiB },
  { maxSize: 1 * GiB, pieceLength: 512 * KiB },
  { maxSize: 2 * GiB, pieceLength: 1 * MiB },
  { maxSize: 4 * GiB, pieceLength: 2 * MiB },
  { maxSize: 8 * GiB, pieceLength: 4 * MiB },
  { maxSize: 16 * GiB, pieceLength: 8 * MiB },
  { maxSize: 32 * GiB, pieceLength: 16 * MiB },
  { maxSize: 64 * GiB, pieceLength: 32 * MiB },
  { maxSize: MAX_S3_OBJECT_SIZE, pieceLength: 64 * MiB },
];

/**
 * Throws unless `pieceLength` is a power of two from 16 KiB to 64 MiB (BEP 52 requires a power
 * of two of at least 16 KiB; we apply the same rule to v1 torrents so both formats agree).
 *
 * @throws InvalidPieceLengthError
 */
function assertValidPieceLength(pieceLength: number): void {
  const valid =
    Number.isSafeInteger(pieceLength) &&
    pieceLength >= MIN_PIECE_LENGTH &&
    pieceLength <= MAX_PIECE_LENGTH &&
    (pieceLength & (pieceLength - 1)) === 0;
  if (!valid) throw new InvalidPieceLengthError(pieceLength);
}

/**
 * The default piece length for content of `size` bytes, from {@link PIECE_LENGTH_TABLE}.
 *
 * @throws EmptyContentError for 0 bytes; ContentTooLargeError above 5 TiB.
 * @example pieceLengthFor(1024 ** 3) // 524288 (512 KiB)
 */
function pieceLengthFor(size: number): number {
  return pieceLengthFrom(PIECE_LENGTH_TABLE, size, MAX_S3_OBJECT_SIZE);
}

/** The row of `table` that covers `size` bytes; refuses 0 bytes and anything past `max`. */
function pieceLengthFrom(table: ReadonlyArray<{ readonly maxSize: number; readonly pieceLength: number }>, size: number, max: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new ContentTooLargeError(size, max);
  if (size === 0) throw new EmptyContentError();
  const row = table.find((r) => size <= r.maxSize);
  if (row === undefined) throw new ContentTooLargeError(size, max);
  return row.pieceLength;
}

/**
 * The piece length of a multi-file (prefix) torrent, by the members' total size.
 *
 * Why a table of its own, and one table rather than fine-grained hashes: with BEP 47 pad files
 * every member starts on a piece boundary, so a member's v1 piece hashes can be reused as they
 * are, but only when the member was hashed at the prefix's piece length. SHA-1 pieces cannot be
 * combined into coarser ones (v2 piece layers could be, from any finer merkle layer, but every
 * torrent we write carries v1 pieces), so keeping hashes at a fine granularity would not spare
 * the re-read. What spares it is members and prefixes agreeing on the piece length as often as
 * possible: objects under 512 MiB get 256 KiB pieces (`PIECE_LENGTH_TABLE`), and this table keeps
 * 256 KiB up to 8 GiB of content, so a prefix of that size reuses its members' own hashes.
 * Doubling only past 32,768 pieces costs a .torrent of at most ~1.7 MB of hashes (20-byte v1 plus
 * 32-byte v2 per piece), well under libtorrent's 10 MB load limit; a larger prefix needs its
 * members hashed at its own piece length.
 */
const PREFIX_PIECE_LENGTH_TABLE: ReadonlyArray<{ readonly maxSize: number; readonly pieceLength: number }> = [
  { maxSize: 8 * GiB, pieceLength: 256 * KiB },
  { maxSize: 16 * GiB, pieceLength: 512 * KiB },
  { maxSize: 32 * GiB, pieceLength: 1 * MiB },
  { maxSize: 64 * GiB, pieceLength: 2 * MiB },
  { maxSize: 128 * GiB, pieceLength: 4 * MiB },
  { maxSize: 256 * GiB, pieceLength: 8 * MiB },
  { maxSize: 512 * GiB, pieceLength: 16 * MiB },
  { maxSize: 1024 * GiB, pieceLength: 32 * MiB },
  { maxSize: MAX_PREFIX_CONTENT_SIZE, pieceLength: 64 * MiB },
];

/**
 * The piece length of a prefix torrent whose members total `totalSize` bytes (pad files not
 * counted: they depend on the piece length), from {@link PREFIX_PIECE_LENGTH_TABLE}.
 *
 * @throws EmptyContentError for 0 bytes; ContentTooLargeError above MAX_PREFIX_CONTENT_SIZE.
 * @example prefixPieceLengthFor(10 * 1024 ** 3) // 524288 (512 KiB)
 */
function prefixPieceLengthFor(totalSize: number): number {
  return pieceLengthFrom(PREFIX_PIECE_LENGTH_TABLE, totalSize, MAX_PREFIX_CONTENT_SIZE);
}

/** Number of pieces of content of `size` bytes cut in pieces of `pieceLength`. */
function pieceCountFor(size: number, pieceLength: number): number {
  return Math.ceil(size / pieceLength);
}

export {
  PIECE_LENGTH_TABLE,
  PREFIX_PIECE_LENGTH_TABLE,
  assertValidPieceLength,
  pieceCountFor,
  pieceLengthFor,
  prefixPieceLengthFor,
};
