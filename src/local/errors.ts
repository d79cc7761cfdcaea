import { S3TorrentError } from '../errors.js';

/** Base of the errors of the local stack: an emulator or gateway that would not start or stop. */
class LocalStackError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalStackError';
  }
}

/**
 * An emulator of the local stack (s3rver, fauxqs, DynamoDB Local…) did not start. `output` is
 * what it printed before failing (empty when nothing was captured).
 */
class EmulatorStartError extends LocalStackError {
  /** Which emulator failed, e.g. `s3rver`. */
  public readonly emulator: string;
  /** What the emulator printed before failing; may be empty. */
  public readonly output: string;

  public constructor(emulator: string, problem: string, output = '', options?: ErrorOptions) {
    super(`${emulator} did not start: ${problem}${output === '' ? '' : `\n${output}`}`, options);
    this.name = 'EmulatorStartError';
    this.emulator = emulator;
    this.output = output;
  }
}

/**
 * The local Ceph RADOS Gateway did not become ready: its packages are missing, its port is
 * taken, a daemon failed, or the start ran out of time. The message carries what `rgw.sh`
 * printed, which includes the tail of the failing daemon's log.
 */
class RgwStartError extends LocalStackError {
  /** The S3 port on 127.0.0.1 the gateway was to listen on. */
  public readonly port: number;
  /** The directory holding the cluster's configuration, data and logs (`log/`). */
  public readonly dataDir: string;

  public constructor(port: number, dataDir: string, problem: string, options?: ErrorOptions) {
    super(`Ceph RGW on 127.0.0.1:${port} (data in ${dataDir}) did not start: ${problem}`, options);
    this.name = 'RgwStartError';
    this.port = port;
    this.dataDir = dataDir;
  }
}

/** A local resource (table, queue, bucket) could not be created or exists in an incompatible form. */
class LocalResourceError extends LocalStackError {
  /** The table, queue or bucket name. */
  public readonly resource: string;

  public constructor(resource: string, problem: string, options?: ErrorOptions) {
    super(`local resource ${resource}: ${problem}`, options);
    this.name = 'LocalResourceError';
    this.resource = resource;
  }
}

export { EmulatorStartError, LocalResourceError, LocalStackError, RgwStartError };
