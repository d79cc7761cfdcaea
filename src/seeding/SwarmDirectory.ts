import { LRUCache } from 'lru-cache';
import type { ObjectRecord, StoredTorrent } from '../records/index.js';
import type { PrefixRecord, PublishedTarget } from '../records/prefixSchema.js';
import { RecordState } from '../records/index.js';
import { ObjectChangedError, ObjectNetworkOnlyError, ObjectNotPublicError } from '../storage/index.js';
import type { SpanCache } from '../storage/index.js';
import { prefixesOf, stopUnlessSnapshotReady } from './prefixSnapshots.js';
import { Swarm, SwarmTorrent } from '../wire/index.js';
import type { ObjectVersion, PrefixSnapshot, TorrentView } from '../wire/index.js';

/** Where the directory finds READY records, their torrents and their bytes. */
interface SwarmSource {
  /**
   * What an infohash (40 hex) names when it is READY: an object's record, or a prefix
   * snapshot's record and its members (in torrent file order); else undefined.
   */
  findReady(infoHashHex: string): Promise<PublishedTarget | undefined>;
  /** The object's record as it is now (for revalidation). */
  current(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** The prefix's record as it is now (for revalidation of a prefix swarm: READY, same snapshot). */
  currentPrefix(bucket: string, prefix: string): Promise<PrefixRecord | undefined>;
  torrentBytes(stored: StoredTorrent): Promise<Uint8Array>;
  /**
   * Asks S3 (an anonymous HEAD, and its verdict that the access is public) whether this version
   * is still what anyone may read: 'public', 'changed' (another ETag is public now), 'refused'
   * (private or gone) or 'network-only' (readable from our network, but S3 does not call the
   * access public).
   */
  anonymousState(object: ObjectVersion): Promise<AnonymousState>;
  /** Anonymous ranged GET of exactly this version (If-Match on its ETag), best read into `into`. */
  fetch(object: ObjectVersion, offset: number, length: number, into: Buffer): Promise<Buffer>;
}

/** What S3 says about a swarm's version (see `SwarmSource.anonymousState`). */
type AnonymousState = 'public' | 'changed' | 'refused' | 'network-only';

/** Why a swarm stops, by what S3 said. */
const STOP_REASONS: Readonly<Record<Exclude<AnonymousState, 'public'>, string>> = {
  changed: 'object changed in S3',
  refused: 'object no longer anonymously readable',
  'network-only': 'object no longer public: readable from this network only, S3 does not call its access public',
};

interface SwarmDirectoryOptions {
  readonly source: SwarmSource;
  readonly cache: SpanCache;
  /** Told when a swarm stops (revoked, changed, gone), with the read error behind it if any. */
  readonly onStop: (swarm: Swarm, reason: string, cause: unknown) => void;
  /** How long "not servable" is remembered: spares the table from peers hammering a dead hash. */
  readonly negativeTtlMs?: number;
  /** Most infohashes remembered as not servable. */
  readonly maxNegative?: number;
}

/** A swarm and the infohash a peer reached it by. */
interface SwarmMatch {
  readonly swarm: Swarm;
  readonly view: TorrentView;
}

/** "Not servable" is remembered for 2 s: revocation must reach peers within seconds, not minutes. */
const DEFAULT_NEGATIVE_TTL_MS = 2_000;

/**
 * Record lookups of infohashes not yet known, per second, at most: each is a DynamoDB read, and
 * peers or announces with random infohashes must not turn into a bill. Lookups of the same
 * infohash are shared, so real swarms, however busy, need one each.
 */
const MAX_LOOKUPS_PER_SECOND = 500;

/** A swarm nobody used for this long is dropped (its torrents' bytes are freed); a peer brings it back. */
const IDLE_SWARM_MS = 10 * 60_000;

/**
 * How long a withdrawn version stays refused even while its record still says READY: the
 * record is updated (REVOKED, or PENDING for the new ETag) just after the swarm stops, and a
 * peer arriving in between must not bring the swarm back. Then it is looked at afresh.
 */
const STOPPED_VERSION_TTL_MS = 30_000;

/** The reason given when an idle swarm is dropped: not a withdrawal. */
const IDLE_REASON = 'idle';

/**
 * Which objects the seeder serves: a swarm per READY object, found by any of its infohashes,
 * created on first use from the record and dropped once the record is no longer READY for that
 * ETag (the seeder's change feed and, slower, its safety net calling `revalidate`; see revalidation.ts).
 */
class SwarmDirectory {
  /** Object swarms by `bucket/key`. */
  private readonly byObject = new Map<string, Swarm>();
  /** Prefix swarms by `bucket/prefix` (apart: a key may end in `/` like a prefix). */
  private readonly byPrefix = new Map<string, Swarm>();
  private readonly byHash = new Map<string, Swarm>();
  private readonly pending = new Map<string, Promise<SwarmMatch | undefined>>();
  private readonly negative: LRUCache<string, true>;
  private readonly lastUsed = new WeakMap<Swarm, number>();
  private lookupWindow = { second: 0, used: 0 };
  /** When each version was withdrawn (epoch ms). */
  private readonly stoppedVersions = new LRUCache<string, number>({ max: 10_000, ttl: STOPPED_VERSION_TTL_MS });

