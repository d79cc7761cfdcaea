import { RecordState } from '../../../src/records/index.js';
import type { ObjectChange } from '../../../src/records/index.js';
import type { PrefixMember, PrefixRecord, PublishedTarget } from '../../../src/records/prefixSchema.js';
import { ChangeFeed, SwarmDirectory, stopOnReadFailure } from '../../../src/seeding/index.js';
import type { SwarmSource } from '../../../src/seeding/index.js';
import { ObjectMissingError, SpanCache } from '../../../src/storage/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { pieceSpaceBytes, prefixTorrentsOf } from '../../helpers/prefixTorrents.js';
import type { PrefixFile, PrefixTorrents } from '../../helpers/prefixTorrents.js';

const PIECE = 16 * 1024;
const PREFIX = 'logs/';
const FILES: PrefixFile[] = [['a.txt', 700], ['b/c.txt', PIECE + 3], ['d.txt', 0], ['e.txt', 2 * PIECE]]
  .map(([path, size]) => ({ path: (path as string).split('/'), data: pseudoRandomBytes(size as number, path as string) }));

function members(): PrefixMember[] {
  return FILES.map((file) => ({ key: PREFIX + file.path.join('/'), etag: `"${file.path.join('/')}"`, size: file.data.length }));
}

function prefixRecord(torrents: PrefixTorrents, snapshotId = 'a'.repeat(64)): PrefixRecord {
  const stored = (bytes: Uint8Array, info: PrefixTorrents['v1Info']) => ({ infoHashV1: info.infoHashV1, infoHashV2: info.infoHashV2, inline: bytes, bytes: bytes.length });
  return {
    bucket: 'b', prefix: PREFIX, state: RecordState.Ready, snapshotId, pieceLength: PIECE,
    totalSize: FILES.reduce((sum, f) => sum + f.data.length, 0), memberCount: FILES.length, excludedCount: 0, membersDone: FILES.length,
    torrents: { v1: stored(torrents.v1, torrents.v1Info), hybrid: stored(torrents.hybrid, torrents.hybridInfo) },
    createdAt: '', updatedAt: '',
  };
}

/** Prefix records and member objects in memory (the seeder's integration test uses S3 itself). */
function memoryPrefixSource(record: PrefixRecord): SwarmSource & { current_: PrefixRecord | undefined; missing: Set<string> } {
  const bytes = new Map(FILES.map((file) => [PREFIX + file.path.join('/'), file.data]));
  const hashes = (r: PrefixRecord): string[] => {
    const t = r.torrents;
    return t === undefined ? [] : [t.v1.infoHashV1, t.hybrid.infoHashV1, (t.hybrid.infoHashV2 ?? '').slice(0, 40)];
  };
  const source = {
    current_: record as PrefixRecord | undefined,
    missing: new Set<string>(),
    async findReady(hex: string): Promise<PublishedTarget | undefined> {
      const now = source.current_;
      return now?.state === RecordState.Ready && hashes(now).includes(hex) ? { kind: 'prefix', record: now, members: members() } : undefined;
    },
    current: async () => undefined,
    currentPrefix: async () => source.current_,
    anonymousState: async () => 'public' as const,
    torrentBytes: async (stored: { inline?: Uint8Array | undefined }) => stored.inline ?? new Uint8Array(),
    fetch: async (object: { bucket: string; key: string }, offset: number, length: number) => {
      if (source.missing.has(object.key)) throw new ObjectMissingError(object.bucket, object.key);
      return Buffer.from((bytes.get(object.key) as Buffer).subarray(offset, offset + length));
    },
  };
  return source;
}

