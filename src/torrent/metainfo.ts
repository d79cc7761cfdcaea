import { hash } from 'node:crypto';
import { encodeBencode } from './bencode.js';
import type { Encodable } from './bencode.js';
import { CREATED_BY, SHA1_LENGTH, SHA256_LENGTH } from './constants.js';
import { EmptyContentError, InvalidMetainfoError } from './errors.js';
import { piecesRootFromLayer } from './merkle.js';
import { assertValidName } from './names.js';
import { assertValidPieceLength, pieceCountFor } from './pieceLength.js';

/**
 * The two torrent formats we write. v1 (BEP 3) is read by every client; hybrid (BEP 52 v2 plus
 * the v1 keys) is for v2-capable clients (aria2 1.36 and Transmission 3.00 reject it).
 */
const TorrentFormat = {
  V1: 'v1',
  Hybrid: 'hybrid',
} as const;
type TorrentFormat = (typeof TorrentFormat)[keyof typeof TorrentFormat];

/** The hashes of one file, from one pass: everything both formats need. */
interface PieceHashes {
  /** Content size in bytes. */
  readonly size: number;
  readonly pieceLength: number;
  /** v1: SHA-1 of each piece, concatenated (20 bytes per piece). */
  readonly v1: Uint8Array;
  /**
   * v2: for each piece, the root of its 16 KiB-block merkle subtree (32 bytes per piece): the
   * BEP 52 piece layer, or for a one-piece file its pieces root. Absent when only v1 was hashed.
   */
  readonly v2?: Uint8Array | undefined;
}

interface TorrentOptions {
  /** `info.name`: the file's name as clients will save it. */
  readonly name: string;
  /** @default TorrentFormat.V1 */
  readonly format?: TorrentFormat;
  /**
   * Trackers as BEP 12 tiers: `[[a], [b]]` tries a then b. The first URL is also written as
   * `announce` for clients that predate BEP 12.
   * @default [] (trackerless: magnet/DHT or webseeds only)
   */
  readonly trackers?: ReadonlyArray<ReadonlyArray<string>>;
  /** BEP 19 `url-list`. @default [] */
  readonly webseeds?: ReadonlyArray<string>;
  readonly comment?: string | undefined;
  /** @default 's3-torrent' */
  readonly createdBy?: string | undefined;
  /** `creation date` in seconds since the epoch; omitted when undefined. @default undefined */
  readonly creationDate?: number | undefined;
}

interface BuiltTorrent {
  /** The bencoded .torrent file. */
  readonly torrent: Uint8Array;
  /** SHA-1 of the info dict, hex. */
  readonly infoHashV1: string;
  /** SHA-256 of the info dict, hex; only for hybrid torrents. */
  readonly infoHashV2: string | undefined;
}

/** URL schemes a client can use: trackers answer over HTTP, UDP (BEP 15) or WebSocket; webseeds (BEP 19) are plain HTTP. */
const URL_SCHEMES = {
  tracker: { pattern: /^(https?|udp|wss?):$/, words: 'http, https, udp or ws(s)' },
  webseed: { pattern: /^https?:$/, words: 'http or https' },
} as const;

function assertUrl(url: string, what: keyof typeof URL_SCHEMES): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new InvalidMetainfoError(`${what} "${url}" is not a valid URL`, { cause });
  }
  if (!URL_SCHEMES[what].pattern.test(parsed.protocol)) {
    throw new InvalidMetainfoError(`${what} "${url}" must be ${URL_SCHEMES[what].words}`);
  }
}

function assertHashesConsistent(hashes: PieceHashes, format: TorrentFormat): number {
  assertValidPieceLength(hashes.pieceLength);
  if (hashes.size === 0) throw new EmptyContentError();
  const pieces = pieceCountFor(hashes.size, hashes.pieceLength);
  if (hashes.v1.length !== pieces * SHA1_LENGTH) {
    throw new InvalidMetainfoError(`expected ${pieces} v1 piece hashes, got ${hashes.v1.length / SHA1_LENGTH}`);
  }
  if (format === TorrentFormat.Hybrid) {
    if (hashes.v2 === undefined) throw new InvalidMetainfoError('a hybrid torrent needs v2 hashes');
    if (hashes.v2.length !== pieces * SHA256_LENGTH) {
      throw new InvalidMetainfoError(`expected ${pieces} v2 piece hashes, got ${hashes.v2.length / SHA256_LENGTH}`);
    }
  }
  return pieces;
}