  public constructor(private readonly options: SwarmDirectoryOptions) {
    this.negative = new LRUCache<string, true>({ max: options.maxNegative ?? 10_000, ttl: options.negativeTtlMs ?? DEFAULT_NEGATIVE_TTL_MS });
  }

  public get swarms(): readonly Swarm[] {
    return [...this.byObject.values(), ...this.byPrefix.values()];
  }

  /** The swarm a 20-byte infohash names, when its record is READY. Concurrent lookups share one read. */
  public lookup(infoHashHex: string): Promise<SwarmMatch | undefined> {
    const hex = infoHashHex.toLowerCase();
    const known = this.byHash.get(hex);
    if (known?.active === true) {
      const view = known.torrent.views.get(hex);
      this.lastUsed.set(known, Date.now());
      if (view !== undefined) return Promise.resolve({ swarm: known, view });
    }
    if (this.negative.has(hex)) return Promise.resolve(undefined);
    const inFlight = this.pending.get(hex);
    if (inFlight !== undefined) return inFlight;
    // Over the rate: not servable for now (and not remembered as such: it may be tried again).
    if (!this.takeLookup()) return Promise.resolve(undefined);
    const found = this.load(hex).finally(() => this.pending.delete(hex));
    this.pending.set(hex, found);
    return found;
  }

  /** The running swarm a 40-hex infohash names, if it is loaded now (no lookup): what an accepted announce concerns. */
  public running(infoHashHex: string): Swarm | undefined {
    const swarm = this.byHash.get(infoHashHex.toLowerCase());
    return swarm?.active === true ? swarm : undefined;
  }

  public async isServable(infoHashHex: string): Promise<boolean> {
    return (await this.lookup(infoHashHex)) !== undefined;
  }

  /** The object's swarm, if it has one: what a change of its record concerns. */
  public swarmOf(bucket: string, key: string): Swarm | undefined {
    return this.byObject.get(`${bucket}/${key}`);
  }

  /** The prefix's swarm, if it has one: what a change of its prefix record concerns. */
  public prefixSwarmOf(bucket: string, prefix: string): Swarm | undefined {
    return this.byPrefix.get(`${bucket}/${prefix}`);
  }

  /** The prefix swarms a change of `key` may concern: those of its ancestor prefixes (and of the key, when it is a prefix). */
  public prefixSwarmsOver(bucket: string, key: string): Swarm[] {
    if (this.byPrefix.size === 0) return [];
    return prefixesOf(key).flatMap((prefix) => this.byPrefix.get(`${bucket}/${prefix}`) ?? []);
  }

  /**
   * Re-checks the given swarms (default: every one): S3 must still serve its version anonymously
   * and call the access public (cached spans would otherwise outlive a withdrawal), and its
   * record must still be READY for that ETag. Those that fail stop; idle ones are dropped. A swarm
   * whose check throws (S3 or DynamoDB unavailable) keeps running and the others are still
   * checked; the first error is thrown at the end.
   */
  public async revalidate(swarms: readonly Swarm[] = this.swarms): Promise<void> {
    const now = Date.now();
    const errors: unknown[] = [];
    for (const swarm of swarms) {
      if (swarm.memberCount === 0 && now - (this.lastUsed.get(swarm) ?? now) > IDLE_SWARM_MS) {
        swarm.stop(IDLE_REASON);
        continue;
      }
      await this.revalidateSwarm(swarm).catch((error: unknown) => errors.push(error));
    }
    if (errors.length > 0) throw errors[0];
  }

  /** Drops the swarms nobody used for IDLE_SWARM_MS (no request: the safety net re-checks the others slowly). */
  public dropIdle(): void {
    const now = Date.now();
    for (const swarm of this.swarms) {
      if (swarm.memberCount === 0 && now - (this.lastUsed.get(swarm) ?? now) > IDLE_SWARM_MS) swarm.stop(IDLE_REASON);
    }
  }

  public stopAll(reason: string): void {
    for (const swarm of this.swarms) swarm.stop(reason);
  }

  private async revalidateSwarm(swarm: Swarm): Promise<void> {
    const { object, prefix } = swarm.torrent;
    if (prefix !== undefined) {
      // No HEAD per member (a thousand members would be a thousand HEADs per check): a member's
      // withdrawal revokes the prefix record, and a refused read stops the swarm at once.
      stopUnlessSnapshotReady(swarm, await this.options.source.currentPrefix(prefix.bucket, prefix.prefix));
      return;
    }
    const { bucket, key, etag } = object as ObjectVersion;
    const state = await this.options.source.anonymousState(object as ObjectVersion);
    if (state !== 'public') {
      // The same errors a failed read gives: whoever handles the stop treats both alike.
      const cause = state === 'changed'
        ? new ObjectChangedError(bucket, key, etag)
        : state === 'network-only' ? new ObjectNetworkOnlyError(bucket, key) : new ObjectNotPublicError(bucket, key);
      swarm.stop(STOP_REASONS[state], cause);
      return;
    }
    const record = await this.options.source.current(bucket, key);
    if (record?.state !== RecordState.Ready || record.etag !== etag) {
      swarm.stop(record === undefined ? 'object record deleted' : `record is ${record.state} for ETag ${record.etag}`);
    }
  }

