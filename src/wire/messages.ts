import { MAX_MESSAGE_LENGTH, MessageId } from './constants.js';
import { WireProtocolError } from './errors.js';

/** A block request, cancel or reject: which bytes of which piece. */
interface BlockRef {
  readonly index: number;
  readonly begin: number;
  readonly length: number;
}

/** BEP 52 hash request / hash reject fields; a hashes message adds the hashes. */
interface HashRequestFields {
  readonly piecesRoot: Buffer;
  readonly baseLayer: number;
  readonly index: number;
  readonly length: number;
  readonly proofLayers: number;
}

type PeerMessage =
  | { readonly type: 'keepAlive' }
  | { readonly type: 'choke' | 'unchoke' | 'interested' | 'notInterested' | 'haveAll' | 'haveNone' }
  | { readonly type: 'have' | 'suggest' | 'allowedFast'; readonly index: number }
  | { readonly type: 'bitfield'; readonly bits: Buffer }
  | ({ readonly type: 'request' | 'cancel' | 'reject' } & BlockRef)
  | { readonly type: 'piece'; readonly index: number; readonly begin: number; readonly block: Buffer }
  | { readonly type: 'port'; readonly port: number }
  | { readonly type: 'extended'; readonly extendedId: number; readonly payload: Buffer }
  | ({ readonly type: 'hashRequest' | 'hashReject' } & HashRequestFields)
  | ({ readonly type: 'hashes'; readonly hashes: Buffer } & HashRequestFields)
  /** BEP 3: unknown ids are ignored, not fatal (newer extensions may send them). */
  | { readonly type: 'unknown'; readonly id: number };

const NO_PAYLOAD: Readonly<Record<number, PeerMessage['type']>> = {
  [MessageId.Choke]: 'choke',
  [MessageId.Unchoke]: 'unchoke',
  [MessageId.Interested]: 'interested',
  [MessageId.NotInterested]: 'notInterested',
  [MessageId.HaveAll]: 'haveAll',
  [MessageId.HaveNone]: 'haveNone',
};

const HASH_HEADER_LENGTH = 32 + 4 * 4;

function expectLength(body: Buffer, length: number, name: string): void {
  if (body.length !== length) throw new WireProtocolError(`${name} message must have ${length} payload bytes, not ${body.length}`);
}

function hashFields(body: Buffer, name: string): HashRequestFields {
  if (body.length < HASH_HEADER_LENGTH) throw new WireProtocolError(`${name} message is too short`);
  return {
    piecesRoot: Buffer.from(body.subarray(0, 32)),
    baseLayer: body.readUInt32BE(32),
    index: body.readUInt32BE(36),
    length: body.readUInt32BE(40),
    proofLayers: body.readUInt32BE(44),
  };
}

/**
 * Decodes one message body (the bytes after the 4-byte length prefix; empty = keep-alive).
 *
 * @throws WireProtocolError when a known message has the wrong size.
 */
function decodeMessage(message: Buffer): PeerMessage {
  if (message.length === 0) return { type: 'keepAlive' };
  const id = message[0] ?? 0;
  const body = message.subarray(1);
  const simple = NO_PAYLOAD[id];
  if (simple !== undefined) {
    expectLength(body, 0, simple);
    return { type: simple } as PeerMessage;
  }
  switch (id) {
    case MessageId.Have:
    case MessageId.Suggest:
    case MessageId.AllowedFast: {
      const type = id === MessageId.Have ? 'have' : id === MessageId.Suggest ? 'suggest' : 'allowedFast';
      expectLength(body, 4, type);
      return { type, index: body.readUInt32BE(0) };
    }
    case MessageId.Bitfield:
      return { type: 'bitfield', bits: Buffer.from(body) };
    case MessageId.Request:
    case MessageId.Cancel:
    case MessageId.Reject: {
      const type = id === MessageId.Request ? 'request' : id === MessageId.Cancel ? 'cancel' : 'reject';
      expectLength(body, 12, type);
      return { type, index: body.readUInt32BE(0), begin: body.readUInt32BE(4), length: body.readUInt32BE(8) };
    }
    case MessageId.Piece:
      if (body.length < 8) throw new WireProtocolError('piece message is too short');
      return { type: 'piece', index: body.readUInt32BE(0), begin: body.readUInt32BE(4), block: Buffer.from(body.subarray(8)) };
    case MessageId.Port:
      expectLength(body, 2, 'port');
      return { type: 'port', port: body.readUInt16BE(0) };
    case MessageId.Extended:
      if (body.length < 1) throw new WireProtocolError('extended message is too short');
      return { type: 'extended', extendedId: body[0] ?? 0, payload: Buffer.from(body.subarray(1)) };
    case MessageId.HashRequest:
    case MessageId.HashReject: {
      const type = id === MessageId.HashRequest ? 'hashRequest' : 'hashReject';
      expectLength(body, HASH_HEADER_LENGTH, type);
      return { type, ...hashFields(body, type) };
    }
    case MessageId.Hashes: {
      const fields = hashFields(body, 'hashes');
      const hashes = body.subarray(HASH_HEADER_LENGTH);
      if (hashes.length % 32 !== 0) throw new WireProtocolError('hashes message holds a partial hash');
      return { type: 'hashes', ...fields, hashes: Buffer.from(hashes) };
    }
    default:
      return { type: 'unknown', id };
  }
}

