// Throws tens of thousands of random and mutated HTTP requests and UDP datagrams at a running
// tracker while an honest client keeps announcing, and checks the tracker stays up and keeps
// answering that client correctly. Seeded, so a failure can be replayed.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TrackerServer } from '../../../src/tracker/index.js';
import { UdpTrackerClient, announceQuery, bdict, compactPeers, httpGet, udpPeers } from './trackerClients.js';

const SEED = Number(process.env['TRACKER_FUZZ_SEED'] ?? 0x5eed);
const FUZZ_HASH = Buffer.alloc(20, 0xab);
/** The honest pair's torrent: the fuzzer never derives from it, so its swarm holds exactly them. */
const HONEST_HASH = Buffer.alloc(20, 0x11);
const HTTP_REQUESTS = 12_000;
const RAW_TCP_CONNECTIONS = 600;
const UDP_PACKETS = 24_000;
const HTTP_CONCURRENCY = 32;
/** Tries of an honest UDP announce: the flooded socket may drop a datagram, and clients retransmit. */
const UDP_ATTEMPTS = 4;
/** The whole barrage must be over within this; the test's own limit is above it. */
const BUDGET_MS = 20_000;

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const int = (n: number): number => Math.floor(random() * n);
const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));

const TOKENS = ['%', '%0', '%zz', '&', '=', '==', '&&', '+', '%00', '%ff', '?', '/', 'info_hash=', 'port=', 'event=stopped', 'numwant=99999999999999999999', 'left=-1', 'compact=0'];

/** A valid announce or scrape target with a few random edits; only characters Node's client sends. */
function mutatedTarget(): string {
  const base =
    random() < 0.7
      ? `/announce?${announceQuery({ infoHash: FUZZ_HASH, port: 1 + int(65535), left: int(1000), event: ['started', 'completed', 'stopped', ''][int(4)], numwant: int(300) })}`
      : `/scrape?info_hash=${[...FUZZ_HASH].map((b) => `%${b.toString(16)}`).join('')}`;
  let target = base;
  for (let edits = 1 + int(4); edits > 0; edits -= 1) {
    const at = int(target.length + 1);
    const roll = random();
    if (roll < 0.3) target = target.slice(0, at) + target.slice(at + 1 + int(8));
    else if (roll < 0.6) target = target.slice(0, at) + (TOKENS[int(TOKENS.length)] as string) + target.slice(at);
    else if (roll < 0.9) target = target.slice(0, at) + String.fromCharCode(0x21 + int(0xde)) + target.slice(at + 1);
    else target = target.slice(0, at) + 'A'.repeat(int(12_000)) + target.slice(at);
  }
  return target.startsWith('/') ? target : `/${target}`;
}

async function fuzzHttp(port: number, deadline: number): Promise<{ sent: number; answered: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: HTTP_CONCURRENCY });
  let sent = 0;
  let answered = 0;
  const one = async (): Promise<void> =>
    new Promise((resolve) => {
      const method = random() < 0.95 ? 'GET' : ['POST', 'PUT', 'HEAD', 'DELETE'][int(4)];
      const req = request({ host: random() < 0.5 ? '127.0.0.1' : '::1', port, path: mutatedTarget(), method, agent, timeout: 3000 }, (res) => {
        res.resume();
        res.on('end', () => {
          answered += 1;
          resolve();
        });
        res.on('error', () => resolve());
      });
      req.on('error', () => resolve());
      req.on('timeout', () => req.destroy());
      req.end();
    });
  const lanes = Array.from({ length: HTTP_CONCURRENCY }, async () => {
    while (sent < HTTP_REQUESTS && Date.now() < deadline) {
      sent += 1;
      await one();
    }
  });
  await Promise.all(lanes);
  agent.destroy();
  return { sent, answered };
}

/** Raw bytes over TCP: random garbage, or a request line with bytes Node's client would refuse to send. */
async function fuzzRawTcp(port: number, deadline: number): Promise<number> {
  let sent = 0;
  const one = async (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.setTimeout(2000, () => socket.destroy());
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.on('data', () => undefined);
      socket.on('connect', () => {
        const payload = random() < 0.5 ? bytes(int(3000)) : Buffer.concat([Buffer.from(`GET /announce?info_hash=`), bytes(int(64)), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]);
        socket.end(payload);
      });
    });
  while (sent < RAW_TCP_CONNECTIONS && Date.now() < deadline) {
    const batch = Array.from({ length: 20 }, async () => one());
    sent += batch.length;
    await Promise.all(batch);
  }
  return sent;
}

