// Random and mutated tracker requests for the fuzz test: HTTP announces and scrapes with bad
// parameters, raw garbage on the HTTP port, and BEP 15 datagrams (garbage, broken connects,
// mutated announces and scrapes). Each runner checks every reply is well-formed and bounded.
import { createSocket } from 'node:dgram';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { decodeBencode } from '../../../src/torrent/index.js';
import type { Rng } from './fuzzRandom.js';
import { escapeBytes, sleep, udpAnnouncePacket, udpConnectPacket } from './seederFixture.js';

/**
 * Longest wait for one reply or close: the tracker may take its registry timeout (5 s) and
 * still answer, and the whole stack shares this process's event loop with the storm.
 */
const REPLY_MS = 15_000;

/**
 * Datagrams per burst, and the pause after each. The sender runs on the tracker's own event
 * loop: unpaced, it would mostly measure the kernel dropping datagrams from a full socket buffer.
 */
const UDP_BURST = 50;
const UDP_PAUSE_MS = 3;

/** What a runner did, and every reply that was not what a tracker may send. */
interface FuzzTally {
  sent: number;
  answered: number;
  readonly problems: string[];
}

/** Statuses the tracker may give bad requests: 200 with a failure reason, or an HTTP error. */
const ALLOWED_STATUSES = new Set([200, 400, 404, 405, 414, 431]);

function infoHashParam(rng: Rng, known: readonly Buffer[]): string {
  switch (rng.int(8)) {
    case 0:
      return escapeBytes(rng.bytes(rng.pick([0, 1, 19, 21, 40])));
    case 1:
      return rng.pick(['%zz', '%4', '%', '%%41', '%G0']) + escapeBytes(rng.bytes(18));
    case 2:
      // Random hashes each cost the registry a lookup: few of them.
      return escapeBytes(rng.chance(0.3) ? rng.bytes(20) : rng.pick(known));
    case 3:
      return Buffer.from(rng.pick(known)).toString('hex');
    default:
      return escapeBytes(rng.pick(known));
  }
}

function numberParam(rng: Rng): string {
  return rng.pick(['0', '1', '-1', '', 'x', '1e9', '9007199254740991', '9007199254740993', '99999999999999999999', '0x10', '%205', '%35', String(rng.uint32())]);
}

/** A tracker request target with random, missing, duplicated and malformed parameters. */
function httpTarget(rng: Rng, known: readonly Buffer[]): string {
  const path = rng.chance(0.85) ? rng.pick(['/announce', '/scrape']) : rng.pick(['/', '/announce/', '/ANNOUNCE', '/scrape.php', '/%00', `/${'a'.repeat(9000)}`]);
  const parts: string[] = [];
  const add = (name: string, value: string): void => {
    if (rng.chance(0.9)) parts.push(`${name}=${value}`);
  };
  for (let i = rng.chance(0.2) ? rng.int(80) : 1; i > 0; i -= 1) add('info_hash', infoHashParam(rng, known));
  add('peer_id', rng.chance(0.8) ? escapeBytes(rng.bytes(20)) : escapeBytes(rng.bytes(rng.int(30))));
  add('port', rng.chance(0.7) ? String(rng.range(1, 65_535)) : rng.pick(['0', '65536', '-1', 'http', '']));
  for (const name of ['uploaded', 'downloaded', 'left']) add(name, rng.chance(0.7) ? String(rng.int(1_000_000)) : numberParam(rng));
  if (rng.chance(0.5)) add('event', rng.pick(['started', 'stopped', 'completed', 'paused', 'empty', '', 'STARTED', 'x'.repeat(300)]));
  if (rng.chance(0.5)) add('numwant', numberParam(rng));
  if (rng.chance(0.5)) add('compact', rng.pick(['0', '1', '2', '']));
  if (rng.chance(0.2)) add('no_peer_id', '1');
  if (rng.chance(0.2)) add(rng.pick(['ip', 'key', 'trackerid', '', '%', 'a%zz']), escapeBytes(rng.bytes(rng.int(20))));
  if (rng.chance(0.1)) parts.push(rng.pick(['&&&', '=', '==', '&=&', 'info_hash']));
  for (let i = parts.length - 1; i > 0 && rng.chance(0.3); i -= 1) {
    const j = rng.int(i + 1);
    [parts[i], parts[j]] = [parts[j] as string, parts[i] as string];
  }
  return `${path}?${parts.join('&')}`;
}

