import { pieceCountFor } from '../torrent/index.js';
import { CHUNK_SIZE } from './chunkSize.js';

/** One read: where it is in the file and in its piece. */
interface ChunkPlan {
  readonly position: number;
  readonly length: number;
  /** Absolute index of the first piece the bytes belong to. */
  readonly firstPiece: number;
  readonly offsetInPiece: number;
  readonly endsPiece: boolean;
}

/** What a thread needs to rebuild a RangePlan. */
interface RangeSpec {
  readonly offset: number;
  readonly length: number;
  readonly pieceLength: number;
}

/**
 * A counter of claimed units that every hashing thread can share: it lives in a
 * SharedArrayBuffer and is advanced atomically.
 */
class UnitClaims {
  private readonly counter: Int32Array;

  public constructor(public readonly shared: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.counter = new Int32Array(shared);
  }

  /** The next unclaimed unit index (past the end once all are claimed). */
  public next(): number {
    return Atomics.add(this.counter, 0, 1);
  }
}

/**
 * How a piece-aligned range is cut. A unit is a run of whole pieces that fits one chunk, or one
 * piece larger than a chunk (then cut into several chunks that must be hashed in order by the
 * same hasher). Random-access lanes claim units as they go; a stream's units go round-robin.
 */
class RangePlan {
  public readonly firstPiece: number;
  public readonly pieceCount: number;
  public readonly piecesPerUnit: number;
  public readonly unitCount: number;
  /** Largest chunk of this range: the buffer size a lane needs. */
  public readonly bufferSize: number;

  public constructor(public readonly spec: RangeSpec) {
    this.firstPiece = spec.offset / spec.pieceLength;
    this.pieceCount = pieceCountFor(spec.length, spec.pieceLength);
    this.piecesPerUnit = spec.pieceLength <= CHUNK_SIZE ? CHUNK_SIZE / spec.pieceLength : 1;
    this.unitCount = Math.ceil(this.pieceCount / this.piecesPerUnit);
    this.bufferSize = Math.min(CHUNK_SIZE, spec.length);
  }

  public *chunksOfUnit(unit: number): Generator<ChunkPlan> {
    const { pieceLength, offset, length } = this.spec;
    const firstPiece = this.firstPiece + unit * this.piecesPerUnit;
    const start = firstPiece * pieceLength;
    const end = Math.min(start + this.piecesPerUnit * pieceLength, offset + length);
    for (let position = start; position < end; position += CHUNK_SIZE) {
      const chunkEnd = Math.min(position + CHUNK_SIZE, end);
      yield { position, length: chunkEnd - position, firstPiece, offsetInPiece: position - start, endsPiece: chunkEnd === end };
    }
  }

  /**
   * Chunks of the units this lane claims, in the order its hasher needs them. Lanes claim units
   * one at a time from a shared counter, so a lane that started late or runs on a busier core
   * simply hashes fewer units instead of making every other lane wait for it at the end.
   */
  public *chunksOfClaims(claims: UnitClaims): Generator<ChunkPlan> {
    for (let unit = claims.next(); unit < this.unitCount; unit = claims.next()) yield* this.chunksOfUnit(unit);
  }

  /** Every chunk in file order, with its lane (for a stream that arrives in order). */
  public *chunksInOrder(lanes: number): Generator<{ chunk: ChunkPlan; lane: number }> {
    for (let unit = 0; unit < this.unitCount; unit += 1) {
      for (const chunk of this.chunksOfUnit(unit)) yield { chunk, lane: unit % lanes };
    }
  }
}

export { RangePlan, UnitClaims };
export type { ChunkPlan, RangeSpec };
