// Peer-wire messages for the fuzz test, in three kinds: ones a seeder must put up with (odd but
// well-formed: it answers or ignores them and keeps the connection), ones that break the
// protocol (it must hang up), and mutations of either (anything goes but a crash).
import { encodeBencode } from '../../../src/torrent/index.js';
import type { Encodable } from '../../../src/torrent/index.js';
import { MAX_MESSAGE_LENGTH, MessageId, encode } from '../../../src/wire/index.js';
import type { Rng } from './fuzzRandom.js';

/** What the generators aim at: the torrent's shape and which extensions the connection has. */
interface WireTarget {
  readonly pieceCount: number;
  readonly pieceLength: number;
  readonly size: number;
  /** The connection handshook with the fast extension (BEP 6). */
  readonly fast: boolean;
  /** The hybrid torrent's pieces root, when the connection is on a hybrid infohash. */
  readonly piecesRoot: Buffer | undefined;
}

/** Marker hash requests carry an index from here up; the ones in batches stay below. */
const MARKER_BASE = 0xf000_0000;

/** Ids BEP 3/6/10/52 do not define: the seeder must ignore them (BEP 3: newer extensions). */
const UNKNOWN_IDS = [10, 11, 12, 18, 19, ...Array.from({ length: 232 }, (_, i) => 24 + i)];

/** A framed message `<len><id><payload>`. */
function message(id: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out.writeUInt32BE(1 + payload.length, 0);
  out[4] = id;
  payload.copy(out, 5);
  return out;
}

function u32s(...values: number[]): Buffer {
  const out = Buffer.allocUnsafe(4 * values.length);
  values.forEach((value, i) => out.writeUInt32BE(value >>> 0, 4 * i));
  return out;
}

function pieceSize(t: WireTarget, index: number): number {
  return index === t.pieceCount - 1 ? t.size - index * t.pieceLength : t.pieceLength;
}

/** A hash request the seeder answers with hashes or a hash reject; `marker` proves a batch was read. */
function hashRequest(piecesRoot: Buffer, baseLayer: number, index: number, length: number, proofLayers: number): Buffer {
  return encode.hashRequest({ piecesRoot, baseLayer, index, length, proofLayers });
}

function marker(id: number): Buffer {
  return hashRequest(Buffer.alloc(32), 0, MARKER_BASE + id, 2, 0);
}

/** A bencodable value of random shape: what a sloppy or hostile client might put in a dict. */
function randomValue(rng: Rng, depth = 0): Encodable {
  switch (rng.int(depth > 2 ? 2 : 4)) {
    case 0:
      return rng.chance(0.5) ? rng.range(-1000, 1000) : rng.pick([0, -1, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1)]);
    case 1:
      return rng.bytes(rng.int(40));
    case 2:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    default: {
      const dict: { [key: string]: Encodable } = {};
      for (let i = rng.int(4); i > 0; i -= 1) dict[rng.pick(['m', 'p', 'v', 'reqq', 'yourip', 'metadata_size', 'ut_metadata', 'x'])] = randomValue(rng, depth + 1);
      return dict;
    }
  }
}

/** An extension handshake that is a valid bencoded dictionary, whatever its values mean. */
function extensionHandshake(rng: Rng): Buffer {
  const dict: { [key: string]: Encodable } = {
    m: rng.chance(0.7) ? { ut_metadata: rng.pick([0, 1, 2, 255, 256, -1, rng.range(1, 255)]), ut_pex: rng.int(300) } : randomValue(rng, 1),
  };
  if (rng.chance(0.5)) dict['p'] = rng.pick([0, 1, 6881, 65_535, 65_536, -5]);
  if (rng.chance(0.5)) dict['v'] = rng.bytes(rng.int(100));
  if (rng.chance(0.3)) dict['reqq'] = randomValue(rng, 1);
  if (rng.chance(0.3)) dict['metadata_size'] = randomValue(rng, 1);
  return encode.extended(0, Buffer.from(encodeBencode(dict)));
}

/** A block reference inside the torrent: any begin, 1 byte up to the rest of the piece. */
function inRange(rng: Rng, t: WireTarget, maxLength: number): [number, number, number] {
  const index = rng.chance(0.3) ? t.pieceCount - 1 : rng.int(t.pieceCount);
  const size = pieceSize(t, index);
  const begin = rng.chance(0.5) ? rng.int(Math.ceil(size / 16_384)) * 16_384 : rng.int(size);
  const length = rng.range(1, Math.max(1, Math.min(maxLength, size - begin)));
  return [index, begin, length];
}