  private takeLookup(): boolean {
    const second = Math.floor(Date.now() / 1000);
    if (this.lookupWindow.second !== second) this.lookupWindow = { second, used: 0 };
    this.lookupWindow.used += 1;
    return this.lookupWindow.used <= MAX_LOOKUPS_PER_SECOND;
  }

  private async load(hex: string): Promise<SwarmMatch | undefined> {
    const target = await this.options.source.findReady(hex);
    const torrents = target?.record.torrents;
    if (target === undefined || torrents === undefined || this.withdrawnSince(target)) {
      this.negative.set(hex, true);
      return undefined;
    }
    const { swarms, swarmKey, version } = target.kind === 'object'
      ? { swarms: this.byObject, swarmKey: `${target.record.bucket}/${target.record.key}`, version: target.record.etag }
      : { swarms: this.byPrefix, swarmKey: `${target.record.bucket}/${target.record.prefix}`, version: target.record.snapshotId };
    let swarm = swarms.get(swarmKey);
    if (swarm !== undefined && (swarm.torrent.version.etag !== version || !swarm.active)) {
      swarm.stop(target.kind === 'object' ? 'object changed' : 'prefix snapshot replaced');
      swarm = undefined;
    }
    if (swarm === undefined) {
      const [v1, hybrid] = await Promise.all([this.options.source.torrentBytes(torrents.v1), this.options.source.torrentBytes(torrents.hybrid)]);
      if (this.withdrawnSince(target)) return undefined; // withdrawn while we read
      const torrent = new SwarmTorrent(sourceOf(target), { v1, hybrid });
      const created = new Swarm({
        torrent,
        cache: this.options.cache,
        // Each member's bytes are its own anonymous ranged GET (If-Match on its ETag); pads are zeros.
        fetch: (object, offset, length, into) => this.options.source.fetch(object, offset, length, into),
        onStop: (stopped, reason, cause) => this.forget(stopped, swarms, swarmKey, reason, cause),
      });
      // Another lookup of a sibling infohash may have raced us here: keep the first.
      swarm = swarms.get(swarmKey) ?? created;
      swarms.set(swarmKey, swarm);
      for (const view of swarm.torrent.views.keys()) this.byHash.set(view, swarm);
    }
    this.lastUsed.set(swarm, Date.now());
    const view = swarm.torrent.views.get(hex);
    return view === undefined ? undefined : { swarm, view };
  }

  /**
   * This version was withdrawn and its record has not been written since: a READY record read
   * in the gap before the withdrawal reaches it must not bring the swarm back. A record written
   * after the withdrawal (republished: public again, same ETag) is a decision of its own.
   */
  private withdrawnSince(target: PublishedTarget): boolean {
    const stoppedAt = this.stoppedVersions.get(versionId(sourceOf(target)));
    return stoppedAt !== undefined && !(Date.parse(target.record.updatedAt) > stoppedAt);
  }

  private forget(swarm: Swarm, swarms: Map<string, Swarm>, swarmKey: string, reason: string, cause: unknown): void {
    if (swarms.get(swarmKey) === swarm) swarms.delete(swarmKey);
    const withdrawn = reason !== IDLE_REASON;
    if (withdrawn) this.stoppedVersions.set(versionId(swarm.torrent.object ?? (swarm.torrent.prefix as PrefixSnapshot)), Date.now());
    for (const hash of swarm.torrent.views.keys()) {
      if (this.byHash.get(hash) === swarm) this.byHash.delete(hash);
      if (withdrawn) this.negative.set(hash, true);
    }
    this.options.onStop(swarm, reason, cause);
  }
}

/** The object version or prefix snapshot a READY target names. */
function sourceOf(target: PublishedTarget): ObjectVersion | PrefixSnapshot {
  const { record } = target;
  if (target.kind === 'object') return { bucket: record.bucket, key: target.record.key, etag: target.record.etag };
  return { bucket: record.bucket, prefix: target.record.prefix, snapshotId: target.record.snapshotId, members: target.members };
}

/** Object versions and prefix snapshots apart: `p:` cannot start a bucket name. */
function versionId(source: ObjectVersion | PrefixSnapshot): string {
  return 'members' in source ? `p:${source.bucket}/${source.prefix}@${source.snapshotId}` : `${source.bucket}/${source.key}@${source.etag}`;
}

export { DEFAULT_NEGATIVE_TTL_MS, IDLE_REASON, MAX_LOOKUPS_PER_SECOND, SwarmDirectory };
export type { AnonymousState, SwarmDirectoryOptions, SwarmMatch, SwarmSource };