/** Checks a reply body: a bencoded dictionary with a failure reason, peers or scrape files. */
function checkBody(status: number, body: Buffer, method: string): string | undefined {
  if (!ALLOWED_STATUSES.has(status)) return `status ${status}`;
  if (method === 'HEAD' || status !== 200) return undefined;
  try {
    const dict = decodeBencode(body);
    if (!(dict instanceof Map)) return 'reply is not a dictionary';
    if (!dict.has('failure reason') && !dict.has('interval') && !dict.has('files')) return `reply without failure reason, interval or files: ${body.toString('latin1').slice(0, 80)}`;
  } catch (error) {
    return `reply is not bencode: ${String(error)}`;
  }
  return undefined;
}

/** `count` HTTP requests, `concurrency` at a time on keep-alive connections. */
async function fuzzHttp(port: number, rng: Rng, known: readonly Buffer[], count: number, concurrency: number): Promise<FuzzTally> {
  const tally: FuzzTally = { sent: 0, answered: 0, problems: [] };
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const one = async (): Promise<void> => {
    const path = httpTarget(rng, known);
    const method = rng.chance(0.95) ? 'GET' : rng.pick(['POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS']);
    tally.sent += 1;
    await new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, method, agent, timeout: REPLY_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          tally.answered += 1;
          const problem = checkBody(res.statusCode ?? 0, Buffer.concat(chunks), method);
          if (problem !== undefined) tally.problems.push(`HTTP ${method} ${path.slice(0, 120)}: ${problem}`);
          resolve();
        });
        res.on('error', () => resolve());
      });
      req.on('timeout', () => {
        tally.problems.push(`HTTP ${method} ${path.slice(0, 120)}: no reply in ${REPLY_MS} ms`);
        req.destroy();
      });
      req.on('error', () => resolve());
      req.end();
    });
  };
  const lanes = Array.from({ length: concurrency }, async () => {
    while (tally.sent < count) await one();
  });
  await Promise.all(lanes);
  agent.destroy();
  return tally;
}

/** Raw bytes on the HTTP port that are not HTTP: the tracker must answer or hang up, in time. */
async function fuzzRawHttp(port: number, rng: Rng, count: number): Promise<FuzzTally> {
  const tally: FuzzTally = { sent: 0, answered: 0, problems: [] };
  const payloads: Record<string, () => Buffer> = {
    'random bytes': () => rng.bytes(1 + rng.int(2000)),
    'a 20 kB request target': () => Buffer.from(`GET /announce?${'x'.repeat(20_000)} HTTP/1.1\r\nHost: t\r\n\r\n`),
    '3000 headers': () => Buffer.from(`GET /announce HTTP/1.1\r\n${'X-A: b\r\n'.repeat(3000)}\r\n`),
    'a BitTorrent handshake': () => Buffer.from('\x13BitTorrent protocol' + '\0'.repeat(48), 'latin1'),
    'HTTP/9.9': () => Buffer.from(`GET /scrape HTTP/9.9\r\n\r\n`),
    'Content-Length: -1': () => Buffer.from(`GET /announce HTTP/1.1\r\nContent-Length: -1\r\n\r\n`),
  };
  await Promise.all(
    Array.from({ length: count }, async () => {
      tally.sent += 1;
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      const name = rng.pick(Object.keys(payloads));
      const started = Date.now();
      socket.write((payloads[name] as () => Buffer)());
      socket.end();
      const ended = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), REPLY_MS);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (ended) tally.answered += 1;
      else tally.problems.push(`raw HTTP ${name}: connection still open after ${Date.now() - started} ms`);
      socket.destroy();
    }),
  );
  return tally;
}

/** A reply's problem, if it is not a BEP 15 reply we could have caused. */
function checkUdpReply(reply: Buffer, sentIds: ReadonlySet<number>): string | undefined {
  if (reply.length < 8) return `reply of ${reply.length} bytes`;
  const action = reply.readUInt32BE(0);
  if (!sentIds.has(reply.readUInt32BE(4))) return 'reply with a transaction id we never sent';
  const shapes: Record<number, boolean> = {
    0: reply.length === 16,
    1: reply.length >= 20 && (reply.length - 20) % 6 === 0,
    2: (reply.length - 8) % 12 === 0,
    3: reply.length > 8 && !reply.subarray(8).toString('utf8').includes('\ufffd'),
  };
  return shapes[action] === true ? undefined : `malformed reply, action ${action}, ${reply.length} bytes`;
}

