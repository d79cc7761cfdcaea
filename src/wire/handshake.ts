import { HANDSHAKE_LENGTH, PROTOCOL } from './constants.js';
import { WireProtocolError } from './errors.js';

/** What the 8 reserved handshake bytes say a peer supports. */
interface PeerCapabilities {
  /** BEP 10 extension protocol: reserved[5] & 0x10. */
  readonly extended: boolean;
  /** BEP 6 fast extension: reserved[7] & 0x04. */
  readonly fast: boolean;
  /** BEP 52 v2 support on a hybrid torrent: reserved[7] & 0x10. */
  readonly v2: boolean;
}

interface Handshake {
  readonly infoHash: Buffer;
  readonly peerId: Buffer;
  readonly capabilities: PeerCapabilities;
}

const PROTOCOL_BYTES = Buffer.from(PROTOCOL, 'latin1');

function encodeHandshake(handshake: Handshake): Buffer {
  const out = Buffer.alloc(HANDSHAKE_LENGTH);
  out[0] = PROTOCOL_BYTES.length;
  PROTOCOL_BYTES.copy(out, 1);
  const reserved = 1 + PROTOCOL_BYTES.length;
  const { extended, fast, v2 } = handshake.capabilities;
  out[reserved + 5] = extended ? 0x10 : 0;
  out[reserved + 7] = (fast ? 0x04 : 0) | (v2 ? 0x10 : 0);
  handshake.infoHash.copy(out, reserved + 8);
  handshake.peerId.copy(out, reserved + 28);
  return out;
}

/**
 * Parses the 68-byte handshake at the start of `data`.
 *
 * @throws WireProtocolError when it is not a BitTorrent handshake.
 */
function decodeHandshake(data: Buffer): Handshake {
  if (data.length < HANDSHAKE_LENGTH) throw new WireProtocolError('handshake is too short');
  if (data[0] !== PROTOCOL_BYTES.length || !data.subarray(1, 1 + PROTOCOL_BYTES.length).equals(PROTOCOL_BYTES)) {
    throw new WireProtocolError('not a BitTorrent handshake');
  }
  const reserved = 1 + PROTOCOL_BYTES.length;
  return {
    capabilities: {
      extended: ((data[reserved + 5] ?? 0) & 0x10) !== 0,
      fast: ((data[reserved + 7] ?? 0) & 0x04) !== 0,
      v2: ((data[reserved + 7] ?? 0) & 0x10) !== 0,
    },
    infoHash: Buffer.from(data.subarray(reserved + 8, reserved + 28)),
    peerId: Buffer.from(data.subarray(reserved + 28, reserved + 48)),
  };
}

export { decodeHandshake, encodeHandshake };
export type { Handshake, PeerCapabilities };