/**
 * A message the seeder must accept without hanging up: it answers it (reject, hash reject,
 * metadata) or ignores it.
 */
function toleratedMessage(rng: Rng, t: WireTarget): Buffer {
  switch (rng.int(18)) {
    case 0:
      return encode.keepAlive();
    case 1:
      return message(rng.pick([MessageId.Choke, MessageId.Unchoke, MessageId.NotInterested, MessageId.HaveNone]), Buffer.alloc(0));
    case 2:
      // Interested gets an unchoke, after which in-range requests are real reads: keep them rare.
      return rng.chance(0.2) ? encode.interested() : message(MessageId.NotInterested, Buffer.alloc(0));
    case 3:
      return message(MessageId.Have, u32s(rng.int(t.pieceCount)));
    case 4:
      return message(rng.pick([MessageId.Suggest, MessageId.AllowedFast]), u32s(rng.edgyUint32()));
    case 5:
      return message(MessageId.Reject, u32s(rng.edgyUint32(), rng.edgyUint32(), rng.edgyUint32()));
    case 6:
      return message(MessageId.Cancel, u32s(...(rng.chance(0.5) ? inRange(rng, t, 16_384) : [rng.edgyUint32(), rng.edgyUint32(), rng.edgyUint32()])));
    case 7: {
      // Over 16 KiB and in range: a fast peer gets a reject; without fast it would be fatal.
      if (t.fast && rng.chance(0.5)) return encode.request({ index: 0, begin: 0, length: rng.range(16_385, t.pieceLength) });
      const [index, begin, length] = inRange(rng, t, rng.chance(0.9) ? 512 : 16_384);
      return encode.request({ index, begin, length });
    }
    case 8:
      return message(MessageId.Port, rng.bytes(2));
    case 9:
      return message(MessageId.Piece, rng.bytes(8 + rng.int(64)));
    case 10: {
      // A bitfield of the right length with at least one piece missing: a leecher's.
      const bits = rng.bytes(Math.ceil(t.pieceCount / 8));
      bits[0] = (bits[0] ?? 0) & 0x7f;
      return message(MessageId.Bitfield, bits);
    }
    case 11:
      return extensionHandshake(rng);
    case 12:
      // ut_metadata: requests in and out of range, and the types a seeder does not act on.
      return encode.extended(1, Buffer.from(encodeBencode(rng.chance(0.6) ? { msg_type: 0, piece: rng.pick([0, 1, 2, 1000, 2 ** 31]) } : { msg_type: rng.pick([1, 2, 3, -1, 99]), piece: rng.int(5), total_size: rng.int(1000) })));
    case 13:
      // Other extended ids: messages of extensions the seeder did not offer.
      return encode.extended(rng.range(2, 255), rng.bytes(rng.int(80)));
    case 14: {
      // BEP 52 hash requests, well-formed but mostly nonsense: a valid root and mad numbers.
      const root = t.piecesRoot !== undefined && rng.chance(0.7) ? t.piecesRoot : rng.bytes(32);
      return hashRequest(root, rng.chance(0.5) ? rng.int(12) : rng.edgyUint32(), rng.chance(0.5) ? rng.int(40) : rng.int(MARKER_BASE), rng.chance(0.5) ? 2 ** rng.int(15) : rng.edgyUint32(), rng.chance(0.5) ? rng.int(10) : rng.edgyUint32());
    }
    case 15:
      return message(MessageId.Hashes, Buffer.concat([rng.bytes(48), rng.bytes(32 * rng.int(4))]));
    case 16:
      return message(MessageId.HashReject, rng.bytes(48));
    default:
      return message(rng.pick(UNKNOWN_IDS), rng.bytes(rng.int(100)));
  }
}

