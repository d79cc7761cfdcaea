import { LRUCache } from 'lru-cache';
import type { ObjectChange, ObjectRecord } from '../records/index.js';
import { RecordState } from '../records/index.js';
import type { PrefixRecord } from '../records/prefixSchema.js';
import type { Swarm } from '../wire/index.js';
import { stopUnlessSnapshotReady } from './prefixSnapshots.js';

/**
 * How far before the previous poll each poll reads. A change item carries its writer's clock
 * and is read eventually consistently, so one written just before the previous poll may only
 * show now: 10 s covers replication (well under a second), a transaction's commit and clocks
 * that NTP keeps within milliseconds, many times over. Reading back costs nothing while the log
 * is quiet (a Query is billed by the bytes it returns, rounded up to 4 KB).
 */
const LOOKBACK_MS = 10_000;

/**
 * How long a change stays remembered as checked against a swarm: past the look-back (and a
 * few failed polls) no poll returns it again.
 */
const CHECKED_TTL_MS = 5 * 60_000;

/** Most changes remembered as checked: a bucket-wide revocation logs one per record. */
const MAX_CHECKED = 100_000;

/**
 * Record reads at once after a poll: a bucket-wide revocation may touch thousands of swarms,
 * which should stop within seconds, not one read after another.
 */
const CONFIRM_CONCURRENCY = 16;

/** What the feed reads: the change log, the swarms and their records. */
interface ChangeFeedOptions {
  /** Every change written at or after `from` (ChangeLog.since). */
  readonly since: (from: Date, until: Date) => Promise<readonly ObjectChange[]>;
  /** The active swarm of an object, if any (SwarmDirectory.swarmOf). */
  readonly swarmOf: (bucket: string, key: string) => Swarm | undefined;
  /** The object's record now, strongly consistent: what a change is confirmed against. */
  readonly current: (bucket: string, key: string) => Promise<ObjectRecord | undefined>;
  /**
   * The running prefix swarms a change of `key` may concern (SwarmDirectory.prefixSwarmsOver):
   * a member's change revokes its ancestor prefixes' snapshots. Omitted: prefix swarms are left
   * to the safety net.
   */
  readonly prefixSwarmsOver?: ((bucket: string, key: string) => readonly Swarm[]) | undefined;
  /** The prefix record now, strongly consistent: what a prefix swarm is confirmed against. */
  readonly currentPrefix?: ((bucket: string, prefix: string) => Promise<PrefixRecord | undefined>) | undefined;
  /** Clock (ms). @default Date.now */
  readonly now?: (() => number) | undefined;
}

/**
 * The seeder's view of the change log: each `poll` is one Query (ChangeLog.since) for the
 * changes since the previous poll, whatever the number of swarms; only an object that has a
 * swarm costs one more read, of its record, and its swarm stops unless the record is still READY
 * for the swarm's ETag. A change is looked at again while the look-back returns it until it has
 * been checked against the object's swarm: a swarm created from a record read just before the
 * change was written is caught by the next poll.
 */
class ChangeFeed {
  private readonly now: () => number;
  private lastPollAt: number;
  private polling = false;
  /** Change id → the swarm it was checked against. */
  private readonly checked = new LRUCache<string, Swarm>({ max: MAX_CHECKED, ttl: CHECKED_TTL_MS });

  public constructor(private readonly options: ChangeFeedOptions) {
    this.now = options.now ?? Date.now;
    this.lastPollAt = this.now();
  }

  /**
   * Reads the log once and stops the swarms whose record is no longer READY for their ETag. A
   * poll still running when the next is due makes that one return at once. A failed read
   * throws, and the next poll reads from where this one would have.
   *
   * @returns how many swarms it stopped.
   */
  public async poll(): Promise<number> {
    if (this.polling) return 0;
    this.polling = true;
    try {
      const startedAt = this.now();
      const changes = await this.options.since(new Date(this.lastPollAt - LOOKBACK_MS), new Date(startedAt));
      this.lastPollAt = startedAt;
      // Changes not yet checked against their object's swarm, by object: one record read each.
      const unchecked = new Map<string, { swarm: Swarm; ids: string[] }>();
      for (const change of changes) {
        const object = this.options.swarmOf(change.bucket, change.key);
        const prefixes = this.options.currentPrefix === undefined ? [] : this.options.prefixSwarmsOver?.(change.bucket, change.key) ?? [];
        for (const swarm of object === undefined ? prefixes : [object, ...prefixes]) {
          if (!swarm.active || this.checked.get(change.id) === swarm) continue;
          const entry = unchecked.get(swarm.torrent.id) ?? { swarm, ids: [] };
          entry.ids.push(change.id);
          unchecked.set(swarm.torrent.id, entry);
        }
      }
      const pending = [...unchecked.values()];
      let stopped = 0;
      while (pending.length > 0) {
        const batch = pending.splice(0, CONFIRM_CONCURRENCY);
        for (const { swarm, ids } of batch) for (const id of ids) this.checked.set(id, swarm);
        const results = await Promise.all(batch.map(({ swarm }) => this.confirm(swarm)));
        stopped += results.filter(Boolean).length;
      }
      return stopped;
    } finally {
      this.polling = false;
    }
  }

  /** Stops the swarm unless its record is still READY for its ETag (or snapshot); true when it stopped it. */
  private async confirm(swarm: Swarm): Promise<boolean> {
    const { prefix } = swarm.torrent;
    if (prefix !== undefined) {
      const current = this.options.currentPrefix;
      return current !== undefined && stopUnlessSnapshotReady(swarm, await current(prefix.bucket, prefix.prefix));
    }
    if (swarm.torrent.object === undefined) return false;
    const { bucket, key, etag } = swarm.torrent.object;
    const record = await this.options.current(bucket, key);
    if (!swarm.active || (record?.state === RecordState.Ready && record.etag === etag)) return false;
    // The same wording as the safety net's record check (SwarmDirectory.revalidate).
    swarm.stop(record === undefined ? 'object record deleted' : `record is ${record.state} for ETag ${record.etag}`);
    return true;
  }
}

export { ChangeFeed, LOOKBACK_MS };
export type { ChangeFeedOptions };
