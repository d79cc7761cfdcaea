import { randomBytes } from 'node:crypto';
import { PeerClient, torrentInfoOf } from '../../helpers/peerClient.js';
import { memorySwarm, serveSwarm, torrentsOf } from '../../helpers/swarms.js';

const MiB = 1024 * 1024;
/** 96 spans of 256 KiB; the swarm's cache holds 4. */
const OBJECT_BYTES = 24 * MiB;
/** Pieces (16 KiB each) the stalled peer asks for: 30 spans, under the seeder's queue limit of 500. */
const STALLED_PIECES = 480;
/** Pieces the other peer downloads, from spans far from the stalled peer's. */
const OTHER_FIRST_PIECE = 1024;
const OTHER_PIECES = 256;
const TIMEOUT_MS = 30_000;
const STALL_WAIT_MS = 10_000;
const POLL_MS = 100;

describe('Seeder: piece messages waiting on a slow peer while their spans\' buffers are reused', () => {
  it('delivers every block intact to a peer that stopped reading while another peer made the cache reuse those buffers', async () => {
    // Prepare: a seeder over a 4-span cache, and a peer that asks for 30 spans' worth of
    // pieces and then stops reading, so that the messages wait in the seeder's socket buffers.
    const data = randomBytes(OBJECT_BYTES);
    const { swarm, cache } = await memorySwarm({ bucket: 'b', key: 'pending.bin', etag: '"e"' }, data);
    const server = await serveSwarm(swarm);
    const torrent = torrentInfoOf((await torrentsOf(data, 'pending.bin')).v1.inline as Uint8Array);
    const clients: PeerClient[] = [];
    try {
      const open = async (): Promise<PeerClient> => {
        const opened = await PeerClient.open({ port: server.listenPort, torrent, timeoutMs: TIMEOUT_MS });
        if (!opened.ok) throw new Error(`handshake failed: ${opened.detail}`);
        clients.push(opened.client);
        opened.client.interested();
        const unchoked = await opened.client.waitForUnchoke();
        if (!unchoked.ok) throw new Error(`not unchoked: ${unchoked.detail}`);
        return opened.client;
      };
      const stalled = await open();
      stalled.pause();
      const stalledPieces = Array.from({ length: STALLED_PIECES }, (_, index) => stalled.downloadPiece(index));
      // Bounded: until the seeder has stopped sending to it (its socket buffers are full).
      let before = -1;
      for (let waited = 0; waited < STALL_WAIT_MS; waited += POLL_MS) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        if (server.blockBytesInFlight > 0 && server.blockBytesInFlight === before) break;
        before = server.blockBytesInFlight;
      }
      const reusedBefore = cache.bufferStats.reused;

      // Act: another peer reads other spans, each evicting one of the stalled peer's.
      const other = await open();
      for (let index = OTHER_FIRST_PIECE; index < OTHER_FIRST_PIECE + OTHER_PIECES; index += 1) {
        const piece = await other.downloadPiece(index);
        if (!piece.ok) throw new Error(`other peer, piece ${index}: ${piece.detail}`);
      }
      const pendingWhileReused = server.blockBytesInFlight;
      stalled.resume();
      const results = await Promise.all(stalledPieces);

      // Assess: buffers were reused while blocks still waited to be written, and every block
      // the stalled peer got passes its piece's SHA-1.
      expect(cache.bufferStats.reused - reusedBefore).toBeGreaterThanOrEqual(OTHER_PIECES / 16);
      expect(pendingWhileReused).toBeGreaterThan(0);
      expect(results.filter((result) => !result.ok).map((result) => (result.ok ? '' : result.detail))).toEqual([]);
    } finally {
      for (const client of clients) client.close();
      await server.close();
    }
  }, 60_000);
});
