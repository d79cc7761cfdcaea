import { hash } from 'node:crypto';
import { decodeBencode, spanOf } from './bencode.js';
import type { BencodeDict, BencodeValue } from './bencode.js';
import { BLOCK_SIZE, SHA1_LENGTH, SHA256_LENGTH } from './constants.js';
import { MalformedTorrentError } from './errors.js';
import { piecesRootFromLayer } from './merkle.js';
import { pieceCountFor } from './pieceLength.js';

/** What `s3-torrent inspect` shows, and what the rest of the system needs from a .torrent. */
interface TorrentSummary {
  readonly name: string;
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
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(value: BencodeValue | undefined, field: string): string {
  if (!(value instanceof Uint8Array)) throw new MalformedTorrentError(`"${field}" must be a string`);
  try {
    return utf8.decode(value);
  } catch (cause) {
    throw new MalformedTorrentError(`"${field}" is not valid UTF-8`, undefined, { cause });
  }
}

function optionalText(value: BencodeValue | undefined, field: string): string | undefined {
  return value === undefined ? undefined : text(value, field);
}

function integer(value: BencodeValue | undefined, field: string, min: number): number {
  if (typeof value !== 'number' || value < min) {
    throw new MalformedTorrentError(`"${field}" must be an integer ≥ ${min}`);
  }
  return value;
}

function bytes(value: BencodeValue | undefined, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new MalformedTorrentError(`"${field}" must be a byte string`);
  return value;
}

function dict(value: BencodeValue | undefined, field: string): BencodeDict {
  if (!(value instanceof Map)) throw new MalformedTorrentError(`"${field}" must be a dictionary`);
  return value;
}

/** Dictionary keys are latin1 "binary strings" (see bencode.ts); names in them are UTF-8. */
function keyText(key: string): string {
  return text(Buffer.from(key, 'latin1'), 'file tree');
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

/** Checks the BEP 52 part of a single-file torrent and returns its file length. */
function checkV2(root: BencodeDict, info: BencodeDict, name: string, pieceLength: number): number {
  if (pieceLength < BLOCK_SIZE || (pieceLength & (pieceLength - 1)) !== 0) {
    throw new MalformedTorrentError('a v2 "piece length" must be a power of two ≥ 16384');
  }
  const tree = dict(info.get('file tree'), 'file tree');
  if (tree.size !== 1) throw new MalformedTorrentError('multi-file torrents are not supported');
  const [[treeName, node]] = [...tree.entries()] as [[string, BencodeValue]];
  if (keyText(treeName) !== name) throw new MalformedTorrentError('"file tree" name differs from "name"');
  const file = dict(dict(node, 'file tree').get(''), 'file tree entry');
  const length = integer(file.get('length'), 'file tree length', 0);
  if (length === 0) return length;
  const piecesRoot = bytes(file.get('pieces root'), 'pieces root');
  if (piecesRoot.length !== SHA256_LENGTH) throw new MalformedTorrentError('"pieces root" must be 32 bytes');
  if (length <= pieceLength) return length;
  const layers = dict(root.get('piece layers'), 'piece layers');
  const layer = bytes(layers.get(Buffer.from(piecesRoot).toString('latin1')), 'piece layers entry');
  if (layer.length !== pieceCountFor(length, pieceLength) * SHA256_LENGTH) {
    throw new MalformedTorrentError('"piece layers" has the wrong number of hashes');
  }
  if (!Buffer.from(piecesRootFromLayer(layer, pieceLength)).equals(piecesRoot)) {
    throw new MalformedTorrentError('"piece layers" does not hash to "pieces root"');
  }
  return length;
}

/**
 * Parses and validates a single-file .torrent (v1, hybrid or v2). The infohashes are computed
 * over the info dict's bytes exactly as they appear in the file.
 *
 * @throws MalformedTorrentError with what is wrong.
 */
function parseTorrent(data: Uint8Array): TorrentSummary {
  const root = dict(decodeBencode(data), 'the torrent');
  const info = dict(root.get('info'), 'info');
  const name = text(info.get('name'), 'name');
  const pieceLength = integer(info.get('piece length'), 'piece length', 1);
  const metaVersion = info.get('meta version') === undefined ? 1 : integer(info.get('meta version'), 'meta version', 1);
  if (metaVersion !== 1 && metaVersion !== 2) {
    throw new MalformedTorrentError(`unsupported "meta version" ${metaVersion}`);
  }
  if (info.has('files')) throw new MalformedTorrentError('multi-file torrents are not supported');

  const hasV1 = info.has('pieces');
  let size: number | undefined;
  if (hasV1) {
    size = integer(info.get('length'), 'length', 0);
    const pieces = bytes(info.get('pieces'), 'pieces');
    if (pieces.length !== pieceCountFor(size, pieceLength) * SHA1_LENGTH) {
      throw new MalformedTorrentError(`"pieces" holds ${pieces.length} bytes, expected ${pieceCountFor(size, pieceLength)} × 20`);
    }
  } else if (metaVersion === 1) {
    throw new MalformedTorrentError('"pieces" is missing');
  }
  if (metaVersion === 2) {
    const v2Size = checkV2(root, info, name, pieceLength);
    if (size !== undefined && size !== v2Size) throw new MalformedTorrentError('v1 "length" differs from the v2 file length');
    size = v2Size;
  }
  if (size === undefined || size === 0) throw new MalformedTorrentError('the torrent has no content (length 0)');

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
  };
}

export { parseTorrent };
export type { TorrentSummary };
