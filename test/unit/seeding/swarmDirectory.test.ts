import { hashRange } from '../../../src/hashing/index.js';
import { RecordState } from '../../../src/records/index.js';
import type { ObjectRecord } from '../../../src/records/index.js';
import { MAX_LOOKUPS_PER_SECOND, SwarmDirectory } from '../../../src/seeding/index.js';
import type { AnonymousState, SwarmSource } from '../../../src/seeding/index.js';
import { SpanCache } from '../../../src/storage/index.js';
import { TorrentFormat, buildTorrent } from '../../../src/torrent/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { memorySource } from '../../helpers/sources.js';

const data = pseudoRandomBytes(5 * 65_536 + 1000, 'swarm-directory');

async function readyRecord(): Promise<ObjectRecord> {
  const hashes = await hashRange(memorySource(data), { size: data.length, pieceLength: 65_536, v2: true, threads: 0 });
  const pieces = { size: data.length, pieceLength: 65_536, v1: hashes.v1, v2: hashes.v2 };
  const v1 = buildTorrent(pieces, { name: 'k.bin' });
  const hybrid = buildTorrent(pieces, { name: 'k.bin', format: TorrentFormat.Hybrid });
  const stored = (t: typeof v1) => ({ infoHashV1: t.infoHashV1, infoHashV2: t.infoHashV2, inline: t.torrent, bytes: t.torrent.length });
  return {
    bucket: 'b', key: 'k.bin', etag: '"e1"', size: data.length, state: RecordState.Ready, pieceLength: 65_536, pieceCount: 6,
    torrents: { v1: stored(v1), hybrid: stored(hybrid) }, createdAt: '', updatedAt: '',
  };
}

/** Records and S3 in memory (a unit test of the directory's rules; the seeder's e2e tests use the real ones). */
function memorySwarmSource(record: ObjectRecord): SwarmSource & { state: AnonymousState; current_: ObjectRecord | undefined; lookups: number } {
  const hashes = (r: ObjectRecord): string[] => {
    const t = r.torrents;
    return t === undefined ? [] : [t.v1.infoHashV1, t.hybrid.infoHashV1, (t.hybrid.infoHashV2 ?? '').slice(0, 40)];
  };
  const source = {
    state: 'public' as AnonymousState,
    current_: record as ObjectRecord | undefined,
    lookups: 0,
    async findReady(hex: string) {
      source.lookups += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      const now = source.current_;
      return now?.state === RecordState.Ready && hashes(now).includes(hex) ? { kind: 'object' as const, record: now } : undefined;
    },
    current: async () => source.current_,
    currentPrefix: async () => undefined,
    anonymousState: async () => source.state,
    torrentBytes: async (stored: { inline?: Uint8Array | undefined }) => stored.inline ?? new Uint8Array(),
    fetch: async (_object: unknown, offset: number, length: number) => Buffer.from(data.subarray(offset, offset + length)),
  };
  return source;
}

