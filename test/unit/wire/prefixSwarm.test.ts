import { hash } from 'node:crypto';
import { SpanCache } from '../../../src/storage/index.js';
import { piecesRootFromLayer } from '../../../src/torrent/index.js';
import { Swarm, SwarmTorrent, WireProtocolError } from '../../../src/wire/index.js';
import type { ObjectVersion, PrefixSnapshot } from '../../../src/wire/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { prefixTorrentsOf } from '../../helpers/prefixTorrents.js';
import type { PrefixFile, PrefixTorrents } from '../../helpers/prefixTorrents.js';

const PIECE = 16 * 1024;
const BLOCK = 16 * 1024;

/**
 * Awkward sizes around the piece length, nested paths, an empty file, and a last file (in
 * torrent order) that needs a pad.
 */
const FILES: PrefixFile[] = [
  ['a.bin', 1],
  ['empty.txt', 0],
  ['sub/exact.bin', PIECE],
  ['sub/over.bin', PIECE + 1],
  ['sub/deep/three.bin', 2 * PIECE + 7_000],
  ['z-last.bin', 5],
].map(([path, size]) => ({ path: (path as string).split('/'), data: pseudoRandomBytes(size as number, path as string) }));

const snapshotOf = (files: readonly PrefixFile[]): PrefixSnapshot => ({
  bucket: 'data',
  prefix: 'sets/2026/',
  snapshotId: 'f'.repeat(64),
  members: files.map((file) => ({ key: `sets/2026/${file.path.join('/')}`, etag: `"${file.path.join('/')}"`, size: file.data.length })),
});

/** A swarm of the prefix whose objects are in memory; every GET is checked against the member's ETag and size, and recorded. */
function prefixSwarm(torrents: PrefixTorrents, files: readonly PrefixFile[], cacheBytes = 1 << 20): {
  swarm: Swarm;
  cache: SpanCache;
  gets: Array<{ object: ObjectVersion; offset: number; length: number }>;
  /** Keys whose reads S3 refuses from now on. */
  refused: Set<string>;
} {
  const refused = new Set<string>();
  const cache = new SpanCache({ maxBytes: cacheBytes, maxFetches: 2 });
  const snapshot = snapshotOf(files);
  const byKey = new Map(files.map((file) => [`sets/2026/${file.path.join('/')}`, file.data]));
  const gets: Array<{ object: ObjectVersion; offset: number; length: number }> = [];
  const torrent = new SwarmTorrent(snapshot, { v1: torrents.v1, hybrid: torrents.hybrid });
  const swarm = new Swarm({
    torrent,
    cache,
    fetch: async (object, at, size, to) => {
      const data = byKey.get(object.key) as Buffer;
      if (object.etag !== `"${object.key.slice('sets/2026/'.length)}"` || at + size > data.length) throw new Error(`bad GET ${object.key} ${at}+${size}`);
      if (refused.has(object.key)) throw new Error(`412 ${object.key}`);
      gets.push({ object, offset: at, length: size });
      data.copy(to, 0, at, at + size);
      return to;
    },
    onStop: () => undefined,
  });
  return { swarm, cache, gets, refused };
}

/** Piece `index` as a downloader gets it: block by block through the swarm. */
async function pieceOf(swarm: Swarm, index: number): Promise<Buffer> {
  const size = Math.min(swarm.torrent.pieceLength, swarm.torrent.size - index * swarm.torrent.pieceLength);
  const blocks: Buffer[] = [];
  for (let begin = 0; begin < size; begin += BLOCK) {
    blocks.push(await swarm.read(index * swarm.torrent.pieceLength + begin, Math.min(BLOCK, size - begin), (bytes) => Buffer.from(bytes)));
  }
  return Buffer.concat(blocks);
}