/** A message that breaks the protocol: the seeder must close the connection. */
function fatalMessage(rng: Rng, t: WireTarget): { readonly bytes: Buffer; readonly what: string } {
  const wrongLength = (valid: number): Buffer => rng.bytes(rng.chance(0.5) && valid > 0 ? valid - 1 : valid + 1 + rng.int(20));
  switch (rng.int(14)) {
    case 0: {
      const id = rng.pick([MessageId.Choke, MessageId.Unchoke, MessageId.Interested, MessageId.NotInterested, MessageId.HaveNone]);
      return { bytes: message(id, rng.bytes(1 + rng.int(8))), what: `message ${id} with a payload` };
    }
    case 1: {
      const id = rng.pick([MessageId.Have, MessageId.Suggest, MessageId.AllowedFast]);
      return { bytes: message(id, wrongLength(4)), what: `message ${id} not 4 bytes` };
    }
    case 2: {
      const id = rng.pick([MessageId.Request, MessageId.Cancel, MessageId.Reject]);
      return { bytes: message(id, wrongLength(12)), what: `message ${id} not 12 bytes` };
    }
    case 3:
      return { bytes: message(MessageId.Port, wrongLength(2)), what: 'port not 2 bytes' };
    case 4: {
      const id = rng.pick([MessageId.HashRequest, MessageId.HashReject]);
      return { bytes: message(id, wrongLength(48)), what: `message ${id} not 48 bytes` };
    }
    case 5:
      return { bytes: message(MessageId.Hashes, rng.bytes(48 + 32 * rng.int(3) + rng.range(1, 31))), what: 'hashes with a partial hash' };
    case 6: {
      const length = rng.pick([MAX_MESSAGE_LENGTH + 1, 0x7fffffff, 0x80000000, 0xffffffff, MAX_MESSAGE_LENGTH + 1 + rng.int(1_000_000)]);
      return { bytes: Buffer.concat([u32s(length), rng.bytes(rng.int(64))]), what: `length prefix ${length}` };
    }
    case 7:
      return { bytes: message(MessageId.Have, u32s(t.pieceCount + rng.int(2 ** 31))), what: 'have out of range' };
    case 8: {
      const cases: Array<[number, number, number, string]> = [
        [t.pieceCount + rng.int(1000), 0, 16_384, 'request of a piece out of range'],
        [t.pieceCount - 1, 0, pieceSize(t, t.pieceCount - 1) + 1, 'request past the odd tail'],
        [0, t.pieceLength - 100, 16_384, 'request past the piece end'],
        [rng.int(t.pieceCount), 0, 0, 'request of 0 bytes'],
        [0, 0xffffffff, 16_384, 'request with begin 2^32-1'],
      ];
      if (!t.fast) cases.push([0, 0, 16_385, 'request over 16 KiB without the fast extension']);
      const [index, begin, length, what] = rng.pick(cases);
      return { bytes: encode.request({ index, begin, length }), what };
    }
    case 9: {
      const bits = Buffer.alloc(Math.ceil(t.pieceCount / 8) + rng.pick([-1, 1, 5]));
      return { bytes: message(MessageId.Bitfield, bits), what: 'bitfield of the wrong length' };
    }
    case 10:
      return { bytes: encode.haveAll(), what: 'have-all (a seed, or no fast extension)' };
    case 11: {
      // Truncated, not a dict, unsorted keys, a leading zero, `-0`, trailing bytes, not bencode.
      const bad = rng.pick(['d1:md', 'i5e', 'le', 'd1:zi1e1:ai2ee', '4:spam', 'd1:mi01ee', 'd1:mi-0ee', 'd1:mdeex', 'x']);
      return { bytes: encode.extended(0, Buffer.from(bad, 'latin1')), what: `extension handshake ${JSON.stringify(bad)}` };
    }
    case 12: {
      const bad = rng.pick([Buffer.from('d8:msg_typei0e5:piecei-1ee'), Buffer.from('d8:msg_typei0ee'), Buffer.concat([Buffer.from([0xff]), rng.bytes(rng.int(30))]), Buffer.from('d8:msg_typei0e5:piece1:xe')]);
      return { bytes: encode.extended(1, bad), what: `ut_metadata ${JSON.stringify(bad.toString('latin1'))}` };
    }
    default:
      return { bytes: message(MessageId.Extended, Buffer.alloc(0)), what: 'extended message without an id' };
  }
}

/** Random damage to a stream: flipped bits, dropped, repeated and inserted bytes, a cut. */
function mutate(rng: Rng, stream: Buffer): Buffer {
  const out = Buffer.from(stream);
  const edits = 1 + rng.int(6);
  let result = out;
  for (let i = 0; i < edits && result.length > 0; i += 1) {
    const at = rng.int(result.length);
    switch (rng.int(5)) {
      case 0:
        result[at] = (result[at] ?? 0) ^ (1 << rng.int(8));
        break;
      case 1:
        result = Buffer.concat([result.subarray(0, at), result.subarray(at + 1 + rng.int(8))]);
        break;
      case 2:
        result = Buffer.concat([result.subarray(0, at), rng.bytes(1 + rng.int(16)), result.subarray(at)]);
        break;
      case 3:
        if (at + 4 <= result.length) result.writeUInt32BE(rng.edgyUint32(), at);
        break;
      default:
        result = result.subarray(0, at);
    }
  }
  return result;
}

export { MARKER_BASE, fatalMessage, marker, mutate, toleratedMessage };
export type { WireTarget };
