import { WireProtocolError } from '../errors.js';

/** A datagram on the peer port that is not a well-formed uTP packet: it is dropped, nothing else changes. */
class UtpPacketError extends WireProtocolError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UtpPacketError';
  }
}

/** A uTP connection ended abnormally (reset by the peer, or its packets went unacknowledged too long). */
class UtpConnectionError extends WireProtocolError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UtpConnectionError';
  }
}

export { UtpConnectionError, UtpPacketError };
