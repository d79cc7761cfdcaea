import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { LocalStack } from '../../../src/local/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { PeerClient } from '../../helpers/peerClient.js';
import type { PeerResult, TorrentInfo } from '../../helpers/peerClient.js';
import { loopbackHosts } from '../../../src/local/ports.js';
import { startTestStack } from '../flow/localStackHarness.js';
import { httpAnnounce, publish, seederOf, sleep, udpAnnounce } from './seederFixture.js';

const MiB = 1024 * 1024;

/**
 * Peers held at once. They all come from 127.0.0.1, so they only fit because the local stack
 * raises the seeder's per-address limit to 1000 (LocalStack.ts: "every local peer is on
 * 127.0.0.1"); the production default (PeerServerDefaults.maxConnectionsPerIp = 32) would turn
 * away all but 32 of them, by design: one host must not take every slot.
 */
const PEERS = 200;

/** How long the connections are held open before anyone downloads. */
const HOLD_MS = 3_000;

/** Bound of each peer's every wait; 136 of the 200 wait for one of the 64 unchoke slots. */
const PEER_TIMEOUT_MS = 30_000;

/** A full v1 bitfield, spare bits clear (BEP 3), computed here rather than taken from src/wire: it checks the seeder's. */
function fullBitfield(pieceCount: number): Buffer {
  const bits = Buffer.alloc(Math.ceil(pieceCount / 8), 0xff);
  const spare = bits.length * 8 - pieceCount;
  if (spare > 0) bits[bits.length - 1] = (0xff << spare) & 0xff;
  return bits;
}

describe('Seeder: many peers at once', () => {
  let stack: LocalStack;
  let torrent: TorrentInfo;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('seeder-load'));
    // No url-list: what the peers get comes from the seeder alone.
    stack = await startTestStack(join(dir, 'data'), { env: { S3TORRENT_LOCAL_WEBSEEDS: 'off' } });
    // 13 pieces of 256 KiB, the last one 12,345 bytes (not a whole block).
    torrent = await publish(stack, 'load/object.bin', pseudoRandomBytes(3 * MiB + 12_345, 'seeder-load'));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await cleanup?.();
  });

  it(`holds ${PEERS} concurrent connections through handshake and keep-alives, then serves each a verified piece`, async () => {
    // Prepare: half the peers speak the fast extension (have-all), half do not (bitfield).
    const { peerPort } = seederOf(stack);
    const opened = await Promise.all(
      Array.from({ length: PEERS }, async (_, i) =>
        PeerClient.open({ port: peerPort, torrent, capabilities: { fast: i % 2 === 0 }, timeoutMs: PEER_TIMEOUT_MS }),
      ),
    );
    const failures = opened.filter((result) => !result.ok);
    expect(failures).toEqual([]);
    const clients = opened.map((result) => (result.ok ? result.client : undefined)).filter((c): c is PeerClient => c !== undefined);
    expect(clients.filter((c) => c.have === 'all')).toHaveLength(PEERS / 2);
    const bitfields = clients.filter((c) => c.have !== 'all').map((c) => Buffer.from(c.have as Buffer).toString('hex'));
    expect(new Set(bitfields)).toEqual(new Set([fullBitfield(torrent.pieceCount).toString('hex')]));
    expect(bitfields).toHaveLength(PEERS / 2);

    // Act 1: every peer idles for a few seconds, sending BEP 3 keep-alives.
    for (let waited = 0; waited < HOLD_MS; waited += 1000) {
      for (const client of clients) client.keepAlive();
      await sleep(1000);
    }
    // Assess 1
    expect(clients.filter((c) => c.closed).map((c) => c.closedReason)).toEqual([]);

    // Act 2: each asks for one piece (all pieces covered, the odd tail too), then steps back so
    // that its unchoke slot goes to the next in line, as a finished leecher does.
    const downloads = await Promise.all(
      clients.map(async (client, i): Promise<PeerResult<object>> => {
        client.interested();
        const unchoked = await client.waitForUnchoke();
        if (!unchoked.ok) return unchoked;
        const piece = await client.downloadPiece(i % torrent.pieceCount);
        client.notInterested();
        return piece.ok ? { ok: true } : piece;
      }),
    );
    // Assess 2
    expect(downloads.filter((d) => !d.ok)).toEqual([]);
    expect(clients.filter((c) => c.closed)).toHaveLength(0);
    for (const client of clients) client.close();
  }, 120_000);

  it('serves peers over IPv6 as over IPv4 (when this machine has ::1)', async () => {
    // Prepare
    const { peerPort } = seederOf(stack);
    const hosts = await loopbackHosts();
    // Act
    const results = await Promise.all(hosts.map(async (host) => {
      const opened = await PeerClient.open({ port: peerPort, host, torrent, timeoutMs: PEER_TIMEOUT_MS });
      if (!opened.ok) return { host, failure: opened.kind };
      opened.client.interested();
      const all = await opened.client.downloadAll();
      opened.client.close();
      return all.ok ? { host, bytes: all.data.length } : { host, failure: all.kind };
    }));
    // Assess: the whole object, every piece checked against its SHA-1, on each address.
    expect(results).toEqual(hosts.map((host) => ({ host, bytes: torrent.size })));
  }, 60_000);

  it('gives an unknown infohash no bytes: the seeder hangs up, the tracker refuses it over HTTP and UDP', async () => {
    // Prepare
    const { peerPort, trackerPort } = seederOf(stack);
    const unknown = randomBytes(20);
    // Act
    const client = await PeerClient.connect({ port: peerPort, torrent, infoHash: unknown });
    const shook = await client.handshake();
    const http = await httpAnnounce(trackerPort, unknown);
    const udp = await udpAnnounce(trackerPort, unknown);
    // Assess
    expect(shook).toMatchObject({ ok: false, kind: 'closed', closed: true });
    expect(client.bytesReceived).toBe(0);
    expect(http).toEqual({ failure: 'unknown or unpublished torrent' });
    expect(udp).toEqual({ error: 'unknown or unpublished torrent' });
    // The published torrent, by contrast, is announced with the seeder as its peer.
    expect(await httpAnnounce(trackerPort, torrent.infoHash)).toMatchObject({ peers: [`127.0.0.1:${peerPort}`] });
    expect(await udpAnnounce(trackerPort, torrent.infoHash)).toMatchObject({ seeders: 1, peers: [`127.0.0.1:${peerPort}`] });
  }, 30_000);
});
