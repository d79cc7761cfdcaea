import { decodeBencode } from './bencode.js';
import type { BencodeDict } from './bencode.js';
import { SHA256_LENGTH } from './constants.js';
import { MalformedTorrentError } from './errors.js';
import { parseTorrent } from './parseTorrent.js';

/** The piece hashes a hybrid single-file torrent holds: both formats' hashes of its one file. */
interface HybridFileHashes {
  readonly size: number;
  readonly pieceLength: number;
  /** `info.pieces`: SHA-1 of each piece, the last one of the short tail. */
  readonly v1: Uint8Array;
  /** The file's piece layer (32 bytes per piece), or for a one-piece file its pieces root (as `PieceHashes.v2`). */
  readonly v2: Uint8Array;
}

/**
 * The hashes an object's stored hybrid .torrent holds, to build a multi-file torrent from
 * without the object's bytes. `parseTorrent` validates the file first (lengths, the piece layer
 * against its pieces root); this only picks the validated fields out.
 *
 * @throws MalformedTorrentError when the bytes are not a valid hybrid single-file torrent.
 */
function memberHashesOfTorrent(hybridTorrent: Uint8Array): HybridFileHashes {
  const summary = parseTorrent(hybridTorrent);
  const root = decodeBencode(hybridTorrent) as BencodeDict;
  const info = root.get('info') as BencodeDict;
  // parseTorrent reads multi-file torrents too once they are supported: this wants one file.
  if (summary.metaVersion !== 2 || summary.infoHashV1 === undefined || info.has('files')) {
    throw new MalformedTorrentError('expected a hybrid single-file torrent');
  }
  const v1 = info.get('pieces') as Uint8Array;
  const [leaf] = [...(info.get('file tree') as BencodeDict).values()] as [BencodeDict];
  const piecesRoot = (leaf.get('') as BencodeDict).get('pieces root') as Uint8Array;
  // BEP 52: a file of one piece has no layer; its pieces root is that piece's hash. Layer keys
  // are binary strings, as every decoded key (bencode.ts).
  const v2 = summary.size <= summary.pieceLength ? piecesRoot : (root.get('piece layers') as BencodeDict).get(Buffer.from(piecesRoot).toString('latin1'));
  if (!(v2 instanceof Uint8Array) || v2.length !== summary.pieceCount * SHA256_LENGTH) {
    throw new MalformedTorrentError('expected a hybrid single-file torrent');
  }
  return { size: summary.size, pieceLength: summary.pieceLength, v1, v2 };
}

export { memberHashesOfTorrent };
export type { HybridFileHashes };
