import { S3TorrentError } from '../errors.js';

/** Base of the errors of the torrent module (metainfo, bencode, piece lengths, magnets). */
class TorrentError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TorrentError';
  }
}

/** Bytes that are not valid bencode, or bencode that is not a valid single-file torrent. */
class MalformedTorrentError extends TorrentError {
  /** Byte offset in the input where the problem was found, when known. */
  public readonly offset: number | undefined;

  public constructor(message: string, offset?: number, options?: ErrorOptions) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`, options);
    this.name = 'MalformedTorrentError';
    this.offset = offset;
  }
}

/** A piece length that is not a power of two between 16 KiB and 64 MiB. */
class InvalidPieceLengthError extends TorrentError {
  public readonly pieceLength: number;

  public constructor(pieceLength: number, options?: ErrorOptions) {
    super(
      `invalid piece length ${pieceLength}: must be a power of two from 16384 (16 KiB) to 67108864 (64 MiB)`,
      options,
    );
    this.name = 'InvalidPieceLengthError';
    this.pieceLength = pieceLength;
  }
}

/**
 * Content of zero bytes. A torrent of an empty file has no pieces; libtorrent refuses to create
 * or load one ("invalid length of torrent"), so we refuse it up front with a clear message.
 */
class EmptyContentError extends TorrentError {
  public constructor(options?: ErrorOptions) {
    super('cannot make a torrent of empty content: BitTorrent clients reject torrents of 0 bytes', options);
    this.name = 'EmptyContentError';
  }
}

/** Content larger than the hashes or the piece-length policy can describe. */
class ContentTooLargeError extends TorrentError {
  public readonly size: number;

  public constructor(size: number, limit: number, options?: ErrorOptions) {
    super(`content of ${size} bytes is larger than the ${limit}-byte limit`, options);
    this.name = 'ContentTooLargeError';
    this.size = size;
  }
}

/** Metainfo fields that are inconsistent with each other (wrong hash count, bad name, bad URL). */
class InvalidMetainfoError extends TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidMetainfoError';
  }
}

/** Why a multi-file torrent's member list was refused (one value per rule, for callers to map). */
type FileListProblem =
  | 'no-files'
  | 'too-many-files'
  | 'bad-path'
  | 'reserved-path'
  | 'duplicate-path'
  | 'file-is-directory'
  | 'hash-count'
  | 'bad-size';

/**
 * A member list that cannot become a multi-file torrent: no members, too many, a path a client
 * would save elsewhere, two members at one path, a file where another member needs a directory,
 * or hashes that do not match the size and piece length.
 */
class InvalidFileListError extends TorrentError {
  public readonly problem: FileListProblem;
  /** The member's path segments, when one member is at fault. */
  public readonly path: ReadonlyArray<string> | undefined;

  public constructor(problem: FileListProblem, message: string, path?: ReadonlyArray<string>, options?: ErrorOptions) {
    super(path === undefined ? message : `${message}: ${JSON.stringify(path.join('/'))}`, options);
    this.name = 'InvalidFileListError';
    this.problem = problem;
    this.path = path;
  }
}

export {
  ContentTooLargeError,
  EmptyContentError,
  InvalidFileListError,
  InvalidMetainfoError,
  InvalidPieceLengthError,
  MalformedTorrentError,
  TorrentError,
};
export type { FileListProblem };
