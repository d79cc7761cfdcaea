import { hash } from 'node:crypto';
import { BLOCK_SIZE, SHA256_LENGTH } from './constants.js';

/**
 * BEP 52 merkle trees: SHA-256 over 16 KiB blocks, leaves past the end of the file are 32 zero
 * bytes, and every layer is padded to a power of two.
 */

/** Deepest tree we build: 5 TiB / 16 KiB = 2^28 leaves, with margin. */
const MAX_TREE_DEPTH = 40;

/** `padHashes[d]` is the root of a subtree of 2^d zero leaves. */
const padHashes: Buffer[] = [Buffer.alloc(SHA256_LENGTH)];
for (let depth = 1; depth <= MAX_TREE_DEPTH; depth += 1) {
  const below = padHashes[depth - 1] as Buffer;
  padHashes.push(hash('sha256', Buffer.concat([below, below]), 'buffer'));
}

/** Root of a subtree of `2^depth` zero leaves (BEP 52 padding). */
function padHashAt(depth: number): Uint8Array {
  const pad = padHashes[depth];
  if (pad === undefined) throw new RangeError(`merkle depth ${depth} out of range`);
  return pad;
}

function log2(powerOfTwo: number): number {
  return Math.round(Math.log2(powerOfTwo));
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Merkle root of `nodes` (concatenated 32-byte hashes, all at depth `depth` above the leaves),
 * padded to `width` nodes with zero subtrees. `width` is a power of two ≥ the node count.
 */
function merkleRoot(nodes: Uint8Array, width: number, depth = 0): Uint8Array {
  let layer = Buffer.from(nodes.buffer, nodes.byteOffset, nodes.byteLength);
  let count = layer.length / SHA256_LENGTH;
  let level = depth;
  let span = width;
  if (count === 0) return padHashAt(depth + log2(width));
  while (span > 1) {
    const parents = Buffer.allocUnsafe(Math.ceil(count / 2) * SHA256_LENGTH);
    const pair = Buffer.allocUnsafe(2 * SHA256_LENGTH);
    for (let i = 0; i < count; i += 2) {
      const left = layer.subarray(i * SHA256_LENGTH, (i + 1) * SHA256_LENGTH);
      const right = i + 1 < count ? layer.subarray((i + 1) * SHA256_LENGTH, (i + 2) * SHA256_LENGTH) : padHashAt(level);
      pair.set(left, 0);
      pair.set(right, SHA256_LENGTH);
      hash('sha256', pair, 'buffer').copy(parents, (i / 2) * SHA256_LENGTH);
    }
    layer = parents;
    count = Math.ceil(count / 2);
    level += 1;
    span /= 2;
  }
  return layer;
}

/** SHA-256 of each 16 KiB block of `data` (the last may be shorter), concatenated. */
function blockHashes(data: Uint8Array): Buffer {
  const count = Math.ceil(data.length / BLOCK_SIZE);
  const out = Buffer.allocUnsafe(count * SHA256_LENGTH);
  for (let i = 0; i < count; i += 1) {
    hash('sha256', data.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE), 'buffer').copy(out, i * SHA256_LENGTH);
  }
  return out;
}

/**
 * The file's `pieces root` from its piece layer (one 32-byte hash per piece). A file of one
 * piece has no piece layer in the torrent: its root is that piece's hash, computed over the
 * blocks padded only to the next power of two (see `v2PieceWidth`).
 */
function piecesRootFromLayer(pieceLayer: Uint8Array, pieceLength: number): Uint8Array {
  const pieces = pieceLayer.length / SHA256_LENGTH;
  if (pieces === 1) return pieceLayer.slice(0, SHA256_LENGTH);
  return merkleRoot(pieceLayer, nextPowerOfTwo(pieces), log2(pieceLength / BLOCK_SIZE));
}

/**
 * How many leaves the subtree of one piece is padded to. A piece of a multi-piece file spans
 * `pieceLength / 16 KiB` leaves, zero-padded at the end of the file; a file of a single piece
 * is padded only to the next power of two of its own blocks (BEP 52: the tree's leaf layer is
 * padded to a power of two, not to a piece).
 */
function v2PieceWidth(fileSize: number, pieceLength: number, bytesInPiece: number): number {
  if (fileSize > pieceLength) return pieceLength / BLOCK_SIZE;
  return nextPowerOfTwo(Math.ceil(bytesInPiece / BLOCK_SIZE));
}

export { blockHashes, merkleRoot, padHashAt, piecesRootFromLayer, v2PieceWidth };
