import { TrackerError } from '../errors.js';

/** Base of the shared swarm store's errors. The tracker never fails an announce for one of them. */
class SwarmStoreError extends TrackerError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SwarmStoreError';
  }
}

/** The store is not connected (down, or reconnecting): the batch waits for the next round. */
class SwarmStoreUnavailableError extends SwarmStoreError {
  public constructor(reason: string, options?: ErrorOptions) {
    super(`swarm store unavailable: ${reason}`, options);
    this.name = 'SwarmStoreUnavailableError';
  }
}

/** The store sent bytes that are not RESP; the connection is dropped and made again. */
class SwarmStoreProtocolError extends SwarmStoreError {
  public constructor(problem: string, options?: ErrorOptions) {
    super(`swarm store protocol error: ${problem}`, options);
    this.name = 'SwarmStoreProtocolError';
  }
}

/** A store address or credential that cannot work (e.g. a URL that is not redis:// or rediss://). */
class SwarmStoreConfigError extends SwarmStoreError {
  public constructor(problem: string, options?: ErrorOptions) {
    super(`swarm store setting: ${problem}`, options);
    this.name = 'SwarmStoreConfigError';
  }
}

export { SwarmStoreConfigError, SwarmStoreError, SwarmStoreProtocolError, SwarmStoreUnavailableError };
