import { UtpPacketError } from './errors.js';

/** uTP packet types (BEP 29): the high nibble of the first byte. */
const PacketType = {
  Data: 0,
  Fin: 1,
  State: 2,
  Reset: 3,
  Syn: 4,
} as const;
type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** The only uTP version there is (BEP 29): the low nibble of the first byte. */
const UTP_VERSION = 1;

/** type/version, extension, connection_id, timestamp, timestamp_difference, wnd_size, seq_nr, ack_nr. */
const HEADER_LENGTH = 20;

/** Extension types (BEP 29): 0 ends the chain, 1 is the selective ack. */
const Extension = { None: 0, SelectiveAck: 1 } as const;

/**
 * Extensions we walk before calling a packet garbage: libtorrent sends at most two (selective
 * ack and its close-reason); a long chain of tiny extensions is only ever an attack on the parser.
 */
const MAX_EXTENSIONS = 8;

/**
 * Selective-ack bytes we send at most: 256 packets past the cumulative ack (libtorrent's limit
 * too). We send multiples of 4 as BEP 29 says; libtorrent sends any length from 1 byte (as
 * many as its bits need), so any non-empty length is accepted.
 */
const MAX_SELECTIVE_ACK_BYTES = 32;

/** A decoded packet: the header fields, the selective-ack bitmask if any, and the payload. */
interface UtpPacket {
  readonly type: PacketType;
  readonly connectionId: number;
  /** Sender's clock, microseconds, wrapping at 2^32. */
  readonly timestamp: number;
  /** Sender's clock minus our timestamp of the last packet it received from us (one-way delay + offset). */
  readonly timestampDifference: number;
  /** Bytes the sender can still take in (its receive window). */
  readonly windowSize: number;
  readonly seq: number;
  readonly ack: number;
  /** Bit i set: packet `ack + 2 + i` was received (BEP 29 selective ack). */
  readonly selectiveAck: Buffer | undefined;
  readonly payload: Buffer;
}

/** Fields we put in a header; the packet's payload is sent beside it, not copied into it. */
interface UtpHeaderFields {
  readonly type: PacketType;
  readonly connectionId: number;
  readonly timestamp: number;
  readonly timestampDifference: number;
  readonly windowSize: number;
  readonly seq: number;
  readonly ack: number;
  readonly selectiveAck?: Buffer | undefined;
}

/**
 * Decodes one UDP datagram as a uTP packet (BEP 29):
 * `<type:4|ver:4><extension:8><connection_id:16><timestamp_us:32><timestamp_difference_us:32>
 * <wnd_size:32><seq_nr:16><ack_nr:16>` then the extension chain `<next:8><len:8><bytes>` and
 * the payload. Every length is checked against the datagram before it is read.
 *
 * @throws UtpPacketError for anything that is not a well-formed version-1 uTP packet (a DHT
 *   message on the same port, a truncated header, an extension running past the end).
 */
function decodePacket(datagram: Buffer): UtpPacket {
  if (datagram.length < HEADER_LENGTH) throw new UtpPacketError(`datagram of ${datagram.length} bytes is shorter than a uTP header`);
  const first = datagram.readUInt8(0);
  const type = first >> 4;
  const version = first & 0x0f;
  if (version !== UTP_VERSION) throw new UtpPacketError(`uTP version ${version} is not 1`);
  if (type > PacketType.Syn) throw new UtpPacketError(`uTP packet type ${type} is unknown`);
  let selectiveAck: Buffer | undefined;
  let extension = datagram.readUInt8(1);
  let offset = HEADER_LENGTH;
  for (let seen = 0; extension !== Extension.None; seen += 1) {
    if (seen >= MAX_EXTENSIONS) throw new UtpPacketError(`more than ${MAX_EXTENSIONS} uTP extensions`);
    if (offset + 2 > datagram.length) throw new UtpPacketError('uTP extension header runs past the datagram');
    const next = datagram.readUInt8(offset);
    const length = datagram.readUInt8(offset + 1);
    offset += 2;
    if (offset + length > datagram.length) throw new UtpPacketError(`uTP extension of ${length} bytes runs past the datagram`);
    if (extension === Extension.SelectiveAck) {
      if (length === 0) throw new UtpPacketError('empty selective ack');
      selectiveAck = datagram.subarray(offset, offset + length);
    }
    // Other extensions (libtorrent's close reason, extension bits) carry nothing we act on.
    offset += length;
    extension = next;
  }
  return {
    type: type as PacketType,
    connectionId: datagram.readUInt16BE(2),
    timestamp: datagram.readUInt32BE(4),
    timestampDifference: datagram.readUInt32BE(8),
    windowSize: datagram.readUInt32BE(12),
    seq: datagram.readUInt16BE(16),
    ack: datagram.readUInt16BE(18),
    selectiveAck,
    payload: datagram.subarray(offset),
  };
}

/** Encodes a header (and a selective-ack extension when given); the payload is sent after it. */
function encodeHeader(fields: UtpHeaderFields): Buffer {
  const sack = fields.selectiveAck;
  const header = Buffer.allocUnsafe(HEADER_LENGTH + (sack === undefined ? 0 : 2 + sack.length));
  header.writeUInt8((fields.type << 4) | UTP_VERSION, 0);
  header.writeUInt8(sack === undefined ? Extension.None : Extension.SelectiveAck, 1);
  header.writeUInt16BE(fields.connectionId & 0xffff, 2);
  header.writeUInt32BE(fields.timestamp >>> 0, 4);
  header.writeUInt32BE(fields.timestampDifference >>> 0, 8);
  header.writeUInt32BE(Math.max(0, Math.min(0xffffffff, Math.floor(fields.windowSize))), 12);
  header.writeUInt16BE(fields.seq & 0xffff, 16);
  header.writeUInt16BE(fields.ack & 0xffff, 18);
  if (sack !== undefined) {
    header.writeUInt8(Extension.None, HEADER_LENGTH);
    header.writeUInt8(sack.length, HEADER_LENGTH + 1);
    sack.copy(header, HEADER_LENGTH + 2);
  }
  return header;
}

/** Sequence numbers are 16 bits and wrap: `b - a` as a signed distance (positive: b is after a). */
function seqDistance(a: number, b: number): number {
  const d = (b - a) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}

export { HEADER_LENGTH, MAX_SELECTIVE_ACK_BYTES, PacketType, UTP_VERSION, decodePacket, encodeHeader, seqDistance };
export type { UtpHeaderFields, UtpPacket };
