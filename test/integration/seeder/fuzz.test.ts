import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { LocalStack } from '../../../src/local/index.js';
import { decodeBencode, parseTorrent } from '../../../src/torrent/index.js';
import { encodeHandshake } from '../../../src/wire/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { PeerClient } from '../../helpers/peerClient.js';
import type { TorrentInfo } from '../../helpers/peerClient.js';
import { fetchWhenReady, startTestStack, torrentUrl } from '../flow/localStackHarness.js';
import { Rng } from './fuzzRandom.js';
import { httpAnnounce, publish, seederOf, udpAnnounce } from './seederFixture.js';
import { fuzzHttp, fuzzRawHttp, fuzzUdp } from './trackerFuzz.js';
import type { FuzzTally } from './trackerFuzz.js';
import { MARKER_BASE, fatalMessage, marker, mutate, toleratedMessage } from './wireFuzz.js';
import type { WireTarget } from './wireFuzz.js';

const MiB = 1024 * 1024;
const KEY = 'fuzz/object.bin';

/** Well-formed oddities per connection, written in one go then checked with a marker. */
const TOLERATED_PER_CONNECTION = 1_500;

/** Connections of each kind in the storm. */
const PLAN = { tolerated: 64, fatal: 400, mutated: 300, random: 150, preHandshake: 100, unknownHash: 30 } as const;

/** Connections in flight at once: enough to overlap, few enough to leave the honest peer a slot. */
const LANES = 12;

/** Bound of each wait on the seeder (a reply, a hang-up). */
const WAIT_MS = 10_000;

type Kind = keyof typeof PLAN;

/** An infohash the object is served under, with what the generators need to aim at it. */
interface Face {
  readonly infoHash: Buffer;
  readonly piecesRoot: Buffer | undefined;
  /** What the seeder answers a v2-capable peer with: the truncated v2 infohash on a hybrid (BEP 52). */
  readonly answer: Buffer;
}

/** The hybrid torrent's v1 infohash, truncated v2 infohash and pieces root. */
async function hybridFaces(stack: LocalStack): Promise<Face[]> {
  const reply = await fetchWhenReady(torrentUrl(stack, KEY, 'torrent&format=hybrid'));
  const bytes = new Uint8Array(await reply.arrayBuffer());
  const summary = parseTorrent(bytes);
  const root = decodeBencode(bytes);
  const info = root instanceof Map ? root.get('info') : undefined;
  const tree = info instanceof Map ? info.get('file tree') : undefined;
  const file = tree instanceof Map ? tree.get(Buffer.from(summary.name, 'utf8').toString('latin1')) : undefined;
  const leaf = file instanceof Map ? file.get('') : undefined;
  const piecesRoot = leaf instanceof Map ? leaf.get('pieces root') : undefined;
  if (!(piecesRoot instanceof Uint8Array) || summary.infoHashV1 === undefined || summary.infoHashV2 === undefined) throw new Error('not a hybrid torrent');
  const v2 = Buffer.from(summary.infoHashV2, 'hex').subarray(0, 20);
  return [
    { infoHash: Buffer.from(summary.infoHashV1, 'hex'), piecesRoot: Buffer.from(piecesRoot), answer: v2 },
    { infoHash: v2, piecesRoot: Buffer.from(piecesRoot), answer: v2 },
  ];
}

/** A framed message of any id (0–255) with any payload up to 100 bytes: often fatal, never a crash. */
function randomMessage(rng: Rng): Buffer {
  const body = Buffer.concat([Buffer.from([rng.int(256)]), rng.bytes(rng.int(100))]);
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(body.length, 0);
  return Buffer.concat([prefix, body]);
}

/** What the storm did and what went wrong: messages sent, messages the seeder provably read. */
interface StormTally {
  sent: number;
  confirmed: number;
  connections: number;
  readonly problems: string[];
}

