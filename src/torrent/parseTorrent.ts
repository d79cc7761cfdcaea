import { hash } from 'node:crypto';
import { decodeBencode, spanOf } from './bencode.js';
import type { BencodeDict } from './bencode.js';
import { bytes, dict, integer, optionalText, text } from './bencodeFields.js';
import { BLOCK_SIZE, SHA1_LENGTH } from './constants.js';
import { MalformedTorrentError } from './errors.js';
import { checkPieceLayer, mergeHybridFileLists, treeFiles, v1FileList } from './parseFileList.js';
import type { TorrentFile } from './parseFileList.js';
import { pieceCountFor } from './pieceLength.js';

/** What `s3-torrent inspect` shows, and what the rest of the system needs from a .torrent. */
interface TorrentSummary {
  /** The file's name, or for a multi-file torrent the directory its files are saved in. */
  readonly name: string;
  /** Bytes the pieces cover: the file's size, or the sum of all files' sizes, pad files included. */
  readonly size: number;
  readonly pieceLength: number;
  readonly pieceCount: number;
  /** 1 for v1 torrents, 2 for hybrid (and v2-only) torrents. */
  readonly metaVersion: 1 | 2;
  /** SHA-1 of the info dict bytes; undefined for a v2-only torrent (it has no v1 swarm). */
  readonly infoHashV1: string | undefined;
  /** SHA-256 of the info dict bytes; only for v2 and hybrid torrents. */
  readonly infoHashV2: string | undefined;
  readonly trackers: ReadonlyArray<ReadonlyArray<string>>;
  readonly webseeds: ReadonlyArray<string>;
  readonly comment: string | undefined;
  readonly createdBy: string | undefined;
  readonly creationDate: number | undefined;
  /** True when the info dict has a `files` list (the files are saved in a directory `name`). */
  readonly multiFile: boolean;
  /**
   * Every file in torrent order with its offset in the piece space, BEP 47 pad files included
   * (marked `pad`), so pieces can be mapped to files. Paths are below `name`; a single-file
   * torrent has one file with path `[]` (it is saved as `name` itself).
   */
  readonly files: ReadonlyArray<TorrentFile>;
}

function trackersOf(root: BencodeDict): string[][] {
  const list = root.get('announce-list');
  if (Array.isArray(list) && list.length > 0) {
    return list.map((tier, i) => {
      if (!Array.isArray(tier)) throw new MalformedTorrentError(`"announce-list" tier ${i} must be a list`);
      return tier.map((url) => text(url, 'announce-list'));
    });
  }
  const announce = optionalText(root.get('announce'), 'announce');
  return announce === undefined || announce === '' ? [] : [[announce]];
}

function webseedsOf(root: BencodeDict): string[] {
  const urls = root.get('url-list');
  if (urls === undefined) return [];
  if (urls instanceof Uint8Array) return urls.length === 0 ? [] : [text(urls, 'url-list')];
  if (!Array.isArray(urls)) throw new MalformedTorrentError('"url-list" must be a string or a list');
  return urls.map((url) => text(url, 'url-list'));
}

/** Checks the BEP 52 part of a single-file torrent and returns its file. */
function singleV2File(root: BencodeDict, info: BencodeDict, name: string, pieceLength: number): TorrentFile {
  const files = treeFiles(dict(info.get('file tree'), 'file tree'));
  const [file] = files;
  if (files.length !== 1 || file === undefined || file.path.length !== 1) {
    throw new MalformedTorrentError('a v2 torrent of several files needs the v1 "files" list (v2-only multi-file torrents are not supported)');
  }
  if (file.path[0] !== name) throw new MalformedTorrentError('"file tree" name differs from "name"');
  if (file.piecesRoot !== undefined) checkPieceLayer(root, { size: file.size, piecesRoot: file.piecesRoot }, pieceLength);
  return { path: [], size: file.size, offset: 0, pad: false, piecesRoot: file.piecesRoot };
}

