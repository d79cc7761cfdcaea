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
  /** Index in `PieceSpace.files` of the object to read from; undefined: zeros (pad file). */
  readonly file: number | undefined;
  /** Where in that object the part starts. */
  readonly objectOffset: number;
}

/**
 * The piece space of a torrent: where each byte of it lives. Files are in torrent order and
 * contiguous; empty files take no bytes and are never read.
 */
class PieceSpace {
  /** Bytes the pieces cover, pads included. */
  public readonly size: number;
  /** Bytes of objects (pads not counted): what S3 holds. */
  public readonly contentBytes: number;
  /** The non-empty files in torrent order. */
  public readonly files: readonly SpaceFile[];

  /** @throws WireProtocolError when the files do not tile the space from 0 without gaps. */
  public constructor(files: readonly SpaceFile[]) {
    this.files = files.filter((file) => file.size > 0);
    let end = 0;
    let content = 0;
    for (const file of this.files) {
      if (file.offset !== end) throw new WireProtocolError(`file at offset ${file.offset} leaves a gap or overlap at ${end}`);
      end += file.size;
      if (file.object !== undefined) content += file.size;
    }
    this.size = end;
    this.contentBytes = content;
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
      parts.push({ at: from - offset, length: to - from, file: file.object === undefined ? undefined : i, objectOffset: from - file.offset });
    }
    return parts;
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

export { PieceSpace };
export type { ObjectVersion, SpaceFile, SpacePart };
