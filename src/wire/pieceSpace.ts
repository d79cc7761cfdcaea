import { WireProtocolError } from './errors.js';

/** Which object version a swarm serves, or one member of a prefix swarm. */
interface ObjectVersion {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
}

/**
 * One file of a swarm's piece space (the concatenation of the torrent's files, pads included):
 * an object's bytes, or a BEP 47 pad file, zeros that live nowhere.
 */
interface SpaceFile {
  /** Offset of the file's first byte in the piece space. */
  readonly offset: number;
  readonly size: number;
  /** The object version whose bytes these are; undefined for a pad file. */
  readonly object: ObjectVersion | undefined;
}

/** One contiguous part of a range of the piece space: bytes of one object, or zeros. */
interface SpacePart {
  /** Offset of the part within the range asked for. */
  readonly at: number;
  readonly length: number;
  /** The object to read from, and where in it; undefined: zeros (pad file). */
  readonly object: ObjectVersion | undefined;
  readonly objectOffset: number;
}

/** Reads `length` bytes at `offset` of one object version, best into `into` (exactly `length` bytes). */
type ObjectFetch = (object: ObjectVersion, offset: number, length: number, into: Buffer) => Promise<Buffer>;

/**
 * Member GETs in flight for one span at once: a span over many small objects (a dataset of
 * 1 KiB files) is dozens of GETs; all at once would take every connection the reader has
 * while the cache already bounds spans in flight (maxFetches) assuming about one GET each.
 */
const MAX_PART_READS_PER_SPAN = 8;

/**
 * The piece space of a torrent: where each byte of it lives. Files are in torrent order and
 * contiguous; empty files take no bytes and are never read.
 */
class PieceSpace {
  public readonly size: number;
  private readonly files: readonly SpaceFile[];

  /** @throws WireProtocolError when the files do not tile the space from 0 without gaps. */
  public constructor(files: readonly SpaceFile[]) {
    this.files = files.filter((file) => file.size > 0);
    let end = 0;
    for (const file of this.files) {
      if (file.offset !== end) throw new WireProtocolError(`file at offset ${file.offset} leaves a gap or overlap at ${end}`);
      end += file.size;
    }
    this.size = end;
  }

  /** The objects and zeros that make up `length` bytes at `offset`, in order. */
  public parts(offset: number, length: number): SpacePart[] {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`range ${offset}+${length} is outside a piece space of ${this.size} bytes`);
    }
    const parts: SpacePart[] = [];
    const end = offset + length;
    for (let i = this.fileAt(offset); i < this.files.length && (this.files[i] as SpaceFile).offset < end; i += 1) {
      const file = this.files[i] as SpaceFile;
      const from = Math.max(offset, file.offset);
      const to = Math.min(end, file.offset + file.size);
      parts.push({ at: from - offset, length: to - from, object: file.object, objectOffset: from - file.offset });
    }
    return parts;
  }

  /**
   * Fills `into` (exactly `length` bytes) with the bytes at `offset`: each object part read
   * with `fetch` into its place, pad parts zeroed without any read. Rejects with the first
   * failed read (the others may still be writing into `into`: the span cache never reuses the
   * buffer of a failed fetch).
   */
  public async read(fetch: ObjectFetch, offset: number, length: number, into: Buffer): Promise<Buffer> {
    const parts = this.parts(offset, length);
    const reads: SpacePart[] = [];
    for (const part of parts) {
      if (part.object === undefined) into.fill(0, part.at, part.at + part.length);
      else reads.push(part);
    }
    // One object part filling the whole range: the fetch may hand back its own buffer.
    const only = reads[0];
    if (reads.length === 1 && only !== undefined && only.length === length) {
      return fetch(only.object as ObjectVersion, only.objectOffset, length, into);
    }
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (next < reads.length && !failed) {
        const part = reads[next] as SpacePart;
        next += 1;
        const target = into.subarray(part.at, part.at + part.length);
        const got = await fetch(part.object as ObjectVersion, part.objectOffset, part.length, target).catch((error: unknown) => {
          failed = true; // the others start no new read: the span is lost anyway
          throw error;
        });
        if (got.length !== part.length) throw new WireProtocolError(`read ${got.length} bytes of ${part.length}`);
        if (got.buffer !== target.buffer || got.byteOffset !== target.byteOffset) got.copy(target);
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_PART_READS_PER_SPAN, reads.length) }, worker));
    return into;
  }

  /** Index of the non-empty file holding byte `offset` (binary search). */
  private fileAt(offset: number): number {
    let low = 0;
    let high = this.files.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.files[middle] as SpaceFile).offset <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}

export { MAX_PART_READS_PER_SPAN, PieceSpace };
export type { ObjectFetch, ObjectVersion, SpaceFile, SpacePart };
