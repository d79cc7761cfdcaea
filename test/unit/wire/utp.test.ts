import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import fc from 'fast-check';
import { HEADER_LENGTH, PacketType, UtpEndpoint, UtpPacketError, decodePacket, encodeHeader, seqDistance } from '../../../src/wire/utp/index.js';
import type { UtpSocket } from '../../../src/wire/utp/index.js';

const HOST = '127.0.0.1';
const noBudget = { take: (): void => undefined, release: (): void => undefined };

describe('Function: decodePacket', () => {
  it('reads back a header with a selective ack and a payload', () => {
    const sack = Buffer.from([0b101, 0, 0, 0x80]);
    const header = encodeHeader({ type: PacketType.Data, connectionId: 0xbeef, timestamp: 0xfffffff0, timestampDifference: 1234, windowSize: 65_536, seq: 65_535, ack: 7, selectiveAck: sack });
    const packet = decodePacket(Buffer.concat([header, Buffer.from('hello')]));
    expect(packet).toEqual({
      type: PacketType.Data, connectionId: 0xbeef, timestamp: 0xfffffff0, timestampDifference: 1234, windowSize: 65_536, seq: 65_535, ack: 7, selectiveAck: sack, payload: Buffer.from('hello'),
    });
  });

  it('refuses what is not a uTP version-1 packet with one clear error', () => {
    const valid = encodeHeader({ type: PacketType.Syn, connectionId: 1, timestamp: 0, timestampDifference: 0, windowSize: 0, seq: 1, ack: 0 });
    expect(() => decodePacket(valid.subarray(0, 19))).toThrow(new UtpPacketError('datagram of 19 bytes is shorter than a uTP header'));
    expect(() => decodePacket(Buffer.from('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe'))).toThrow(UtpPacketError);
    const badType = Buffer.from(valid);
    badType[0] = 0x51;
    expect(() => decodePacket(badType)).toThrow(new UtpPacketError('uTP packet type 5 is unknown'));
    const runaway = Buffer.concat([valid, Buffer.from([0, 8, 1, 2])]);
    runaway[1] = 1;
    expect(() => decodePacket(runaway)).toThrow(new UtpPacketError('uTP extension of 8 bytes runs past the datagram'));
    const emptySack = Buffer.concat([valid, Buffer.from([0, 0])]);
    emptySack[1] = 1;
    expect(() => decodePacket(emptySack)).toThrow(new UtpPacketError('empty selective ack'));
  });

  it('takes a selective ack of any length, as libtorrent sends them (10 bytes, not a multiple of 4)', () => {
    const sack = Buffer.from([0x00, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const header = encodeHeader({ type: PacketType.State, connectionId: 7, timestamp: 1, timestampDifference: 2, windowSize: 3, seq: 4, ack: 5, selectiveAck: sack });
    expect(decodePacket(header).selectiveAck).toEqual(sack);
  });

  it('never throws anything but UtpPacketError and never reads past the datagram (fuzzed)', () => {
    // Random bytes, and valid headers with random extension chains and lengths: the parser
    // either returns a packet whose parts lie inside the datagram or throws UtpPacketError.
    const header = fc.record({
      type: fc.integer({ min: 0, max: 15 }),
      version: fc.integer({ min: 0, max: 2 }),
      extension: fc.integer({ min: 0, max: 3 }),
      rest: fc.uint8Array({ minLength: 18, maxLength: 18 }),
      tail: fc.uint8Array({ maxLength: 80 }),
    }).map(({ type, version, extension, rest, tail }) => Buffer.concat([Buffer.from([(type << 4) | version, extension]), rest, tail]));
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a)), header), (datagram) => {
      try {
        const packet = decodePacket(datagram);
        expect(packet.payload.length).toBeLessThanOrEqual(datagram.length - HEADER_LENGTH);
        expect(packet.type).toBeLessThanOrEqual(PacketType.Syn);
      } catch (error) {
        expect(error).toBeInstanceOf(UtpPacketError);
      }
    }), { numRuns: 5000 });
  });

  it('compares 16-bit sequence numbers across the wrap', () => {
    expect(seqDistance(65_535, 0)).toBe(1);
    expect(seqDistance(0, 65_535)).toBe(-1);
    expect(seqDistance(10, 20)).toBe(10);
  });
});