describe('Prefix swarms: a multi-file torrent served from its member objects', () => {
  let torrents: PrefixTorrents;

  beforeAll(async () => {
    torrents = await prefixTorrentsOf(FILES, '2026', PIECE);
  });

  it('answers to the v1, hybrid v1 and truncated v2 infohashes of the prefix torrents', () => {
    const torrent = new SwarmTorrent(snapshotOf(FILES), { v1: torrents.v1, hybrid: torrents.hybrid });
    expect([...torrent.views.keys()].sort()).toEqual([
      torrents.v1Info.infoHashV1,
      torrents.hybridInfo.infoHashV1,
      (torrents.hybridInfo.infoHashV2 as string).slice(0, 40),
    ].sort());
    expect(torrent.prefix?.prefix).toBe('sets/2026/');
    expect(torrent.object).toBeUndefined();
    expect(torrent.id).toBe(`data/sets/2026/@${'f'.repeat(64)}`);
  });

  it('serves every piece so that it passes its v1 hash check: pads are zeros, the last file padded too', async () => {
    const { swarm } = prefixSwarm(torrents, FILES);
    expect(swarm.torrent.size).toBe(torrents.v1Info.totalSize);
    expect(swarm.torrent.size % PIECE).toBe(0); // the last file's pad completes its piece
    const pieces = Buffer.from((torrents.v1Info.infoDict as { pieces: Uint8Array }).pieces);
    expect(swarm.torrent.pieceCount).toBe(pieces.length / 20);
    for (let index = 0; index < swarm.torrent.pieceCount; index += 1) {
      expect(hash('sha1', await pieceOf(swarm, index), 'hex')).toBe(pieces.subarray(index * 20, (index + 1) * 20).toString('hex'));
    }
  });

  it('reads each member byte once with ranged GETs inside the member, and never a pad or an empty file', async () => {
    const { swarm, gets } = prefixSwarm(torrents, FILES);
    for (let index = 0; index < swarm.torrent.pieceCount; index += 1) await pieceOf(swarm, index);
    const read = new Map<string, number>();
    for (const get of gets) read.set(get.object.key, (read.get(get.object.key) ?? 0) + get.length);
    expect(Object.fromEntries(read)).toEqual(Object.fromEntries(FILES.filter((f) => f.data.length > 0).map((f) => [`sets/2026/${f.path.join('/')}`, f.data.length])));
  });

  it('caches the bytes of members only, never the zeros of pads', async () => {
    const { swarm, cache } = prefixSwarm(torrents, FILES);
    for (let index = 0; index < swarm.torrent.pieceCount; index += 1) await pieceOf(swarm, index);
    expect(cache.cachedBytes).toBe(FILES.reduce((sum, file) => sum + file.data.length, 0));
    expect(cache.cachedBytes).toBeLessThan(swarm.torrent.size);
  });

  it('answers a range inside a pad with zeros and no GET', async () => {
    const { swarm, gets } = prefixSwarm(torrents, FILES);
    const pad = torrents.v1Info.files.find((file) => file.pad && file.size >= 1000) as { offset: number };
    expect(await swarm.read(pad.offset + 10, 900, (bytes) => Buffer.from(bytes))).toEqual(Buffer.alloc(900));
    expect(gets).toEqual([]);
  });

  it('fails a block over a member and its pad when S3 refuses the member', async () => {
    const { swarm, refused } = prefixSwarm(torrents, FILES);
    refused.add('sets/2026/sub/over.bin');
    const over = torrents.v1Info.files.find((file) => file.path.join('/') === 'sub/over.bin');
    await expect(swarm.read((over?.offset ?? 0) + PIECE, BLOCK, () => 'served')).rejects.toThrow(/412/);
  });

  it('assembles a block that ends a member and runs into its pad', async () => {
    const { swarm } = prefixSwarm(torrents, FILES);
    const over = torrents.v1Info.files.find((file) => file.path.join('/') === 'sub/over.bin');
    // The member's second piece: its last byte, then the pad's zeros.
    const offset = (over?.offset ?? 0) + PIECE;
    const block = await swarm.read(offset, BLOCK, (bytes) => Buffer.from(bytes));
    expect(block[0]).toBe(FILES[3]?.data[PIECE]);
    expect(block.subarray(1)).toEqual(Buffer.alloc(BLOCK - 1));
  });

  it('answers BEP 52 hash requests per file, from the piece layer of the file the request names', () => {
    const torrent = new SwarmTorrent(snapshotOf(FILES), { v1: torrents.v1, hybrid: torrents.hybrid });
    const layers = torrents.hybridInfo.pieceLayers as Map<Uint8Array, Uint8Array>;
    expect(layers.size).toBe(2); // over.bin (2 pieces) and three.bin (3): the others are one piece
    for (const [root, layer] of layers) {
      const tree = torrent.hashTree(Buffer.from(root));
      const pieces = layer.length / 32;
      const request = { piecesRoot: Buffer.from(root), baseLayer: 0, index: 0, length: 2, proofLayers: 0 };
      expect(tree?.answer(request)).toEqual(Buffer.from(layer.subarray(0, 64)));
      expect(Buffer.from(piecesRootFromLayer(layer, PIECE))).toEqual(Buffer.from(root));
      expect(pieces).toBeGreaterThan(1);
    }
    expect(torrent.hashTree(Buffer.alloc(32, 7))).toBeUndefined();
  });

  it('refuses a snapshot whose member list misses a file or disagrees on its size, and an object swarm of a multi-file torrent', () => {
    const snapshot = snapshotOf(FILES);
    const missing = { ...snapshot, members: snapshot.members.filter((member) => !member.key.endsWith('three.bin')) };
    expect(() => new SwarmTorrent(missing, { v1: torrents.v1, hybrid: torrents.hybrid })).toThrow(WireProtocolError);
    const resized = { ...snapshot, members: snapshot.members.map((member) => ({ ...member, size: member.key.endsWith('a.bin') ? 2 : member.size })) };
    expect(() => new SwarmTorrent(resized, { v1: torrents.v1, hybrid: torrents.hybrid })).toThrow(WireProtocolError);
    // A multi-file torrent cannot be one object's bytes.
    expect(() => new SwarmTorrent({ bucket: 'data', key: 'sets/2026/a.bin', etag: '"a.bin"' }, { v1: torrents.v1, hybrid: torrents.hybrid })).toThrow(WireProtocolError);
  });

  it('serves a prefix of one file (no pad, the last piece short)', async () => {
    const one = [{ path: ['only.bin'], data: pseudoRandomBytes(PIECE + 99, 'only') }];
    const single = await prefixTorrentsOf(one, '2026', PIECE);
    const { swarm } = prefixSwarm(single, one);
    expect(swarm.torrent.size).toBe(PIECE + 99);
    const pieces = Buffer.from((single.v1Info.infoDict as { pieces: Uint8Array }).pieces);
    for (let index = 0; index < 2; index += 1) {
      expect(hash('sha1', await pieceOf(swarm, index), 'hex')).toBe(pieces.subarray(index * 20, (index + 1) * 20).toString('hex'));
    }
  });
});