describe('Seeder: fuzzed peer wire and tracker', () => {
  let stack: LocalStack;
  let torrent: TorrentInfo;
  let faces: Face[];
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('seeder-fuzz'));
    stack = await startTestStack(join(dir, 'data'), { env: { S3TORRENT_LOCAL_WEBSEEDS: 'off' } });
    // 13 pieces of 256 KiB, the last one 12,345 bytes: the odd tail is where off-by-ones live.
    torrent = await publish(stack, KEY, pseudoRandomBytes(3 * MiB + 12_345, 'seeder-fuzz'));
    faces = [{ infoHash: torrent.infoHash, piecesRoot: undefined, answer: torrent.infoHash }, ...(await hybridFaces(stack))];
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await cleanup?.();
  });

  /** One storm connection of `kind`; what it sent and read goes into `tally`. */
  async function stormConnection(rng: Rng, kind: Kind, id: number, tally: StormTally): Promise<void> {
    const { peerPort } = seederOf(stack);
    const face = rng.pick(faces);
    const fast = rng.chance(0.7);
    const target: WireTarget = { pieceCount: torrent.pieceCount, pieceLength: torrent.pieceLength, size: torrent.size, fast, piecesRoot: face.piecesRoot };
    const label = `connection ${id} (${kind}, fast=${fast}, infohash ${face.infoHash.toString('hex')})`;
    tally.connections += 1;
    if (kind === 'preHandshake' || kind === 'unknownHash') {
      const client = await PeerClient.connect({ port: peerPort, torrent, timeoutMs: WAIT_MS });
      const bytes =
        kind === 'unknownHash'
          ? encodeHandshake({ infoHash: randomBytes(20), peerId: randomBytes(20), capabilities: { fast, extended: true, v2: false } })
          : Buffer.concat([rng.chance(0.3) ? Buffer.from([19]) : Buffer.alloc(0), rng.bytes(68 + rng.int(200))]);
      client.send(bytes);
      tally.sent += 1;
      if (!(await client.waitClosed(WAIT_MS))) tally.problems.push(`${label}: still open`);
      else if (client.bytesReceived > 0) tally.problems.push(`${label}: got ${client.bytesReceived} bytes before the hang-up`);
      else tally.confirmed += 1;
      client.close();
      return;
    }
    const opened = await PeerClient.open({ port: peerPort, torrent, infoHash: face.infoHash, expectedInfoHash: face.answer, capabilities: { fast, v2: face.piecesRoot !== undefined }, timeoutMs: WAIT_MS });
    if (!opened.ok) {
      tally.problems.push(`${label}: handshake failed: ${opened.detail}`);
      return;
    }
    const { client } = opened;
    try {
      const messages: Buffer[] = [];
      const prefix = kind === 'tolerated' ? TOLERATED_PER_CONNECTION : rng.int(50);
      for (let i = 0; i < prefix; i += 1) messages.push(toleratedMessage(rng, target));
      if (kind === 'tolerated' || kind === 'fatal') {
        const fatal = kind === 'fatal' ? fatalMessage(rng, target) : undefined;
        if (fatal !== undefined) messages.push(fatal.bytes);
        messages.push(marker(id));
        client.send(Buffer.concat(messages));
        tally.sent += messages.length;
        if (fatal === undefined) {
          const read = await client.until(() => client.hashReplies.has(MARKER_BASE + id), 'the marker reply', WAIT_MS);
          if (read.ok) tally.confirmed += messages.length;
          else tally.problems.push(`${label}: a well-formed batch ended in ${read.kind}: ${read.detail}`);
        } else {
          const closed = await client.waitClosed(WAIT_MS);
          if (!closed || client.hashReplies.has(MARKER_BASE + id)) tally.problems.push(`${label}: kept the connection after ${fatal.what}`);
          else tally.confirmed += messages.length - 1;
        }
      } else {
        // 'random': framed messages of any id and size; 'mutated': a damaged well-formed stream.
        if (kind === 'random') for (let i = 0; i < 100; i += 1) messages.push(randomMessage(rng));
        const stream = kind === 'mutated' ? mutate(rng, Buffer.concat(messages)) : Buffer.concat(messages);
        client.send(stream);
        tally.sent += messages.length;
        // Our end of the stream: whatever the seeder made of it, it must hang up in time.
        client.end();
        if (!(await client.waitClosed(WAIT_MS))) tally.problems.push(`${label}: still open after our FIN`);
      }
      if (client.closedReason?.startsWith('the seeder sent garbage') === true) tally.problems.push(`${label}: ${client.closedReason}`);
    } finally {
      client.close();
    }
  }

  it('survives 100,000+ random and mutated messages while an honest peer downloads, and serves afterwards', async () => {
    // Prepare
    const rng = Rng.fromEnv();
    console.log(`fuzz seed ${rng.seed} (replay: S3TORRENT_FUZZ_SEED=${rng.seed})`);
    const { peerPort, trackerPort } = seederOf(stack);
    const known = faces.map((face) => face.infoHash);
    const schedule: Kind[] = (Object.entries(PLAN) as Array<[Kind, number]>).flatMap(([kind, n]) => Array<Kind>(n).fill(kind));
    for (let i = schedule.length - 1; i > 0; i -= 1) {
      const j = rng.int(i + 1);
      [schedule[i], schedule[j]] = [schedule[j] as Kind, schedule[i] as Kind];
    }
    // Each lane has its own generator, seeded from the main one: lanes interleave by timing,
    // and a shared generator would make the bytes depend on it.
    const wire: StormTally = { sent: 0, confirmed: 0, connections: 0, problems: [] };
    let next = 0;
    const started = Date.now();

    // Act: the storm, the tracker storm and an honest download, all at once.
    const lanes = Array.from({ length: LANES }, async (_, lane) => {
      const laneRng = new Rng(rng.uint32() ^ lane);
      while (next < schedule.length) {
        const id = next;
        next += 1;
        await stormConnection(laneRng, schedule[id] as Kind, id, wire);
      }
    });
    const trackerRng = new Rng(rng.uint32());
    const trackerStorm = Promise.all([
      fuzzHttp(trackerPort, new Rng(trackerRng.uint32()), known, 3_000, 8),
      fuzzRawHttp(trackerPort, new Rng(trackerRng.uint32()), 40),
      fuzzUdp(trackerPort, new Rng(trackerRng.uint32()), known, 20_000),
    ]);
    const honest = (async () => {
      const opened = await PeerClient.open({ port: peerPort, torrent, timeoutMs: 30_000 });
      if (!opened.ok) return opened;
      const metadata = await opened.client.fetchMetadata();
      const data = await opened.client.downloadAll();
      opened.client.close();
      return metadata.ok ? data : metadata;
    })();
    const [, trackerTallies, download] = await Promise.all([Promise.all(lanes), trackerStorm, honest]);
    const stormMs = Date.now() - started;

    // Assess: the honest peer got every byte, checked, during the storm.
    expect(download).toMatchObject({ ok: true });
    expect(download.ok ? download.data.equals(pseudoRandomBytes(3 * MiB + 12_345, 'seeder-fuzz')) : false).toBe(true);
    const [httpTally, raw, udpTally] = trackerTallies as [FuzzTally, FuzzTally, FuzzTally];
    const trackerSent = httpTally.sent + raw.sent + udpTally.sent;
    console.log(
      `fuzz: ${wire.sent + trackerSent} messages in ${stormMs} ms: peer wire ${wire.sent} sent on ${wire.connections} connections ` +
        `(${wire.confirmed} provably read), tracker HTTP ${httpTally.sent} (${httpTally.answered} answered), raw HTTP ${raw.sent}, ` +
        `UDP ${udpTally.sent} (${udpTally.answered} answered)`,
    );
    expect(wire.problems).toEqual([]);
    expect([...httpTally.problems, ...raw.problems, ...udpTally.problems]).toEqual([]);
    expect(wire.sent + trackerSent).toBeGreaterThanOrEqual(100_000);
    expect(wire.confirmed).toBeGreaterThanOrEqual(PLAN.tolerated * TOLERATED_PER_CONNECTION);
    expect(httpTally.answered).toBe(httpTally.sent);

    // Assess: afterwards a fresh honest peer is served and the tracker answers a valid announce.
    const fresh = await PeerClient.open({ port: peerPort, torrent, timeoutMs: 30_000 });
    expect(fresh).toMatchObject({ ok: true });
    const again = fresh.ok ? await fresh.client.downloadAll() : fresh;
    if (fresh.ok) fresh.client.close();
    expect(again).toMatchObject({ ok: true });
    // The storm's announces are peers of the torrent now; the seeder must still come first.
    const seederAddress = `127.0.0.1:${peerPort}`;
    const http = await httpAnnounce(trackerPort, torrent.infoHash);
    const udp = await udpAnnounce(trackerPort, torrent.infoHash);
    expect('peers' in http ? http.peers[0] : http).toBe(seederAddress);
    expect(udp !== undefined && 'peers' in udp ? udp.peers[0] : udp).toBe(seederAddress);
  }, 120_000);
});
