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

/**
 * The directory given to `s3-torrent local --handlers` is not a usable cloud assembly (what
 * `cdk synth` writes): it is missing, has no readable `manifest.json`, or names no stack
 * template that can be read.
 */
class CloudAssemblyError extends LocalStackError {
  /** The directory as given. */
  public readonly directory: string;

  public constructor(directory: string, problem: string, options?: ErrorOptions) {
    super(`--handlers ${directory}: ${problem}`, options);
    this.name = 'CloudAssemblyError';
    this.directory = directory;
  }
}

/**
 * One Lambda handler of a cloud assembly cannot be run: no function (or more than one) carries
 * its `s3-torrent:handler` metadata, its asset or bundle file is missing, or the bundle has no
 * such export.
 */
class HandlerBundleError extends LocalStackError {
  /** Which handler: `hash-worker` or `torrent-api`. */
  public readonly role: string;

  public constructor(role: string, problem: string, options?: ErrorOptions) {
    super(`${role} handler: ${problem}`, options);
    this.name = 'HandlerBundleError';
    this.role = role;
  }
}

/**
 * A Lambda bundle threw while it was imported, as it would at a cold start on Lambda
 * (`Runtime.ImportModuleError`): a module it needs is missing, it does not parse on this Node,
 * or its top-level code failed. The message carries the first line of what it threw.
 */
class HandlerImportError extends HandlerBundleError {
  /** The bundle file that was imported. */
  public readonly file: string;

  public constructor(role: string, file: string, thrown: string, options?: ErrorOptions) {
    super(role, `${file} failed to load on Node ${process.version}: ${thrown}`, options);
    this.name = 'HandlerImportError';
    this.file = file;
  }
}

export { CloudAssemblyError, EmulatorStartError, HandlerBundleError, HandlerImportError, LocalResourceError, LocalStackError, RgwStartError };
