import { S3TorrentError } from '../errors.js';

/** A peer broke the protocol: that connection is closed, nothing else changes. */
class WireProtocolError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WireProtocolError';
  }
}

export { WireProtocolError };
