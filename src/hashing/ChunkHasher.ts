import { createHash, hash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { SHA1_LENGTH, SHA256_LENGTH, blockHashes, merkleRoot, v2PieceWidth } from '../torrent/index.js';

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
}

/**
 * Hashes chunks into v1 SHA-1 piece hashes and v2 piece-subtree roots in the same pass. Pieces
 * larger than a chunk are hashed incrementally, so chunks of one piece must reach the same
 * ChunkHasher, in order. Used on hashing threads and, with `threads: 0`, on the caller's.
 */
class ChunkHasher {
  private partialV1: Hash | undefined;
  private partialV2: Buffer[] = [];
  private partialBytes = 0;

  public constructor(private readonly geometry: HashGeometry) {}

  public hash(chunk: HashChunk): PieceHashRun | undefined {
    const { v2 } = this.geometry;
    if (chunk.offsetInPiece === 0 && chunk.endsPiece) return this.wholePieces(chunk);
    // Part of a piece larger than a chunk.
    if (chunk.offsetInPiece === 0) this.startPartial();
    (this.partialV1 as Hash).update(chunk.bytes);
    if (v2) this.partialV2.push(blockHashes(chunk.bytes));
    this.partialBytes += chunk.bytes.length;
    if (!chunk.endsPiece) return undefined;
    const v1 = (this.partialV1 as Hash).digest();
    const run = {
      firstPiece: chunk.firstPiece,
      v1,
      v2: v2 ? this.subtreeRoot(Buffer.concat(this.partialV2), this.partialBytes) : undefined,
    };
    this.startPartial();
    return run;
  }

  private startPartial(): void {
    this.partialV1 = createHash('sha1');
    this.partialV2 = [];
    this.partialBytes = 0;
  }

  private wholePieces(chunk: HashChunk): PieceHashRun {
    const { pieceLength, v2 } = this.geometry;
    const count = Math.ceil(chunk.bytes.length / pieceLength);
    const v1 = Buffer.allocUnsafe(count * SHA1_LENGTH);
    const v2Out = v2 ? Buffer.allocUnsafe(count * SHA256_LENGTH) : undefined;
    for (let i = 0; i < count; i += 1) {
      const piece = chunk.bytes.subarray(i * pieceLength, (i + 1) * pieceLength);
      hash('sha1', piece, 'buffer').copy(v1, i * SHA1_LENGTH);
      if (v2Out !== undefined) v2Out.set(this.subtreeRoot(blockHashes(piece), piece.length), i * SHA256_LENGTH);
    }
    return { firstPiece: chunk.firstPiece, v1, v2: v2Out };
  }

  private subtreeRoot(leaves: Uint8Array, bytesInPiece: number): Uint8Array {
    return merkleRoot(leaves, v2PieceWidth(this.geometry.size, this.geometry.pieceLength, bytesInPiece));
  }
}

export { ChunkHasher };
export type { HashChunk, HashGeometry, PieceHashRun };
