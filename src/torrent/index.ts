export { decodeBencode, encodeBencode, spanOf, MAX_TORRENT_FILE_SIZE } from './bencode.js';
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
} from './constants.js';
export {
  ContentTooLargeError,
  EmptyContentError,
  InvalidFileListError,
  InvalidMetainfoError,
  InvalidPieceLengthError,
  MalformedTorrentError,
  TorrentError,
} from './errors.js';
export { magnetLink, magnetOfTorrent } from './magnet.js';
export { blockHashes, merkleRoot, padHashAt, piecesRootFromLayer, v2PieceWidth } from './merkle.js';
export { TorrentFormat, assertValidTorrentOptions, buildTorrent } from './metainfo.js';
export { PAD_DIRECTORY, assembleMultiFileInfo, buildMultiFileTorrent, comparePaths, memberPathProblem } from './multiFile.js';
export {
  FALLBACK_NAME,
  assertValidName,
  pathSegmentProblem,
  prefixProblem,
  torrentNameForKey,
  torrentNameForPrefix,
} from './names.js';
export { parseTorrent } from './parseTorrent.js';
export {
  PIECE_LENGTH_TABLE,
  PREFIX_PIECE_LENGTH_TABLE,
  assertValidPieceLength,
  pieceCountFor,
  pieceLengthFor,
  prefixPieceLengthFor,
} from './pieceLength.js';
export type { BencodeDict, BencodeValue, ByteSpan, Encodable } from './bencode.js';
export type { FileListProblem } from './errors.js';
export type { MagnetParts } from './magnet.js';
export type {
  BuiltMultiFileTorrent,
  LaidOutFile,
  MemberHashes,
  MultiFileInfo,
  MultiFileOptions,
  MultiFileTorrentOptions,
} from './multiFile.js';
export type { BuiltTorrent, PieceHashes, TorrentOptions } from './metainfo.js';
export type { TorrentFile, TorrentSummary } from './parseTorrent.js';
