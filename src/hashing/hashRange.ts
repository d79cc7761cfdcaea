import { availableParallelism } from 'node:os';
import { EmptyContentError, SHA1_LENGTH, SHA256_LENGTH, assertValidPieceLength } from '../torrent/index.js';
import type { HashGeometry, PieceHashRun } from './ChunkHasher.js';
import { SegmentError, SourceChangedError } from './errors.js';
import { openLanes } from './lanes.js';
import type { HashLane } from './lanes.js';
import { RangePlan, UnitClaims } from './RangePlan.js';
import type { ChunkPlan } from './RangePlan.js';
import type { RandomAccessSource } from './sources.js';

interface HashRangeOptions {
  /** Size of the whole file the range belongs to. */
  readonly size: number;
  readonly pieceLength: number;
  /** Where the range starts: a multiple of the piece length. @default 0 */
  readonly offset?: number;
  /** Bytes in the range: whole pieces, or up to the end of the file. @default size - offset */
  readonly length?: number;
  /** Also compute v2 (BEP 52) hashes. @default true */
  readonly v2?: boolean | undefined;
  /** Hashing threads; 0 hashes on the caller's thread. @default os.availableParallelism() */
  readonly threads?: number | undefined;
  /** Called as chunks are hashed, with bytes done and bytes in the range. */
  readonly onProgress?: ((bytesHashed: number, bytesTotal: number) => void) | undefined;
}

/** Hashes of the pieces of one piece-aligned range of a file. */
interface RangeHashes {
  readonly offset: number;
  readonly length: number;
  readonly firstPiece: number;
  readonly pieceCount: number;
  /** 20 bytes per piece. */
  readonly v1: Uint8Array;
  /** 32 bytes per piece (see PieceHashes.v2), when v2 hashing was on. */
  readonly v2: Uint8Array | undefined;
  /** See PieceHashes.v1PaddedTail: set when the range holds the file's last piece and it is short. */
  readonly v1PaddedTail?: Uint8Array | undefined;
}

function validateRange(options: HashRangeOptions): { offset: number; length: number } {
  const { size, pieceLength } = options;
  assertValidPieceLength(pieceLength);
  if (size === 0) throw new EmptyContentError();
  const offset = options.offset ?? 0;
  const length = options.length ?? size - offset;
  const end = offset + length;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % pieceLength !== 0 || offset >= size) {
    throw new SegmentError(`range offset ${offset} must be a multiple of the piece length ${pieceLength} inside the file`);
  }
  if (!Number.isSafeInteger(length) || length <= 0 || end > size || (end !== size && end % pieceLength !== 0)) {
    throw new SegmentError(`range [${offset}, ${end}) must end on a piece boundary or at the end of the ${size}-byte file`);
  }
  return { offset, length };
}

function isRandomAccess(input: RandomAccessSource | AsyncIterable<Uint8Array>): input is RandomAccessSource {
  return typeof (input as RandomAccessSource).read === 'function';
}

/** Lanes claim units and read them in parallel, each hashing its units' chunks in order. */
async function pumpRandomAccess(source: RandomAccessSource, plan: RangePlan, lanes: HashLane[]): Promise<void> {
  const claims = new UnitClaims();
  await Promise.all(
    lanes.map(async (lane) => {
      if (source.path !== undefined && lane.hashFileLane !== undefined) {
        await lane.hashFileLane(source.path, plan.spec, claims);
        return;
      }
      for (const chunk of plan.chunksOfClaims(claims)) {
        const buffer = await lane.acquire();
        const bytes = buffer.subarray(0, chunk.length);
        const got = await source.read(bytes, chunk.position);
        if (got !== chunk.length) throw new SourceChangedError(plan.spec.offset + plan.spec.length, chunk.position + got);
        lane.submit({ firstPiece: chunk.firstPiece, offsetInPiece: chunk.offsetInPiece, endsPiece: chunk.endsPiece, bytes });
      }
      await lane.drain();
    }),
  );
}

