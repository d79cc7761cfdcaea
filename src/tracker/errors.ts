import { S3TorrentError } from '../errors.js';

/** Base of the errors of the tracker. Bad client requests are never thrown: they become failure replies. */
class TrackerError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TrackerError';
  }
}

/** {@link TrackerOptions} that cannot work; `problems` lists every one found, not just the first. */
class TrackerOptionsError extends TrackerError {
  public readonly problems: readonly string[];

  public constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`invalid tracker options: ${problems.join('; ')}`, options);
    this.name = 'TrackerOptionsError';
    this.problems = problems;
  }
}

/** The tracker could not listen: the port is taken on a host, or a host is not an address of this machine. */
class TrackerBindError extends TrackerError {
  /** The host that failed, e.g. `::1`. */
  public readonly host: string;
  /** The port asked for (0: every attempt at a free one failed). */
  public readonly port: number;

  public constructor(host: string, port: number, problem: string, options?: ErrorOptions) {
    super(`tracker could not listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${problem}`, options);
    this.name = 'TrackerBindError';
    this.host = host;
    this.port = port;
  }
}

export { TrackerBindError, TrackerError, TrackerOptionsError };