describe('Class: SwarmDirectory with prefix snapshots', () => {
  let torrents: PrefixTorrents;

  beforeAll(async () => {
    torrents = await prefixTorrentsOf(FILES, 'logs', PIECE);
  });

  it('serves one prefix swarm under its three infohashes, reading across members and pads', async () => {
    const record = prefixRecord(torrents);
    const directory = new SwarmDirectory({ source: memoryPrefixSource(record), cache: new SpanCache({ maxBytes: 1 << 20, maxFetches: 2 }), onStop: () => undefined });
    const names = [torrents.v1Info.infoHashV1, torrents.hybridInfo.infoHashV1, (torrents.hybridInfo.infoHashV2 as string).slice(0, 40)];
    const matches = await Promise.all(names.map((hex) => directory.lookup(hex)));
    const swarm = matches[0]?.swarm;
    expect(new Set(matches.map((m) => m?.swarm)).size).toBe(1);
    expect(directory.prefixSwarmOf('b', PREFIX)).toBe(swarm);
    expect(directory.swarmOf('b', PREFIX)).toBeUndefined(); // an object keyed like the prefix is another thing
    const whole = pieceSpaceBytes(torrents.v1Info, FILES);
    expect(await swarm?.read(0, whole.length, (bytes) => Buffer.from(bytes))).toEqual(whole);
  });

  it.each([
    ['the prefix record is REVOKED', (r: PrefixRecord): PrefixRecord | undefined => ({ ...r, state: RecordState.Revoked }), /prefix record is REVOKED/],
    ['a new snapshot replaced it', (r: PrefixRecord): PrefixRecord | undefined => ({ ...r, snapshotId: 'b'.repeat(64) }), /snapshot b{64}/],
    ['the prefix record is gone', (): PrefixRecord | undefined => undefined, /prefix record deleted/],
  ])('stops the swarm on revalidation when %s', async (_name, change, reason) => {
    const record = prefixRecord(torrents);
    const source = memoryPrefixSource(record);
    const stops: string[] = [];
    const directory = new SwarmDirectory({ source, cache: new SpanCache({ maxBytes: 1 << 20, maxFetches: 2 }), onStop: (_s, why) => stops.push(why) });
    const match = await directory.lookup(torrents.v1Info.infoHashV1);
    await directory.revalidate();
    expect(stops).toEqual([]);
    source.current_ = change(record);
    await directory.revalidate();
    expect(stops).toEqual([expect.stringMatching(reason)]);
    expect(match?.swarm.active).toBe(false);
  });

  it('stops the whole swarm when one member read is refused, and refuses its infohashes afterwards', async () => {
    const record = prefixRecord(torrents);
    const source = memoryPrefixSource(record);
    const directory = new SwarmDirectory({ source, cache: new SpanCache({ maxBytes: 1 << 20, maxFetches: 2 }), onStop: () => undefined });
    const match = await directory.lookup(torrents.hybridInfo.infoHashV1);
    const swarm = match?.swarm;
    if (swarm === undefined) throw new Error('no swarm');
    source.missing.add(`${PREFIX}e.txt`);
    const last = torrents.v1Info.files.find((file) => file.path.join('/') === 'e.txt');
    const failed = await swarm.read(last?.offset ?? 0, 16_384, () => 'served').catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ObjectMissingError);
    expect(stopOnReadFailure(swarm, failed)).toBe(true);
    expect(swarm.active).toBe(false);
    expect(await directory.lookup(torrents.v1Info.infoHashV1)).toBeUndefined();
  });

  it('stops a prefix swarm from the change feed when a member change revoked its snapshot, reading only the prefixes above the key', async () => {
    const record = prefixRecord(torrents);
    const source = memoryPrefixSource(record);
    const directory = new SwarmDirectory({ source, cache: new SpanCache({ maxBytes: 1 << 20, maxFetches: 2 }), onStop: () => undefined });
    const swarm = (await directory.lookup(torrents.v1Info.infoHashV1))?.swarm;
    let clock = 1_000_000;
    const log: ObjectChange[] = [];
    const prefixReads: string[] = [];
    const feed = new ChangeFeed({
      since: async () => log,
      swarmOf: (bucket, key) => directory.swarmOf(bucket, key),
      current: async () => undefined,
      prefixSwarmsOver: (bucket, key) => directory.prefixSwarmsOver(bucket, key),
      currentPrefix: async (bucket, prefix) => {
        prefixReads.push(prefix);
        return source.currentPrefix(bucket, prefix);
      },
      now: () => clock,
    });
    const change = (key: string): ObjectChange => ({ id: `${clock}#b/${key}`, bucket: 'b', key, state: RecordState.Revoked, at: new Date(clock).toISOString() });

    log.push(change('other/x.txt'), change(`${PREFIX}b/c.txt`));
    expect(await feed.poll()).toBe(0); // the prefix record is still READY for this snapshot
    expect(prefixReads).toEqual([PREFIX]);

    clock += 1_000;
    source.current_ = { ...record, state: RecordState.Revoked };
    log.push(change(`${PREFIX}e.txt`));
    expect(await feed.poll()).toBe(1);
    expect(swarm?.active).toBe(false);
  });
});
