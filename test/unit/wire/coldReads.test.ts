import { SpanCache } from '../../../src/storage/index.js';
import { Swarm, SwarmTorrent, encode } from '../../../src/wire/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { BLOCK, PeerClient, torrentInfoOf } from '../../helpers/peerClient.js';
import { PIECE_LENGTH, serveSwarm, torrentsOf } from '../../helpers/swarms.js';

const MiB = 1024 * 1024;
/** 8 MiB with a 1 MiB cache: the seeder reads it from "S3" in 256 KiB spans, 32 of them. */
const OBJECT_BYTES = 8 * MiB;
const CACHE_BYTES = MiB;
const SPANS = OBJECT_BYTES / (256 * 1024);
/** The fake S3 answers nothing until every span's GET waits, or this long passed (the test then fails); then everything at once. */
const GATE_MS = 3_000;

describe('Class: PeerServer reading a cold object', () => {
  it('reads every span a peer has requests queued for at once, not a few at a time', async () => {
    // Prepare: a swarm whose "S3" holds every GET back until all spans are asked for.
    const data = pseudoRandomBytes(OBJECT_BYTES, 'cold-reads');
    const torrents = await torrentsOf(data, 'cold.bin');
    let waiting: Array<() => void> = [];
    let opened = false;
    let inFlight = 0;
    let mostInFlight = 0;
    const open = (): void => {
      opened = true;
      for (const release of waiting) release();
      waiting = [];
    };
    const gate = setTimeout(open, GATE_MS);
    const swarm = new Swarm({
      torrent: new SwarmTorrent({ bucket: 'b', key: 'cold.bin', etag: '"e"' }, { v1: torrents.v1.inline as Uint8Array, hybrid: torrents.hybrid.inline as Uint8Array }),
      cache: new SpanCache({ maxBytes: CACHE_BYTES, maxFetches: 2 * SPANS }),
      fetch: async (_object, offset, length) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        if (!opened) {
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            if (inFlight >= SPANS) open();
          });
        }
        inFlight -= 1;
        return data.subarray(offset, offset + length);
      },
      onStop: () => undefined,
    });
    const torrent = torrentInfoOf(torrents.v1.inline as Uint8Array);
    const server = await serveSwarm(swarm);
    const connected = await PeerClient.open({ port: server.listenPort, torrent, timeoutMs: 20_000 });
    try {
      if (!connected.ok) throw new Error(`no connection: ${connected.detail}`);
      const client = connected.client;
      client.interested();
      expect((await client.waitForUnchoke()).ok).toBe(true);

      // Act: every block of the object requested at once (512 requests, within our reqq).
      const blocks = OBJECT_BYTES / BLOCK;
      for (let i = 0; i < blocks; i += 1) {
        client.send(encode.request({ index: Math.floor((i * BLOCK) / PIECE_LENGTH), begin: (i * BLOCK) % PIECE_LENGTH, length: BLOCK }));
      }
      const done = await client.until(() => client.blocksReceived + (client.received.get('reject') ?? 0) >= blocks, 'every block');

      // Assess: all 32 spans were fetched at once, and every block came.
      expect({ mostInFlight, complete: done.ok, blocks: client.blocksReceived }).toEqual({ mostInFlight: SPANS, complete: true, blocks });
      client.close();
    } finally {
      clearTimeout(gate);
      await server.close();
    }
  }, 30_000);
});
