import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import type { LocalStack } from '../../../src/local/index.js';
import { parseTorrent } from '../../../src/torrent/index.js';
import { HANDSHAKE_LENGTH, MessageFramer, decodeHandshake, decodeMessage, encodeHandshake } from '../../../src/wire/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { PeerClient, torrentInfoOf } from '../../helpers/peerClient.js';
import type { TorrentInfo } from '../../helpers/peerClient.js';
import { fetchWhenReady, startTestStack, torrentUrl, upload } from '../flow/localStackHarness.js';
import { httpAnnounce, seederOf, sleep } from './seederFixture.js';

// A hybrid torrent has two infohashes and one set of pieces. How the seeder answers on each
// decides whether libtorrent (and so qBittorrent and Deluge) keeps the connection: libtorrent
// accepts a truncated-v2 answer whatever it sent, but refuses a v1 answer as "invalid info-hash"
// when its v2 tracker reply arrived while it was handshaking, then waits 60 s (qBittorrent's
// default) before it tries again. These checks pin the behaviour libtorrent relies on.

const KEY = 'hybrid/handshake.bin';
const SIZE = 3 * 1024 * 1024 + 777;
const WAIT_MS = 10_000;
/** After the first dial, how long to look for a second one before counting. */
const SECOND_DIAL_WINDOW_MS = 2_000;

interface Hybrid {
  readonly torrent: TorrentInfo;
  readonly v1: Buffer;
  readonly v2: Buffer;
}

/** A leecher that only listens: records each connection the seeder dials and answers its handshake. */
class ListeningLeecher {
  public readonly dials: Array<{ offered: Buffer; v2Bit: boolean; firstMessage: string | undefined }> = [];
  private constructor(private readonly server: Server, private readonly sockets: Set<Socket>, public readonly port: number) {}

  /** `answer` picks the infohash we reply with, from the one the seeder offered. */
  public static async start(answer: (offered: Buffer) => Buffer): Promise<ListeningLeecher> {
    const sockets = new Set<Socket>();
    let leecher: ListeningLeecher | undefined;
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      const framer = new MessageFramer();
      let dial: ListeningLeecher['dials'][number] | undefined;
      socket.on('data', (chunk: Buffer) => {
        framer.push(chunk);
        if (dial === undefined) {
          const raw = framer.take(HANDSHAKE_LENGTH);
          if (raw === undefined) return;
          const theirs = decodeHandshake(raw);
          dial = { offered: theirs.infoHash, v2Bit: theirs.capabilities.v2, firstMessage: undefined };
          leecher?.dials.push(dial);
          socket.write(encodeHandshake({
            infoHash: answer(theirs.infoHash),
            peerId: Buffer.concat([Buffer.from('-LT2080-', 'latin1'), randomBytes(12)]),
            capabilities: { extended: false, fast: true, v2: true },
          }));
        }
        const body = framer.next();
        if (body !== undefined && dial.firstMessage === undefined) dial.firstMessage = decodeMessage(body).type;
      });
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const address = server.address();
    leecher = new ListeningLeecher(server, sockets, typeof address === 'object' && address !== null ? address.port : 0);
    return leecher;
  }

  public async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('Seeder: the two infohashes of a hybrid torrent (BEP 52)', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  let hybrid: Hybrid;
  const data = pseudoRandomBytes(SIZE, 'hybrid-handshake');

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('hybrid-handshake'));
    stack = await startTestStack(join(dir, 'stack'), { env: { S3TORRENT_LOCAL_WEBSEEDS: 'off' } });
    await upload(stack, KEY, data);
    await fetchWhenReady(torrentUrl(stack, KEY));
    const bytes = new Uint8Array(await (await fetchWhenReady(torrentUrl(stack, KEY, 'torrent&format=hybrid'))).arrayBuffer());
    const summary = parseTorrent(bytes);
    if (summary.infoHashV1 === undefined || summary.infoHashV2 === undefined) throw new Error('not a hybrid torrent');
    hybrid = { torrent: torrentInfoOf(bytes), v1: Buffer.from(summary.infoHashV1, 'hex'), v2: Buffer.from(summary.infoHashV2, 'hex').subarray(0, 20) };
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await cleanup?.();
  });

  it('upgrades a v2-capable peer on the v1 infohash to the truncated v2 one, and serves it verified pieces', async () => {
    const opened = await PeerClient.open({
      port: seederOf(stack).peerPort, torrent: hybrid.torrent, infoHash: hybrid.v1, expectedInfoHash: hybrid.v2,
      capabilities: { v2: true }, timeoutMs: WAIT_MS,
    });
    if (!opened.ok) throw new Error(`handshake: ${opened.detail}`);
    const { client } = opened;
    try {
      client.interested();
      const unchoked = await client.waitForUnchoke();
      expect(unchoked.ok).toBe(true);
      const last = hybrid.torrent.pieceCount - 1;
      const piece = await client.requestPiece(last);
      if (!piece.ok) throw new Error(`piece ${last}: ${piece.detail}`);
      const expected = hybrid.torrent.pieceHashes.subarray(last * 20, last * 20 + 20);
      expect(createHash('sha1').update(piece.data).digest()).toEqual(expected);
    } finally {
      client.close();
    }
  });

  it('answers a v1-only peer on the v1 infohash with the v1 infohash, and a v2 handshake with the v2 one', async () => {
    for (const [sent, v2Bit] of [[hybrid.v1, false], [hybrid.v2, true], [hybrid.v2, false]] as const) {
      const opened = await PeerClient.open({
        port: seederOf(stack).peerPort, torrent: hybrid.torrent, infoHash: sent, capabilities: { v2: v2Bit }, timeoutMs: WAIT_MS,
      });
      if (!opened.ok) throw new Error(`handshake on ${sent.toString('hex')} (v2 bit ${v2Bit}): ${opened.detail}`);
      opened.client.close();
    }
  });

  it('dials a leecher that announced both infohashes once, and keeps the connection when it answers with the other infohash', async () => {
    const leecher = await ListeningLeecher.start((offered) => (offered.equals(hybrid.v1) ? hybrid.v2 : hybrid.v1));
    try {
      const trackerPort = seederOf(stack).trackerPort;
      await httpAnnounce(trackerPort, hybrid.v1, leecher.port);
      await httpAnnounce(trackerPort, hybrid.v2, leecher.port);
      await until(() => leecher.dials.length > 0, 'the seeder to dial');
      await sleep(SECOND_DIAL_WINDOW_MS);
      expect(leecher.dials).toHaveLength(1);
      await until(() => leecher.dials[0]?.firstMessage !== undefined, 'the seeder to go on after our handshake');
      // have-all (the leecher said fast): the seeder took the other infohash as the same torrent.
      expect(leecher.dials[0]).toMatchObject({ v2Bit: true, firstMessage: 'haveAll' });
    } finally {
      await leecher.stop();
    }
  });
});