function frame(id: number, payloadLength: number): Buffer {
  const out = Buffer.allocUnsafe(5 + payloadLength);
  out.writeUInt32BE(1 + payloadLength, 0);
  out[4] = id;
  return out;
}

/** Encoders of the messages a seeder sends. Each returns a whole framed message. */
const encode = {
  keepAlive: (): Buffer => Buffer.alloc(4),
  choke: (): Buffer => frame(MessageId.Choke, 0),
  unchoke: (): Buffer => frame(MessageId.Unchoke, 0),
  interested: (): Buffer => frame(MessageId.Interested, 0),
  haveAll: (): Buffer => frame(MessageId.HaveAll, 0),
  haveNone: (): Buffer => frame(MessageId.HaveNone, 0),
  bitfield(bits: Uint8Array): Buffer {
    const out = frame(MessageId.Bitfield, bits.length);
    out.set(bits, 5);
    return out;
  },
  have(index: number): Buffer {
    const out = frame(MessageId.Have, 4);
    out.writeUInt32BE(index, 5);
    return out;
  },
  allowedFast(index: number): Buffer {
    const out = frame(MessageId.AllowedFast, 4);
    out.writeUInt32BE(index, 5);
    return out;
  },
  request: (ref: BlockRef): Buffer => blockRefMessage(MessageId.Request, ref),
  cancel: (ref: BlockRef): Buffer => blockRefMessage(MessageId.Cancel, ref),
  reject: (ref: BlockRef): Buffer => blockRefMessage(MessageId.Reject, ref),
  /** Only the 13-byte header: the block follows as its own buffer (no copy of 16 KiB). */
  pieceHeader(index: number, begin: number, blockLength: number): Buffer {
    const out = Buffer.allocUnsafe(13);
    out.writeUInt32BE(9 + blockLength, 0);
    out[4] = MessageId.Piece;
    out.writeUInt32BE(index, 5);
    out.writeUInt32BE(begin, 9);
    return out;
  },
  extended(extendedId: number, payload: Uint8Array): Buffer {
    const out = frame(MessageId.Extended, 1 + payload.length);
    out[5] = extendedId;
    out.set(payload, 6);
    return out;
  },
  hashes(fields: HashRequestFields, hashes: Uint8Array): Buffer {
    const out = hashHeader(MessageId.Hashes, fields, hashes.length);
    out.set(hashes, 5 + HASH_HEADER_LENGTH);
    return out;
  },
  hashRequest: (fields: HashRequestFields): Buffer => hashHeader(MessageId.HashRequest, fields, 0),
  hashReject: (fields: HashRequestFields): Buffer => hashHeader(MessageId.HashReject, fields, 0),
};

function blockRefMessage(id: number, ref: BlockRef): Buffer {
  const out = frame(id, 12);
  out.writeUInt32BE(ref.index, 5);
  out.writeUInt32BE(ref.begin, 9);
  out.writeUInt32BE(ref.length, 13);
  return out;
}

function hashHeader(id: number, fields: HashRequestFields, extra: number): Buffer {
  const out = frame(id, HASH_HEADER_LENGTH + extra);
  fields.piecesRoot.copy(out, 5, 0, 32);
  out.writeUInt32BE(fields.baseLayer, 37);
  out.writeUInt32BE(fields.index, 41);
  out.writeUInt32BE(fields.length, 45);
  out.writeUInt32BE(fields.proofLayers, 49);
  return out;
}

/**
 * Splits a peer's byte stream into length-prefixed messages, holding at most one partial
 * message (≤ MAX_MESSAGE_LENGTH) in memory.
 */
class MessageFramer {
  private pending: Buffer = Buffer.alloc(0);

  public constructor(private readonly maxLength = MAX_MESSAGE_LENGTH) {}

  /** Bytes received but not yet returned as messages. */
  public get buffered(): number {
    return this.pending.length;
  }

  public push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
  }

  /** The first byte not yet taken, if any. */
  public peekByte(): number | undefined {
    return this.pending[0];
  }

  /** Takes `length` raw bytes (the handshake) off the front, or undefined while fewer arrived. */
  public take(length: number): Buffer | undefined {
    if (this.pending.length < length) return undefined;
    const out = this.pending.subarray(0, length);
    this.pending = this.pending.subarray(length);
    return out;
  }

  /**
   * The next whole message body, or undefined until more bytes arrive.
   *
   * @throws WireProtocolError when the announced length is over the limit.
   */
  public next(): Buffer | undefined {
    if (this.pending.length < 4) return undefined;
    const length = this.pending.readUInt32BE(0);
    if (length > this.maxLength) throw new WireProtocolError(`message of ${length} bytes is over the ${this.maxLength}-byte limit`);
    if (this.pending.length < 4 + length) return undefined;
    const body = this.pending.subarray(4, 4 + length);
    this.pending = this.pending.subarray(4 + length);
    return body;
  }
}

export { MessageFramer, decodeMessage, encode };
export type { BlockRef, HashRequestFields, PeerMessage };
