import { createHash, hash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { BLOCK_SIZE, SHA1_LENGTH, SHA256_LENGTH, pieceCountFor, v2PieceWidth } from '../torrent/index.js';
import { PieceTree } from './PieceTree.js';

/**
 * Zeros fed to a copy of the last piece's SHA-1 state, a block at a time: a padded tail of a
 * 16 MiB piece then needs no 16 MiB buffer of zeros.
 */
const ZERO_BLOCK = new Uint8Array(64 * 1024);

/** What the hasher needs to know of the whole file, wherever the chunk comes from. */
interface HashGeometry {
  /** Size of the whole file (decides the v2 padding of a one-piece file). */
  readonly size: number;
  readonly pieceLength: number;
  /** Also compute the v2 (BEP 52) piece hashes. */
  readonly v2: boolean;
}

/**
 * A run of bytes that starts on a piece boundary or continues the previous chunk's piece.
 * Either it holds whole pieces (the last may be the file's short tail), or it is a part of one
 * piece larger than a chunk; its length is then a multiple of 16 KiB but at the file's end.
 */
interface HashChunk {
  /** Index of the first piece the bytes belong to (absolute, from the file's start). */
  readonly firstPiece: number;
  /** Where in that piece the bytes start: 0, or a multiple of the chunk size. */
  readonly offsetInPiece: number;
  /** The chunk's last byte is the last byte of its piece. */
  readonly endsPiece: boolean;
  readonly bytes: Uint8Array;
}

/** Hashes of the pieces a chunk completed (none when it was a non-final part of a piece). */
interface PieceHashRun {
  readonly firstPiece: number;
  readonly v1: Uint8Array;
  readonly v2: Uint8Array | undefined;
  /**
   * When the run holds the file's last piece and that piece is short: SHA-1 of the piece
   * followed by zeros up to the piece length, the piece as a multi-file torrent's BEP 47 pad
   * completes it. SHA-1 cannot be extended from a digest, so it is taken while the bytes are here.
   */
  readonly v1PaddedTail?: Uint8Array | undefined;
}

/**
 * Hashes chunks into v1 SHA-1 piece hashes and v2 piece-subtree roots in the same pass. Pieces
 * larger than a chunk are hashed incrementally, so chunks of one piece must reach the same
 * ChunkHasher, in order. Used on hashing threads and, with `threads: 0`, on the caller's.
 */
class ChunkHasher {
  private partialV1: Hash | undefined;
  private partialBytes = 0;
  /** The v2 subtree of the piece being hashed; one per hasher, reused piece after piece. */
  private readonly tree: PieceTree | undefined;
  /** Index of the file's last piece when it is short (needs a padded tail); else -1. */
  private readonly shortLastPiece: number;

  public constructor(private readonly geometry: HashGeometry) {
    this.tree = geometry.v2 ? new PieceTree(Math.ceil(geometry.pieceLength / BLOCK_SIZE)) : undefined;
    this.shortLastPiece = geometry.size % geometry.pieceLength === 0 ? -1 : pieceCountFor(geometry.size, geometry.pieceLength) - 1;
  }

  public hash(chunk: HashChunk): PieceHashRun | undefined {
    const { tree } = this;
    if (chunk.offsetInPiece === 0 && chunk.endsPiece) return this.wholePieces(chunk);
    // Part of a piece larger than a chunk.
    if (chunk.offsetInPiece === 0) this.startPartial();
    (this.partialV1 as Hash).update(chunk.bytes);
    tree?.addLeaves(chunk.bytes);
    this.partialBytes += chunk.bytes.length;
    if (!chunk.endsPiece) return undefined;
    const partial = this.partialV1 as Hash;
    const v1PaddedTail = chunk.firstPiece === this.shortLastPiece ? this.paddedDigest(partial.copy(), this.partialBytes) : undefined;
    const v1 = partial.digest();
    const v2 = tree === undefined ? undefined : this.subtreeRoot(tree, this.partialBytes).slice();
    const run = { firstPiece: chunk.firstPiece, v1, v2, v1PaddedTail };
    this.startPartial();
    return run;
  }

  private startPartial(): void {
    this.partialV1 = createHash('sha1');
    this.tree?.reset();
    this.partialBytes = 0;
  }

  private wholePieces(chunk: HashChunk): PieceHashRun {
    const { pieceLength } = this.geometry;
    const { tree } = this;
    const count = Math.ceil(chunk.bytes.length / pieceLength);
    const v1 = Buffer.allocUnsafe(count * SHA1_LENGTH);
    const v2 = tree === undefined ? undefined : Buffer.allocUnsafe(count * SHA256_LENGTH);
    let v1PaddedTail: Uint8Array | undefined;
    for (let i = 0; i < count; i += 1) {
      const piece = chunk.bytes.subarray(i * pieceLength, (i + 1) * pieceLength);
      if (chunk.firstPiece + i === this.shortLastPiece) {
        const state = createHash('sha1').update(piece);
        v1PaddedTail = this.paddedDigest(state.copy(), piece.length);
        state.digest().copy(v1, i * SHA1_LENGTH);
      } else {
        hash('sha1', piece, 'buffer').copy(v1, i * SHA1_LENGTH);
      }
      if (tree === undefined || v2 === undefined) continue;
      tree.reset();
      tree.addLeaves(piece);
      v2.set(this.subtreeRoot(tree, piece.length), i * SHA256_LENGTH);
    }
    return { firstPiece: chunk.firstPiece, v1, v2, v1PaddedTail };
  }

  /** Finishes `state` (SHA-1 of a piece's first `bytesInPiece` bytes) as if zeros filled the piece. */
  private paddedDigest(state: Hash, bytesInPiece: number): Buffer {
    for (let left = this.geometry.pieceLength - bytesInPiece; left > 0; left -= ZERO_BLOCK.length) {
      state.update(ZERO_BLOCK.subarray(0, Math.min(left, ZERO_BLOCK.length)));
    }
    return state.digest();
  }

  private subtreeRoot(tree: PieceTree, bytesInPiece: number): Uint8Array {
    return tree.root(v2PieceWidth(this.geometry.size, this.geometry.pieceLength, bytesInPiece));
  }
}

export { ChunkHasher };
export type { HashChunk, HashGeometry, PieceHashRun };