/** Two endpoints on loopback; the client side may be routed through a relay that drops packets. */
async function endpoints(): Promise<{ server: UtpEndpoint; client: UtpEndpoint; accepted: Promise<UtpSocket>; close: () => Promise<void> }> {
  let deliver: (socket: UtpSocket) => void = () => undefined;
  const accepted = new Promise<UtpSocket>((resolve) => {
    deliver = resolve;
  });
  const server = await UtpEndpoint.bind({ host: HOST, port: 0, budget: noBudget, onConnection: (socket) => deliver(socket) });
  const client = await UtpEndpoint.bind({ host: HOST, port: 0, budget: noBudget, onConnection: (socket) => socket.destroy() });
  return { server, client, accepted, close: async () => Promise.all([server.close(), client.close()]).then(() => undefined) };
}

/** Which datagram to drop: its direction and its number in that direction (1, 2, ...). */
type DropRule = (towardsServer: boolean, count: number) => boolean;

/**
 * A UDP relay between one client and the server that drops the datagrams `drop` picks. A
 * stand-in for a lossy network path, which loopback never is: the only way to make selective
 * acks, fast retransmission and timeouts run here.
 */
async function lossyRelay(target: number, drop: DropRule): Promise<{ port: number; close: () => void }> {
  const relay: UdpSocket = createSocket('udp4');
  let clientPort: number | undefined;
  let toServer = 0;
  let toClient = 0;
  relay.on('message', (datagram, remote) => {
    if (remote.port === target) {
      toClient += 1;
      if (clientPort !== undefined && !drop(false, toClient)) relay.send(datagram, clientPort, HOST);
      return;
    }
    clientPort = remote.port;
    toServer += 1;
    if (!drop(true, toServer)) relay.send(datagram, target, HOST);
  });
  await new Promise<void>((resolve) => relay.bind(0, HOST, () => resolve()));
  return { port: relay.address().port, close: () => relay.close() };
}

/**
 * Drops one datagram in `every` from the server, and every datagram to the server (its acks)
 * for `outageMs` from the server's `after`-th datagram on.
 */
function outageAfter(after: number, outageMs: number, every: number): DropRule {
  let outageStart: number | undefined;
  return (towardsServer, count) => {
    if (towardsServer) return outageStart !== undefined && Date.now() - outageStart < outageMs;
    if (count === after) outageStart = Date.now();
    return count % every === 0;
  };
}

async function readAll(socket: UtpSocket, bytes: number, timeoutMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${received} of ${bytes} bytes within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= bytes) {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      }
    });
  });
}

/** Bytes that differ from position to position, so a reordering or a lost packet shows in the hash. */
function patterned(length: number, step: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) data[i] = (i * step) % 251;
  return data;
}

const sha1 = (data: Buffer): string => createHash('sha1').update(data).digest('hex');

