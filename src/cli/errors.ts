import { S3TorrentError } from '../errors.js';

/** The command line itself is wrong: unknown command or option, missing argument, bad value. */
class UsageError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** No command at all: the CLI has printed the usage text, which is the whole message. */
class MissingCommandError extends UsageError {
  public constructor(options?: ErrorOptions) {
    super('no command given', options);
    this.name = 'MissingCommandError';
  }
}

/** The deployment refused or did not finish a prewarm (403, 404, failed hashing, timeout). */
class PrewarmError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PrewarmError';
  }
}

/** The records could not be read (endpoint down, no such table, no credentials), or hold no record of the object. */
class StatusError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StatusError';
  }
}

/** A file the command was to write (create's .torrent) could not be written. */
class OutputUnwritableError extends S3TorrentError {
  public readonly path: string;

  public constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`cannot write ${path}: ${reason}`, options);
    this.name = 'OutputUnwritableError';
    this.path = path;
  }
}

export { MissingCommandError, OutputUnwritableError, PrewarmError, StatusError, UsageError };
