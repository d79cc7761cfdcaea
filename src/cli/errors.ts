import { S3TorrentError } from '../errors.js';

/** The command line itself is wrong: unknown command or option, missing argument, bad value. */
class UsageError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
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

export { PrewarmError, StatusError, UsageError };
