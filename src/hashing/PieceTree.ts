import { hash } from 'node:crypto';
import { BLOCK_SIZE, SHA256_LENGTH, padHashAt } from '../torrent/index.js';

/** A digest as a string of one character per byte: 'binary' is Node's other name for latin1. */
const DIGEST_AS_TEXT = 'binary';

/** Bytes under one parent in the tree: its two children's hashes, side by side. */
const PAIR_LENGTH = 2 * SHA256_LENGTH;

/**
 * The BEP 52 subtree of one piece, built in one reused buffer: the piece's 16 KiB leaf hashes,
 * then each layer above written over the one below, down to the piece's root.
 *
 * Why not `blockHashes` + `merkleRoot` (src/torrent): at 16 KiB per leaf a piece of 512 KiB
 * takes 63 SHA-256 calls, and per call Node's cost of a fresh result Buffer (an ArrayBuffer
 * with its own backing store) was ~1 µs, as much as hashing the 64 bytes of a parent. Asking
 * for the digest as a latin1 string (one byte per character, no backing store) and writing it
 * into this buffer cost 0.12 CPU-s less per GiB of `create --hybrid`. Parents of two real
 * children hash them where they lie, with no copy into a pair buffer.
 * @internal
 */
class PieceTree {
  private readonly layer: Buffer;
  private readonly pair = Buffer.allocUnsafe(PAIR_LENGTH);
  private leaves = 0;

  /** `maxLeaves`: leaves of the largest piece this tree will hold (piece length / 16 KiB). */
  public constructor(maxLeaves: number) {
    this.layer = Buffer.allocUnsafe(Math.max(1, maxLeaves) * SHA256_LENGTH);
  }

  /** Starts a new piece. */
  public reset(): void {
    this.leaves = 0;
  }

  /** Hashes `bytes` (the piece's next bytes: whole 16 KiB blocks but at the file's end) as leaves. */
  public addLeaves(bytes: Uint8Array): void {
    for (let from = 0; from < bytes.length; from += BLOCK_SIZE) {
      const digest = hash('sha256', bytes.subarray(from, from + BLOCK_SIZE), DIGEST_AS_TEXT);
      this.layer.write(digest, this.leaves * SHA256_LENGTH, SHA256_LENGTH, 'latin1');
      this.leaves += 1;
    }
  }

  /**
   * The root of the leaves added since `reset`, padded with zero subtrees to `width` leaves (a
   * power of two, see `v2PieceWidth`). The bytes are this tree's own: copy them before the
   * next piece.
   */
  public root(width: number): Uint8Array {
    const { layer, pair } = this;
    let count = this.leaves;
    if (count === 0) return padHashAt(Math.round(Math.log2(width)));
    for (let depth = 0, span = width; span > 1; depth += 1, span /= 2) {
      for (let i = 0; i < count; i += 2) {
        let children: Uint8Array;
        if (i + 1 < count) {
          children = layer.subarray(i * SHA256_LENGTH, i * SHA256_LENGTH + PAIR_LENGTH);
        } else {
          // A last node without a sibling pairs with the zero subtree of its depth.
          layer.copy(pair, 0, i * SHA256_LENGTH, (i + 1) * SHA256_LENGTH);
          pair.set(padHashAt(depth), SHA256_LENGTH);
          children = pair;
        }
        // Parent i/2 overwrites a node already hashed: layer[i/2] <= layer[i].
        layer.write(hash('sha256', children, DIGEST_AS_TEXT), (i / 2) * SHA256_LENGTH, SHA256_LENGTH, 'latin1');
      }
      count = Math.ceil(count / 2);
    }
    return layer.subarray(0, SHA256_LENGTH);
  }
}

export { PieceTree };