/**
 * The info dict, key for key what mktorrent (v1) and libtorrent's `create_torrent` (v1-only and
 * hybrid) write for one file, so the infohashes are theirs too.
 */
function infoDictFor(hashes: PieceHashes, name: string, format: TorrentFormat): { info: Encodable; layers?: Encodable } {
  const v1Keys = {
    length: hashes.size,
    name,
    'piece length': hashes.pieceLength,
    pieces: hashes.v1,
  };
  if (format === TorrentFormat.V1) return { info: v1Keys };
  const layer = hashes.v2 as Uint8Array;
  const piecesRoot = piecesRootFromLayer(layer, hashes.pieceLength);
  const info = {
    ...v1Keys,
    // BEP 52: a file is a dict under its name whose only key is the empty string.
    'file tree': { [name]: { '': { length: hashes.size, 'pieces root': piecesRoot } } },
    'meta version': 2,
  };
  // BEP 52: files of one piece have no piece layer (their root already is the piece hash);
  // libtorrent still writes the key, as an empty dict, and so do we.
  const onePiece = layer.length === SHA256_LENGTH;
  return { info, layers: onePiece ? new Map() : new Map([[piecesRoot, layer]]) };
}

/**
 * Checks the options of {@link buildTorrent} on their own, so that a caller can refuse a bad name
 * or URL before spending minutes hashing.
 *
 * @throws InvalidMetainfoError
 */
function assertValidTorrentOptions(options: TorrentOptions): void {
  assertValidName(options.name);
  (options.trackers ?? []).flat().forEach((url) => assertUrl(url, 'tracker'));
  (options.webseeds ?? []).forEach((url) => assertUrl(url, 'webseed'));
  if (options.creationDate !== undefined && !Number.isSafeInteger(options.creationDate)) {
    throw new InvalidMetainfoError(`creation date must be an integer number of seconds`);
  }
}

/**
 * The .torrent around an info dict, the same for single- and multi-file torrents: trackers,
 * webseeds, comment, `created by`, `creation date` and (hybrid) `piece layers`, keyed as
 * mktorrent and libtorrent write them. The caller has checked the options
 * ({@link assertValidTorrentOptions}).
 *
 * @internal
 */
function encodeTorrent(info: Encodable, pieceLayers: Encodable | undefined, format: TorrentFormat, options: TorrentOptions): BuiltTorrent {
  const tiers = (options.trackers ?? []).map((tier) => [...tier]).filter((tier) => tier.length > 0);
  const webseeds = [...(options.webseeds ?? [])];
  const infoBytes = encodeBencode(info);
  const root: Record<string, Encodable | undefined> = {
    announce: tiers[0]?.[0],
    // Like mktorrent and libtorrent: announce-list only when there is more than one tracker.
    'announce-list': tiers.flat().length > 1 ? tiers : undefined,
    comment: options.comment,
    'created by': options.createdBy ?? CREATED_BY,
    'creation date': options.creationDate,
    info,
    'piece layers': pieceLayers,
    'url-list': webseeds.length > 0 ? webseeds : undefined,
  };
  return {
    torrent: encodeBencode(root),
    infoHashV1: hash('sha1', infoBytes, 'hex'),
    infoHashV2: format === TorrentFormat.Hybrid ? hash('sha256', infoBytes, 'hex') : undefined,
  };
}

/**
 * Builds a single-file .torrent from its piece hashes.
 *
 * @throws InvalidPieceLengthError, EmptyContentError, InvalidMetainfoError
 * @example buildTorrent(hashes, { name: 'a.iso', trackers: [['http://t/announce']] })
 */
function buildTorrent(hashes: PieceHashes, options: TorrentOptions): BuiltTorrent {
  const format = options.format ?? TorrentFormat.V1;
  assertHashesConsistent(hashes, format);
  assertValidTorrentOptions(options);
  const { info, layers } = infoDictFor(hashes, options.name, format);
  return encodeTorrent(info, layers, format, options);
}

export { TorrentFormat, assertValidTorrentOptions, buildTorrent, encodeTorrent };
export type { BuiltTorrent, PieceHashes, TorrentOptions };
