/**
 * BEP 52 fixes the merkle leaf size at 16 KiB; it is also the request size every client uses,
 * so it is the smallest piece length we allow.
 */
const BLOCK_SIZE = 16 * 1024;

/** Smallest piece length: one BEP 52 block (a hybrid torrent cannot have smaller pieces). */
const MIN_PIECE_LENGTH = BLOCK_SIZE;

/**
 * Largest piece length: 64 MiB. Clients hold a whole piece in memory to verify it, and
 * libtorrent and qBittorrent refuse to create larger ones.
 */
const MAX_PIECE_LENGTH = 64 * 1024 * 1024;

/** S3's largest object (5 TiB): the piece-length table only has to reach this far. */
const MAX_S3_OBJECT_SIZE = 5 * 1024 ** 4;

/**
 * Largest total content of a multi-file (prefix) torrent: 5 TiB, like one S3 object. At 64 MiB
 * pieces that is 81,920 pieces, ~4.3 MB of v1 and v2 hashes, leaving room under libtorrent's
 * 10 MB .torrent limit for the file list ({@link MAX_FILES_PER_TORRENT} entries).
 */
const MAX_PREFIX_CONTENT_SIZE = 5 * 1024 ** 4;

/**
 * Most files (members, not counting pad files) in one multi-file torrent: 10,000. Datasets of a
 * few thousand files are the use (Academic Torrents' largest); each member costs a hybrid info
 * dict a v1 entry, a pad-file entry, a v2 file-tree entry and at least one piece hash, ~250 bytes
 * plus twice its path, so 10,000 members with long paths stay within a few MB, and a client
 * fetching the info dict by magnet (ut_metadata, 16 KiB per message) needs a few hundred
 * round trips at most.
 */
const MAX_FILES_PER_TORRENT = 10_000;

/** SHA-1 digest length: one v1 piece hash, one v1 infohash. */
const SHA1_LENGTH = 20;

/** SHA-256 digest length: one v2 merkle node, one v2 infohash. */
const SHA256_LENGTH = 32;

/** What we write in `created by` unless told otherwise. */
const CREATED_BY = 's3-torrent';

export {
  BLOCK_SIZE,
  CREATED_BY,
  MAX_FILES_PER_TORRENT,
  MAX_PIECE_LENGTH,
  MAX_PREFIX_CONTENT_SIZE,
  MAX_S3_OBJECT_SIZE,
  MIN_PIECE_LENGTH,
  SHA1_LENGTH,
  SHA256_LENGTH,
};