describe('Class: UtpEndpoint', () => {
  it('connects, carries bytes both ways in order, and closes both ends', async () => {
    const { server, client, accepted, close } = await endpoints();
    try {
      const outgoing = client.connect(HOST, server.port);
      await new Promise<void>((resolve) => outgoing.once('connect', () => resolve()));
      outgoing.write(Buffer.from('request'));
      const incoming = await accepted;
      expect((await readAll(incoming, 7, 5000)).toString()).toBe('request');
      const reply = patterned(3 * 1024 * 1024, 31);
      const read = readAll(outgoing, reply.length, 20_000);
      incoming.write(reply);
      expect(sha1(await read)).toBe(sha1(reply));
      const closed = new Promise<void>((resolve) => outgoing.once('close', () => resolve()));
      incoming.destroy();
      await closed;
      expect(server.connectionCount).toBe(0);
    } finally {
      await close();
    }
  }, 30_000);

  it.each([
    ['one datagram in 10 each way', (_towardsServer: boolean, count: number) => count % 10 === 0],
    // No ack gets through for 300 ms while data goes on arriving with holes: the sender times
    // out, counts packets lost that were received, and learns so from selective acks later.
    ['one in 13 from the server, and every ack for 300 ms', outageAfter(100, 300, 13)],
  ])('delivers byte-exact both ways through a path that loses %s', async (_label, drop) => {
    const { server, client, accepted, close } = await endpoints();
    const relay = await lossyRelay(server.port, drop);
    try {
      const outgoing = client.connect(HOST, relay.port);
      const upload = patterned(256 * 1024, 7);
      outgoing.write(upload);
      const incoming = await accepted;
      expect(sha1(await readAll(incoming, upload.length, 20_000))).toBe(sha1(upload));
      const reply = patterned(1024 * 1024, 13);
      const read = readAll(outgoing, reply.length, 20_000);
      incoming.write(reply);
      expect(sha1(await read)).toBe(sha1(reply));
    } finally {
      relay.close();
      await close();
    }
  }, 45_000);

  it('sends what was written even when the writer reuses its buffer once the write is done, as it may with a TCP socket', async () => {
    // The seeder writes each piece message on its own tick from a pool of buffers and takes a
    // buffer back for the next message as soon as the write's callback runs (src/wire/pieceMessages.ts).
    const { server, client, accepted, close } = await endpoints();
    try {
      const outgoing = client.connect(HOST, server.port);
      outgoing.write(Buffer.from('hello'));
      const incoming = await accepted;
      await readAll(incoming, 5, 5000);
      const messages = Array.from({ length: 64 }, (_, i) => patterned(16 * 1024 + 13, i + 3));
      const expected = Buffer.concat(messages);
      const read = readAll(outgoing, expected.length, 20_000);
      const reused = Buffer.alloc(16 * 1024 + 13);
      for (const message of messages) {
        message.copy(reused);
        await new Promise<void>((resolve, reject) => incoming.write(reused, (error) => (error ? reject(error) : resolve())));
        reused.fill(0xee); // the next message's bytes go here now
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      expect(sha1(await read)).toBe(sha1(expected));
    } finally {
      await close();
    }
  }, 30_000);

  it('hands a connection to its owner only once the peer sent data acknowledging our answer (a spoofed SYN never does)', async () => {
    const { server, client, accepted, close } = await endpoints();
    try {
      let handed = false;
      void accepted.then(() => {
        handed = true;
      });
      const outgoing = client.connect(HOST, server.port);
      await new Promise<void>((resolve) => outgoing.once('connect', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(handed).toBe(false);
      outgoing.write(Buffer.from('x'));
      expect((await readAll(await accepted, 1, 5000)).toString()).toBe('x');
    } finally {
      await close();
    }
  });

  it('answers a packet for an unknown connection with ST_RESET and ignores what is not uTP', async () => {
    const { server, close } = await endpoints();
    const probe = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => probe.bind(0, HOST, () => resolve()));
      const reply = new Promise<Buffer>((resolve) => probe.once('message', (datagram) => resolve(datagram)));
      probe.send(Buffer.from('d1:q4:pinge'), server.port, HOST);
      probe.send(encodeHeader({ type: PacketType.Data, connectionId: 4242, timestamp: 1, timestampDifference: 0, windowSize: 1000, seq: 9, ack: 3 }), server.port, HOST);
      const packet = decodePacket(await reply);
      expect([packet.type, packet.connectionId, packet.ack]).toEqual([PacketType.Reset, 4242, 9]);
      expect(server.connectionCount).toBe(0);
    } finally {
      probe.close();
      await close();
    }
  });
});