/** A stream arrives in order: chunks are filled one by one and handed to their unit's lane. */
async function pumpStream(stream: AsyncIterable<Uint8Array>, plan: RangePlan, lanes: HashLane[]): Promise<void> {
  const chunks = plan.chunksInOrder(lanes.length);
  const total = plan.spec.length;
  let received = 0;
  type Filling = { lane: HashLane; chunk: ChunkPlan; buffer: Uint8Array; filled: number };
  const nextChunk = async (): Promise<Filling | undefined> => {
    const step = chunks.next();
    if (step.done === true) return undefined;
    const lane = lanes[step.value.lane] as HashLane;
    return { lane, chunk: step.value.chunk, buffer: await lane.acquire(), filled: 0 };
  };
  let current = await nextChunk();
  for await (const data of stream) {
    let consumed = 0;
    received += data.length;
    while (consumed < data.length) {
      if (current === undefined) throw new SourceChangedError(total, received);
      const take = Math.min(data.length - consumed, current.chunk.length - current.filled);
      current.buffer.set(data.subarray(consumed, consumed + take), current.filled);
      current.filled += take;
      consumed += take;
      if (current.filled === current.chunk.length) {
        const { chunk } = current;
        const bytes = current.buffer.subarray(0, chunk.length);
        current.lane.submit({ firstPiece: chunk.firstPiece, offsetInPiece: chunk.offsetInPiece, endsPiece: chunk.endsPiece, bytes });
        current = await nextChunk();
      }
    }
  }
  if (current !== undefined) throw new SourceChangedError(total, received);
  await Promise.all(lanes.map((lane) => lane.drain()));
}

/**
 * Hashes one piece-aligned range of a file (all of it by default) in one pass: v1 SHA-1 piece
 * hashes and, unless `v2: false`, the BEP 52 piece-subtree roots. Ranges hashed separately and
 * combined with `combineRanges` give exactly the hashes of one pass over the whole file.
 *
 * `input` is a random-access source (read by every lane in parallel) or a stream of exactly the
 * range's bytes. Memory stays bounded: at most 2 chunks of 4 MiB per thread.
 *
 * @throws SegmentError for a range that is not piece-aligned; SourceChangedError when the input
 *   has more or fewer bytes than announced; HashWorkerError when a thread dies.
 */
async function hashRange(input: RandomAccessSource | AsyncIterable<Uint8Array>, options: HashRangeOptions): Promise<RangeHashes> {
  const { offset, length } = validateRange(options);
  if (isRandomAccess(input) && input.size !== options.size) throw new SourceChangedError(options.size, input.size);
  const plan = new RangePlan({ offset, length, pieceLength: options.pieceLength });
  const geometry: HashGeometry = { size: options.size, pieceLength: options.pieceLength, v2: options.v2 ?? true };
  const v1 = new Uint8Array(plan.pieceCount * SHA1_LENGTH);
  const v2 = geometry.v2 ? new Uint8Array(plan.pieceCount * SHA256_LENGTH) : undefined;
  let v1PaddedTail: Uint8Array | undefined;
  let hashed = 0;
  const sink = (run: PieceHashRun | undefined, bytes: number): void => {
    if (run !== undefined) {
      const index = run.firstPiece - plan.firstPiece;
      v1.set(run.v1, index * SHA1_LENGTH);
      if (v2 !== undefined && run.v2 !== undefined) v2.set(run.v2, index * SHA256_LENGTH);
      if (run.v1PaddedTail !== undefined) v1PaddedTail = Uint8Array.from(run.v1PaddedTail);
    }
    hashed += bytes;
    options.onProgress?.(hashed, length);
  };
  const threads = Math.min(options.threads ?? availableParallelism(), plan.unitCount);
  const lanes = openLanes(threads, geometry, plan.bufferSize, sink, isRandomAccess(input) && input.path !== undefined);
  try {
    if (isRandomAccess(input)) await pumpRandomAccess(input, plan, lanes);
    else await pumpStream(input, plan, lanes);
  } finally {
    await Promise.all(lanes.map((lane) => lane.close()));
  }
  return { offset, length, firstPiece: plan.firstPiece, pieceCount: plan.pieceCount, v1, v2, v1PaddedTail };
}

export { hashRange };
export type { HashRangeOptions, RangeHashes };