/** The file list of a v1 or hybrid torrent: one file (path `[]`), or the `files` list. */
function filesOf(root: BencodeDict, info: BencodeDict, name: string, pieceLength: number, metaVersion: 1 | 2): TorrentFile[] {
  if (info.has('files')) {
    if (info.has('length')) throw new MalformedTorrentError('a torrent has either "length" or "files", not both');
    const files = v1FileList(info.get('files'));
    return metaVersion === 2 ? mergeHybridFileLists(root, files, dict(info.get('file tree'), 'file tree'), pieceLength) : files;
  }
  const size = integer(info.get('length'), 'length', 0);
  if (metaVersion === 1) return [{ path: [], size, offset: 0, pad: false }];
  const v2 = singleV2File(root, info, name, pieceLength);
  if (v2.size !== size) throw new MalformedTorrentError('v1 "length" differs from the v2 file length');
  return [v2];
}

/**
 * Parses and validates a .torrent: single-file or multi-file (BEP 3 `files` with BEP 47 pad
 * files), v1, hybrid, or single-file v2. The infohashes are computed over the info dict's bytes
 * exactly as they appear in the file.
 *
 * @throws MalformedTorrentError with what is wrong.
 */
function parseTorrent(data: Uint8Array): TorrentSummary {
  const root = dict(decodeBencode(data), 'the torrent');
  const info = dict(root.get('info'), 'info');
  const name = text(info.get('name'), 'name');
  const pieceLength = integer(info.get('piece length'), 'piece length', 1);
  const version = info.get('meta version') === undefined ? 1 : integer(info.get('meta version'), 'meta version', 1);
  if (version !== 1 && version !== 2) throw new MalformedTorrentError(`unsupported "meta version" ${version}`);
  const metaVersion: 1 | 2 = version;
  if (metaVersion === 2 && (pieceLength < BLOCK_SIZE || (pieceLength & (pieceLength - 1)) !== 0)) {
    throw new MalformedTorrentError('a v2 "piece length" must be a power of two ≥ 16384');
  }

  const hasV1 = info.has('pieces');
  if (!hasV1 && metaVersion === 1) throw new MalformedTorrentError('"pieces" is missing');
  const files = hasV1 ? filesOf(root, info, name, pieceLength, metaVersion) : [singleV2File(root, info, name, pieceLength)];
  const last = files[files.length - 1] as TorrentFile;
  const size = last.offset + last.size;
  if (size === 0) throw new MalformedTorrentError('the torrent has no content (length 0)');
  if (hasV1) {
    const pieces = bytes(info.get('pieces'), 'pieces');
    if (pieces.length !== pieceCountFor(size, pieceLength) * SHA1_LENGTH) {
      throw new MalformedTorrentError(`"pieces" holds ${pieces.length} bytes, expected ${pieceCountFor(size, pieceLength)} × 20`);
    }
  }

  const span = spanOf(info);
  if (span === undefined) throw new MalformedTorrentError('info dictionary position unknown');
  const infoBytes = data.subarray(span.start, span.end);
  const creationDate = root.get('creation date');
  return {
    name,
    size,
    pieceLength,
    pieceCount: pieceCountFor(size, pieceLength),
    metaVersion,
    infoHashV1: hasV1 ? hash('sha1', infoBytes, 'hex') : undefined,
    infoHashV2: metaVersion === 2 ? hash('sha256', infoBytes, 'hex') : undefined,
    trackers: trackersOf(root),
    webseeds: webseedsOf(root),
    comment: optionalText(root.get('comment'), 'comment'),
    createdBy: optionalText(root.get('created by'), 'created by'),
    creationDate: typeof creationDate === 'number' ? creationDate : undefined,
    multiFile: info.has('files'),
    files,
  };
}

export { parseTorrent };
export type { TorrentFile, TorrentSummary };