describe('Class: SwarmDirectory', () => {
  it('serves one swarm under the v1, hybrid v1 and truncated v2 infohashes, loading it once', async () => {
    const record = await readyRecord();
    const source = memorySwarmSource(record);
    const directory = new SwarmDirectory({ source, cache: new SpanCache({ maxBytes: 1 << 20, maxFetches: 2 }), onStop: () => undefined });
    const torrents = record.torrents as NonNullable<ObjectRecord['torrents']>;
    const names = [torrents.v1.infoHashV1, torrents.hybrid.infoHashV1, (torrents.hybrid.infoHashV2 as string).slice(0, 40)];
    const matches = await Promise.all([...names, ...names].map((hex) => directory.lookup(hex)));
    expect(new Set(matches.map((m) => m?.swarm)).size).toBe(1);
    expect(matches.map((m) => m?.view.hybrid)).toEqual([false, true, true, false, true, true]);
    expect(source.lookups).toBeLessThanOrEqual(3);
    const swarm = matches[0]?.swarm;
    expect((await swarm?.read(65_536 * 5, 1000, (bytes) => Buffer.from(bytes)))?.equals(data.subarray(65_536 * 5))).toBe(true);
  });

  it('answers nothing for an unknown infohash and remembers that briefly', async () => {
    const source = memorySwarmSource(await readyRecord());
    const directory = new SwarmDirectory({ source, cache: new SpanCache({ maxBytes: 1 << 20, maxFetches: 2 }), onStop: () => undefined });
    expect(await directory.lookup('ab'.repeat(20))).toBeUndefined();
    expect(await directory.isServable('ab'.repeat(20))).toBe(false);
    expect(source.lookups).toBe(1);
  });

  it.each([
    ['S3 refuses anonymous reads', { state: 'refused' as const }, /no longer anonymously readable/],
    ['S3 no longer calls the access public (our network may still read it)', { state: 'network-only' as const }, /readable from this network only/],
    ['another version is public', { state: 'changed' as const }, /changed/],
    ['the record is REVOKED', { revoke: true }, /REVOKED/],
  ])('stops the swarm on revalidation when %s', async (_name, change, reason) => {
    const record = await readyRecord();
    const source = memorySwarmSource(record);
    const stops: string[] = [];
    const directory = new SwarmDirectory({ source, cache: new SpanCache({ maxBytes: 1 << 20, maxFetches: 2 }), onStop: (_s, why) => stops.push(why) });
    const match = await directory.lookup(record.torrents?.v1.infoHashV1 ?? '');
    const closed: string[] = [];
    match?.swarm.join({ cutOff: (why) => closed.push(why) });
    await directory.revalidate();
    expect(stops).toEqual([]);
    if ('state' in change) source.state = change.state;
    if ('revoke' in change) source.current_ = { ...record, state: RecordState.Revoked };
    await directory.revalidate();
    expect(stops).toEqual([expect.stringMatching(reason)]);
    expect(closed).toEqual([expect.stringMatching(reason)]);
    expect(match?.swarm.active).toBe(false);
  });

  it('refuses a withdrawn version while its record is unchanged, and serves it again once the record is republished', async () => {
    // Prepare: a swarm stopped because S3 refused it; the record still says READY (the gap before it is revoked).
    const record = { ...(await readyRecord()), updatedAt: new Date(Date.now() - 60_000).toISOString() };
    const source = memorySwarmSource(record);
    const directory = new SwarmDirectory({ source, cache: new SpanCache({ maxBytes: 1 << 20, maxFetches: 2 }), onStop: () => undefined, negativeTtlMs: 1 });
    const v1 = record.torrents?.v1.infoHashV1 ?? '';
    await directory.lookup(v1);
    source.state = 'refused';
    await directory.revalidate();
    await new Promise((resolve) => setTimeout(resolve, 5));

    // Act & Assess: the unchanged READY record does not bring it back.
    expect(await directory.lookup(v1)).toBeUndefined();

    // Act: public again, and the record written READY again after the withdrawal.
    source.state = 'public';
    source.current_ = { ...record, updatedAt: new Date(Date.now() + 1).toISOString() };
    await new Promise((resolve) => setTimeout(resolve, 5));

    // Assess
    expect((await directory.lookup(v1))?.swarm.active).toBe(true);
  });
});

describe('Class: SwarmDirectory under a flood of unknown infohashes', () => {
  it(`reads the table for at most ${MAX_LOOKUPS_PER_SECOND} new infohashes a second`, async () => {
    const source = memorySwarmSource(await readyRecord());
    const directory = new SwarmDirectory({ source, cache: new SpanCache({ maxBytes: 1 << 20, maxFetches: 2 }), onStop: () => undefined });
    const start = Math.floor(Date.now() / 1000);
    const answers = await Promise.all(Array.from({ length: 2000 }, (_, i) => directory.lookup(i.toString(16).padStart(40, '0'))));
    expect(answers.every((a) => a === undefined)).toBe(true);
    // The calls may straddle a second boundary: at most two windows' worth.
    const windows = Math.floor(Date.now() / 1000) - start + 1;
    expect(source.lookups).toBeLessThanOrEqual(MAX_LOOKUPS_PER_SECOND * windows);
    expect(source.lookups).toBeGreaterThanOrEqual(MAX_LOOKUPS_PER_SECOND);
  });
});