async function fuzzUdp(port: number, deadline: number): Promise<number> {
  const clients = await Promise.all([UdpTrackerClient.open('127.0.0.1', port), UdpTrackerClient.open('::1', port)]);
  let sent = 0;
  try {
    const ids = await Promise.all(clients.map(async (c) => c.connect()));
    while (sent < UDP_PACKETS && Date.now() < deadline) {
      for (let i = 0; i < 200; i += 1) {
        const which = int(2);
        const client = clients[which] as UdpTrackerClient;
        const roll = random();
        let packet: Buffer;
        if (roll < 0.3) {
          packet = bytes(int(120));
        } else {
          // A well-formed announce, scrape or connect with a valid id, then mutated.
          const head = Buffer.alloc(16);
          (ids[which] as Buffer).copy(head, 0);
          const action = int(4);
          head.writeUInt32BE(action, 8);
          head.writeUInt32BE(int(0xffffffff), 12);
          if (action === 0) head.writeBigUInt64BE(0x41727101980n, 0);
          const body = action === 1 ? UdpTrackerClient.announceBody({ infoHash: FUZZ_HASH, port: 1 + int(65535), numwant: int(400) - 1 }) : Buffer.concat(Array.from({ length: int(80) }, () => FUZZ_HASH));
          packet = Buffer.concat([head, body]);
          for (let edits = int(4); edits > 0; edits -= 1) packet[int(packet.length)] = int(256);
          if (random() < 0.2) packet = packet.subarray(0, int(packet.length));
        }
        client.sendRaw(packet);
        sent += 1;
      }
      // Let the tracker and the socket drain; a flood with no pause only fills kernel buffers.
      await sleep(1);
    }
  } finally {
    await Promise.all(clients.map(async (c) => c.close()));
  }
  return sent;
}

let udpRetries = 0;

/** One honest HTTP and UDP announce; resolves to the problems seen (none: correct answers). */
async function honestRound(port: number, udp: UdpTrackerClient, connectionId: Buffer): Promise<string[]> {
  const problems: string[] = [];
  const http = await httpGet('127.0.0.1', port, `/announce?${announceQuery({ infoHash: HONEST_HASH, port: 9001 })}`);
  const peers = compactPeers(bdict(http.body).get('peers') as Uint8Array, 6);
  if (http.status !== 200 || peers.join() !== '127.0.0.1:6881,127.0.0.1:9002') problems.push(`HTTP announce got ${http.status} ${peers.join()}`);
  const udpReply = await udp.announceWithRetries(connectionId, { infoHash: HONEST_HASH, port: 9002 }, UDP_ATTEMPTS, 1_000);
  udpRetries += udpReply.retries;
  const udpList = udpPeers(udpReply.reply, 6);
  if (udpList.join() !== '127.0.0.1:6881,127.0.0.1:9001') problems.push(`UDP announce got ${udpList.join()}`);
  return problems;
}

/** The tracker's memory budget here: what the barrage stores must stay within it. */
const FUZZ_MEMORY_BYTES = 16 * 1024 * 1024;

describe('TrackerServer under fuzzing', () => {
  it('stays up and keeps answering an honest client correctly', async () => {
    const honestHex = HONEST_HASH.toString('hex');
    const fuzzHex = FUZZ_HASH.toString('hex');
    const tracker = await TrackerServer.start({
      hosts: ['127.0.0.1', '::1'],
      port: 0,
      registry: { isServable: async (hex) => hex === honestHex || hex === fuzzHex },
      seeders: () => [{ ip: '127.0.0.1', port: 6881 }],
      memoryBytes: FUZZ_MEMORY_BYTES,
    });
    const honest = await UdpTrackerClient.open('127.0.0.1', tracker.port);
    try {
      const id = await honest.connect();
      // Both honest peers are known before the barrage, so every round expects the same answer.
      await httpGet('127.0.0.1', tracker.port, `/announce?${announceQuery({ infoHash: HONEST_HASH, port: 9001 })}`);
      await honest.announce(id, { infoHash: HONEST_HASH, port: 9002 });

      const started = Date.now();
      const deadline = started + BUDGET_MS;
      let fuzzing = true;
      const barrage = Promise.all([fuzzHttp(tracker.port, deadline), fuzzRawTcp(tracker.port, deadline), fuzzUdp(tracker.port, deadline)]).finally(() => {
        fuzzing = false;
      });
      const problems: string[] = [];
      let rounds = 0;
      while (fuzzing && Date.now() < deadline + 5_000) {
        problems.push(...(await honestRound(tracker.port, honest, id)));
        rounds += 1;
        await sleep(20);
      }
      const [http, rawTcp, udp] = await barrage;
      const elapsed = Date.now() - started;
      problems.push(...(await honestRound(tracker.port, honest, id)));

      process.stderr.write(
        `tracker fuzz (seed ${SEED}): ${http.sent} HTTP requests (${http.answered} answered), ${rawTcp} raw TCP connections, ${udp} UDP datagrams, ` +
          `${rounds} honest rounds (${udpRetries} UDP retransmits), in ${elapsed} ms; now ${JSON.stringify(tracker.stats())}\n`,
      );
      expect(problems).toEqual([]);
      expect(http.sent + rawTcp + udp).toBeGreaterThanOrEqual(20_000);
      expect(rounds).toBeGreaterThan(10);
      expect(elapsed).toBeLessThan(BUDGET_MS + 5_000);
      expect(tracker.stats().memoryBytes).toBeLessThanOrEqual(FUZZ_MEMORY_BYTES);
    } finally {
      await honest.close();
      await tracker.close();
    }
  }, 60_000);
});
