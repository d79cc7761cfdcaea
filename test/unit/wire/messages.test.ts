import fc from 'fast-check';
import {
  MAX_MESSAGE_LENGTH,
  MessageFramer,
  WireProtocolError,
  decodeHandshake,
  decodeMessage,
  encode,
  encodeHandshake,
} from '../../../src/wire/index.js';

/** The body of a framed message: what the framer hands to decodeMessage. */
function bodyOf(framed: Buffer): Buffer {
  expect(framed.readUInt32BE(0)).toBe(framed.length - 4);
  return framed.subarray(4);
}

describe('Function: decodeMessage', () => {
  it('reads back every message a seeder sends', () => {
    const ref = { index: 7, begin: 16_384, length: 16_384 };
    const root = Buffer.alloc(32, 9);
    const fields = { piecesRoot: root, baseLayer: 4, index: 512, length: 512, proofLayers: 10 };
    expect(decodeMessage(bodyOf(encode.haveAll()))).toEqual({ type: 'haveAll' });
    expect(decodeMessage(bodyOf(encode.unchoke()))).toEqual({ type: 'unchoke' });
    expect(decodeMessage(bodyOf(encode.have(3)))).toEqual({ type: 'have', index: 3 });
    expect(decodeMessage(bodyOf(encode.allowedFast(11)))).toEqual({ type: 'allowedFast', index: 11 });
    expect(decodeMessage(bodyOf(encode.bitfield(Buffer.from([0xff, 0xe0]))))).toEqual({ type: 'bitfield', bits: Buffer.from([0xff, 0xe0]) });
    expect(decodeMessage(bodyOf(encode.request(ref)))).toEqual({ type: 'request', ...ref });
    expect(decodeMessage(bodyOf(encode.reject(ref)))).toEqual({ type: 'reject', ...ref });
    expect(decodeMessage(bodyOf(encode.cancel(ref)))).toEqual({ type: 'cancel', ...ref });
    expect(decodeMessage(bodyOf(encode.extended(1, Buffer.from('d1:xi1ee'))))).toEqual({ type: 'extended', extendedId: 1, payload: Buffer.from('d1:xi1ee') });
    expect(decodeMessage(bodyOf(encode.hashReject(fields)))).toEqual({ type: 'hashReject', ...fields });
    const hashes = Buffer.alloc(64, 3);
    expect(decodeMessage(bodyOf(encode.hashes(fields, hashes)))).toEqual({ type: 'hashes', ...fields, hashes });
  });

  it('frames a piece as a 13-byte header followed by the block', () => {
    const block = Buffer.alloc(100, 1);
    const framed = Buffer.concat([encode.pieceHeader(2, 32_768, block.length), block]);
    expect(decodeMessage(bodyOf(framed))).toEqual({ type: 'piece', index: 2, begin: 32_768, block });
  });

  it('treats an empty body as keep-alive and unknown ids as ignorable', () => {
    expect(decodeMessage(Buffer.alloc(0))).toEqual({ type: 'keepAlive' });
    expect(decodeMessage(Buffer.from([99, 1, 2]))).toEqual({ type: 'unknown', id: 99 });
  });

  it.each([
    ['have with 3 bytes', Buffer.from([4, 0, 0, 1])],
    ['request with 11 bytes', Buffer.from([6, ...new Array<number>(11).fill(0)])],
    ['interested with a payload', Buffer.from([2, 0])],
    ['hash request with 47 bytes', Buffer.from([21, ...new Array<number>(47).fill(0)])],
    ['hashes with a partial hash', Buffer.from([22, ...new Array<number>(48 + 31).fill(0)])],
    ['extended without an id', Buffer.from([20])],
  ])('refuses %s with a WireProtocolError', (_name, body) => {
    expect(() => decodeMessage(body)).toThrow(WireProtocolError);
  });

  it('never throws anything but a WireProtocolError, whatever the bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      try {
        decodeMessage(Buffer.from(bytes));
      } catch (error) {
        expect(error).toBeInstanceOf(WireProtocolError);
      }
    }), { numRuns: 5000 });
  });
});

describe('Class: MessageFramer', () => {
  it('reassembles messages split at any byte', () => {
    const stream = Buffer.concat([encode.keepAlive(), encode.have(1), encode.request({ index: 0, begin: 0, length: 16_384 }), encode.haveAll()]);
    fc.assert(fc.property(fc.integer({ min: 1, max: stream.length }), (cut) => {
      const framer = new MessageFramer();
      const types: string[] = [];
      for (const part of [stream.subarray(0, cut), stream.subarray(cut)]) {
        framer.push(part);
        for (let body = framer.next(); body !== undefined; body = framer.next()) types.push(decodeMessage(body).type);
      }
      expect(types).toEqual(['keepAlive', 'have', 'request', 'haveAll']);
      expect(framer.buffered).toBe(0);
    }));
  });

  it('refuses a length prefix over the limit before buffering it', () => {
    const framer = new MessageFramer();
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(MAX_MESSAGE_LENGTH + 1);
    framer.push(prefix);
    expect(() => framer.next()).toThrow(/over the \d+-byte limit/);
  });
});

describe('Function: decodeHandshake', () => {
  it('reads back the infohash, peer id and reserved bits (BEP 10, BEP 6, BEP 52)', () => {
    const infoHash = Buffer.alloc(20, 0xab);
    const peerId = Buffer.from('-XX0001-abcdefghijkl');
    const encoded = encodeHandshake({ infoHash, peerId, capabilities: { extended: true, fast: true, v2: true } });
    expect(encoded).toHaveLength(68);
    expect(encoded.subarray(20, 28)).toEqual(Buffer.from([0, 0, 0, 0, 0, 0x10, 0, 0x14]));
    expect(decodeHandshake(encoded)).toEqual({ infoHash, peerId, capabilities: { extended: true, fast: true, v2: true } });
  });

  it('refuses anything that is not the BitTorrent protocol', () => {
    const bytes = Buffer.alloc(68);
    bytes[0] = 19;
    bytes.write('BitTorrent protocoX', 1, 'latin1');
    expect(() => decodeHandshake(bytes)).toThrow(WireProtocolError);
    expect(() => decodeHandshake(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(WireProtocolError);
  });
});
