import fc from 'fast-check';
import {
  PROTOCOL_ID,
  UdpAction,
  encodeAnnounceReply,
  encodeConnectReply,
  encodeErrorReply,
  encodeScrapeReply,
  parseUdpRequest,
} from '../../../src/tracker/udpCodec.js';

const CONNECTION_ID = Buffer.from('0102030405060708', 'hex');
const HASH = Buffer.alloc(20, 0xab);

function connectPacket(transactionId: number): Buffer {
  const packet = Buffer.alloc(16);
  packet.writeBigUInt64BE(PROTOCOL_ID, 0);
  packet.writeUInt32BE(UdpAction.Connect, 8);
  packet.writeUInt32BE(transactionId, 12);
  return packet;
}

function announcePacket(fields: { left?: bigint; event?: number; numwant?: number; port?: number; length?: number } = {}): Buffer {
  const packet = Buffer.alloc(fields.length ?? 98);
  CONNECTION_ID.copy(packet, 0);
  packet.writeUInt32BE(UdpAction.Announce, 8);
  packet.writeUInt32BE(0xdeadbeef, 12);
  HASH.copy(packet, 16);
  packet.fill(0x2d, 36, 56);
  if (packet.length < 98) return packet;
  packet.writeBigUInt64BE(3n, 56);
  packet.writeBigUInt64BE(fields.left ?? 1000n, 64);
  packet.writeBigUInt64BE(5n, 72);
  packet.writeUInt32BE(fields.event ?? 2, 80);
  packet.writeUInt32BE(0x7f000001, 84);
  packet.writeInt32BE(fields.numwant ?? -1, 92);
  packet.writeUInt16BE(fields.port ?? 6881, 96);
  return packet;
}

describe('Function: parseUdpRequest', () => {
  it('reads a connect request carrying the protocol id', () => {
    expect(parseUdpRequest(connectPacket(42))).toEqual({ kind: 'connect', transactionId: 42 });
  });

  it('ignores a connect without the protocol id, and anything shorter than 16 bytes', () => {
    const wrong = connectPacket(1);
    wrong.writeUInt32BE(0, 0);
    expect(parseUdpRequest(wrong)).toEqual({ kind: 'ignored' });
    expect(parseUdpRequest(Buffer.alloc(15))).toEqual({ kind: 'ignored' });
  });

  it('reads an announce, ignoring its IP field and any BEP 41 extension bytes', () => {
    const packet = Buffer.concat([announcePacket({ numwant: 30 }), Buffer.from([2, 5, 0x2f, 0x61, 0x62, 0x63, 0x64])]);
    const request = parseUdpRequest(packet);
    expect(request).toEqual({
      kind: 'announce',
      transactionId: 0xdeadbeef,
      connectionId: CONNECTION_ID,
      announce: { infoHashHex: 'ab'.repeat(20), port: 6881, uploaded: 5, downloaded: 3, left: 1000, event: 'started', numwant: 30 },
    });
  });

  it.each([
    [0, 'update'],
    [1, 'completed'],
    [2, 'started'],
    [3, 'stopped'],
    [4, 'update'],
  ])('reads event %d as %s', (event, expected) => {
    expect(parseUdpRequest(announcePacket({ event }))).toMatchObject({ announce: { event: expected } });
  });

  it.each([
    ['a truncated announce', announcePacket({ length: 60 }), 'announce of 60 bytes, not 98'],
    ['an absurd left', announcePacket({ left: 1n << 60n }), 'absurd byte count'],
    ['a negative left', announcePacket({ left: 0xffffffffffffffffn }), 'absurd byte count'],
    ['an unknown event', announcePacket({ event: 9 }), 'unknown event'],
    ['port 0', announcePacket({ port: 0 }), 'port 0'],
  ])('answers %s with an error', (_label, packet, reason) => {
    expect(parseUdpRequest(packet)).toEqual({ kind: 'invalid', transactionId: 0xdeadbeef, connectionId: CONNECTION_ID, reason });
  });

  it('reads a scrape, keeping duplicates for the positional reply', () => {
    const packet = Buffer.concat([CONNECTION_ID, Buffer.from([0, 0, 0, 2, 0, 0, 0, 9]), HASH, Buffer.alloc(20, 1), HASH]);
    expect(parseUdpRequest(packet)).toEqual({ kind: 'scrape', transactionId: 9, connectionId: CONNECTION_ID, infoHashHexes: ['ab'.repeat(20), '01'.repeat(20), 'ab'.repeat(20)] });
  });

  it('refuses a scrape of no, partial or too many hashes, and an unknown action', () => {
    const headOf = (action: number): Buffer => Buffer.concat([CONNECTION_ID, Buffer.from([0, 0, 0, action, 0, 0, 0, 1])]);
    expect(parseUdpRequest(headOf(2))).toMatchObject({ kind: 'invalid', reason: 'scrape body must be whole 20-byte infohashes' });
    expect(parseUdpRequest(Buffer.concat([headOf(2), Buffer.alloc(30)]))).toMatchObject({ kind: 'invalid' });
    expect(parseUdpRequest(Buffer.concat([headOf(2), Buffer.alloc(20 * 75)]))).toMatchObject({ kind: 'invalid', reason: 'at most 74 infohashes per scrape' });
    expect(parseUdpRequest(headOf(7))).toMatchObject({ kind: 'invalid', reason: 'unknown action 7' });
  });

  it('never throws on arbitrary or mutated datagrams', () => {
    const seeds = [connectPacket(1), announcePacket()];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(1), fc.nat(120), fc.nat(255), (random, pick, at, byte) => {
        const mutated = Buffer.from(seeds[pick] as Buffer);
        if (at < mutated.length) mutated[at] = byte;
        parseUdpRequest(Buffer.from(random));
        parseUdpRequest(mutated.subarray(0, Math.max(0, mutated.length - (at % 3))));
      }),
    );
  });
});

describe('Function: encode*Reply', () => {
  it('lays out a connect reply as action, transaction id, connection id', () => {
    expect(encodeConnectReply(7, CONNECTION_ID).toString('hex')).toBe(`00000000${'00000007'}0102030405060708`);
  });

  it('lays out an announce reply with the compact peers after the counts', () => {
    const peer = Buffer.from([127, 0, 0, 1, 0x1a, 0xe1]);
    expect(encodeAnnounceReply(7, 300, 2, 1, peer).toString('hex')).toBe('00000001000000070000012c00000002000000017f0000011ae1');
  });

  it('lays out a scrape reply as seeders, completed, leechers per torrent', () => {
    expect(encodeScrapeReply(7, [{ complete: 1, downloaded: 2, incomplete: 3 }]).toString('hex')).toBe('0000000200000007000000010000000200000003');
  });

  it('lays out an error reply with its message', () => {
    expect(encodeErrorReply(7, 'no')).toEqual(Buffer.from('00000003000000076e6f', 'hex'));
  });
});