/**
 * `count` datagrams in bursts: garbage, connects with a bad magic, announces and scrapes with a
 * valid connection id but broken fields, and with a forged one.
 */
async function fuzzUdp(port: number, rng: Rng, known: readonly Buffer[], count: number): Promise<FuzzTally> {
  const tally: FuzzTally = { sent: 0, answered: 0, problems: [] };
  const socket = createSocket('udp4');
  const sentIds = new Set<number>();
  let connectionId: Buffer | undefined;
  socket.on('message', (reply: Buffer) => {
    tally.answered += 1;
    const problem = checkUdpReply(reply, sentIds);
    if (problem !== undefined && tally.problems.length < 50) tally.problems.push(`UDP: ${problem}`);
    if (reply.length === 16 && reply.readUInt32BE(0) === 0) connectionId = Buffer.from(reply.subarray(8, 16));
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const send = (packet: Buffer): void => {
    tally.sent += 1;
    // Garbage has a "transaction id" too: whatever sits at offset 12, which a reply echoes.
    if (packet.length >= 16) sentIds.add(packet.readUInt32BE(12));
    socket.send(packet, port, '127.0.0.1');
  };
  let transaction = 1;
  const nextId = (): number => {
    transaction += 1;
    sentIds.add(transaction);
    return transaction;
  };
  send(udpConnectPacket(nextId()));
  for (let waited = 0; connectionId === undefined && waited < REPLY_MS; waited += 20) await sleep(20);
  if (connectionId === undefined) return { ...tally, problems: [...tally.problems, 'UDP: no connect reply'] };
  const cid = connectionId;
  while (tally.sent < count) {
    for (let burst = 0; burst < UDP_BURST && tally.sent < count; burst += 1) {
      const id = nextId();
      const hash = rng.chance(0.02) ? rng.bytes(20) : rng.pick(known);
      switch (rng.int(7)) {
        case 0:
          send(rng.bytes(rng.int(120)));
          break;
        case 1: {
          const packet = udpConnectPacket(id);
          if (rng.chance(0.5)) packet.writeUInt32BE(rng.uint32(), rng.pick([0, 4]));
          send(rng.chance(0.3) ? packet.subarray(0, rng.int(16)) : Buffer.concat([packet, rng.bytes(rng.int(8))]));
          break;
        }
        case 2:
        case 3: {
          const packet = udpAnnouncePacket(cid, id, hash);
          const field = rng.pick([56, 64, 72, 80, 92, 96]);
          if (field === 96) packet.writeUInt16BE(rng.pick([0, rng.int(65_536)]), 96);
          else packet.writeUInt32BE(rng.edgyUint32(), field);
          send(rng.chance(0.2) ? packet.subarray(0, 16 + rng.int(82)) : Buffer.concat([packet, rng.bytes(rng.chance(0.8) ? 0 : rng.int(60))]));
          break;
        }
        case 4: {
          const hashes = Buffer.concat(Array.from({ length: rng.int(80) }, () => (rng.chance(0.1) ? rng.bytes(20) : rng.pick(known))));
          const packet = Buffer.concat([cid, Buffer.from([0, 0, 0, 2]), Buffer.alloc(4), hashes, rng.chance(0.1) ? rng.bytes(1 + rng.int(19)) : Buffer.alloc(0)]);
          packet.writeUInt32BE(id, 12);
          send(packet);
          break;
        }
        case 5: {
          // A forged or stale connection id: answered with an error, nothing else.
          send(udpAnnouncePacket(rng.bytes(8), id, hash));
          break;
        }
        default: {
          const packet = Buffer.concat([cid, Buffer.alloc(8), rng.bytes(rng.int(40))]);
          packet.writeUInt32BE(rng.range(3, 0xffff), 8);
          packet.writeUInt32BE(id, 12);
          send(packet);
        }
      }
    }
    // Let the tracker (same process) drain its socket before the next burst.
    await sleep(UDP_PAUSE_MS);
  }
  await sleep(500);
  socket.close();
  return tally;
}

export { fuzzHttp, fuzzRawHttp, fuzzUdp };
export type { FuzzTally };
