import { pieceCountFor } from '../torrent/index.js';

/**
 * Bytes per read and per message to a hashing thread: 4 MiB makes the per-chunk cost negligible
 * (256 chunks per GiB) while 2 buffers per thread keep memory in the tens of MiB. A power of
 * two, so pieces larger than a chunk split into whole chunks.
 */
const CHUNK_SIZE = 4 * 1024 * 1024;

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
 * How a piece-aligned range is cut. A unit is a run of whole pieces that fits one chunk, or one
 * piece larger than a chunk (then cut into several chunks that must be hashed in order by the
 * same hasher). Lane `l` of `L` takes units l, l+L, l+2L…, so lanes can read in parallel.
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

  /** The lane (of `lanes`) that must hash `unit`. */
  public laneOf(unit: number, lanes: number): number {
    return unit % lanes;
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

  /** Every chunk of lane `lane` of `lanes`, in the order its hasher needs them. */
  public *chunksOfLane(lane: number, lanes: number): Generator<ChunkPlan> {
    for (let unit = lane; unit < this.unitCount; unit += lanes) yield* this.chunksOfUnit(unit);
  }

  /** Every chunk in file order, with its lane (for a stream that arrives in order). */
  public *chunksInOrder(lanes: number): Generator<{ chunk: ChunkPlan; lane: number }> {
    for (let unit = 0; unit < this.unitCount; unit += 1) {
      for (const chunk of this.chunksOfUnit(unit)) yield { chunk, lane: this.laneOf(unit, lanes) };
    }
  }
}

export { CHUNK_SIZE, RangePlan };
export type { ChunkPlan, RangeSpec };
