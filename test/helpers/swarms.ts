// Small READY objects for the seeder's tests: their v1 and hybrid torrents, built from the same
// one-pass hashes as the hash workers build them, and a swarm serving them from memory.
import { hashRange } from '../../src/hashing/index.js';
import type { StoredTorrent } from '../../src/records/index.js';
import { SpanCache } from '../../src/storage/index.js';
import { TorrentFormat, buildTorrent } from '../../src/torrent/index.js';
import { PeerServer, Swarm, SwarmTorrent } from '../../src/wire/index.js';
import type { ObjectVersion } from '../../src/wire/index.js';
import { memorySource } from './sources.js';

/** The smallest piece length (BEP 52): small test objects still get a few pieces. */
const PIECE_LENGTH = 16 * 1024;

interface TestTorrents {
  readonly v1: StoredTorrent;
  readonly hybrid: StoredTorrent;
  readonly pieceCount: number;
  readonly pieceLength: number;
  /** The piece hashes both were built from (one segment's worth). */
  readonly v1Hashes: Uint8Array;
  readonly v2Hashes: Uint8Array;
}

/** Both torrents of `data`, inline (as a record holds them). */
async function torrentsOf(data: Buffer, name: string): Promise<TestTorrents> {
  const hashes = await hashRange(memorySource(data), { size: data.length, pieceLength: PIECE_LENGTH, v2: true, threads: 0 });
  const pieces = { size: data.length, pieceLength: PIECE_LENGTH, v1: hashes.v1, v2: hashes.v2 };
  const stored = (built: ReturnType<typeof buildTorrent>): StoredTorrent => ({
    infoHashV1: built.infoHashV1,
    infoHashV2: built.infoHashV2,
    inline: built.torrent,
    bytes: built.torrent.length,
  });
  return {
    v1: stored(buildTorrent(pieces, { name })),
    hybrid: stored(buildTorrent(pieces, { name, format: TorrentFormat.Hybrid })),
    pieceCount: Math.ceil(data.length / PIECE_LENGTH),
    pieceLength: PIECE_LENGTH,
    v1Hashes: hashes.v1,
    v2Hashes: hashes.v2 as Uint8Array,
  };
}

/**
 * A swarm of `object` whose bytes are `data`, in memory, behind a cache of 1 MiB; `stops`
 * collects why it stopped. Spans are read into the buffers the cache lends, as from S3.
 */
async function memorySwarm(object: ObjectVersion, data: Buffer): Promise<{ swarm: Swarm; stops: string[]; cache: SpanCache }> {
  const torrents = await torrentsOf(data, object.key);
  const stops: string[] = [];
  const cache = new SpanCache({ maxBytes: 1 << 20, maxFetches: 2 });
  const swarm = new Swarm({
    torrent: new SwarmTorrent(object, { v1: torrents.v1.inline as Uint8Array, hybrid: torrents.hybrid.inline as Uint8Array }),
    cache,
    fetch: async (_object, offset, length, into) => {
      data.copy(into, 0, offset, offset + length);
      return into;
    },
    onStop: (_swarm, reason) => stops.push(reason),
  });
  return { swarm, stops, cache };
}

/** A peer server on 127.0.0.1 (a free port) that serves `swarm` under each of its infohashes. */
async function serveSwarm(swarm: Swarm): Promise<PeerServer> {
  return PeerServer.start({
    hosts: ['127.0.0.1'],
    port: 0,
    resolve: async (infoHash) => {
      const view = swarm.torrent.views.get(infoHash.toString('hex'));
      return view === undefined ? undefined : { swarm, view };
    },
    readFailed: () => undefined,
  });
}

export { PIECE_LENGTH, memorySwarm, serveSwarm, torrentsOf };
export type { TestTorrents };
