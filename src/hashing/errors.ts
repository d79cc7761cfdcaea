import { S3TorrentError } from '../errors.js';

/** Base of the errors of the hashing module. */
class HashingError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HashingError';
  }
}

/** The input cannot be read at all: a missing file, a directory, no permission. */
class SourceUnreadableError extends HashingError {
  public readonly path: string;

  public constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`cannot read ${path}: ${reason}`, options);
    this.name = 'SourceUnreadableError';
    this.path = path;
  }
}

/**
 * The input delivered a different number of bytes than announced: it changed while being
 * hashed (a file truncated, an object overwritten). The hashes would describe no real content.
 */
class SourceChangedError extends HashingError {
  public readonly expected: number;
  public readonly actual: number;

  public constructor(expected: number, actual: number, options?: ErrorOptions) {
    super(`input changed while hashing: expected ${expected} bytes, got ${actual}`, options);
    this.name = 'SourceChangedError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** A segment plan or a set of segment results that does not describe the whole content. */
class SegmentError extends HashingError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SegmentError';
  }
}

/** A hashing thread failed (it crashed or was terminated). */
class HashWorkerError extends HashingError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HashWorkerError';
  }
}

export { HashWorkerError, HashingError, SegmentError, SourceChangedError, SourceUnreadableError };
