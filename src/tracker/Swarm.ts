import { PeerList, UpsertOutcome } from './PeerList.js';
import type { PeerKey } from './PeerList.js';

/**
 * The peers of one torrent: one {@link PeerList} per address family (the IPv6 one made on the
 * first IPv6 peer), the seed count and the completed downloads.
 */
class Swarm {
  /** Completed downloads reported (`event=completed`) while this swarm was tracked. */
  public downloaded = 0;
  /** Clock reading of the last announce, in milliseconds. */
  public lastAnnounceAt: number;
  /** Clock reading of the last expiry scan on read (SwarmTable spaces them out). */
  public expiryScanAt = Number.NEGATIVE_INFINITY;
  private seedCount = 0;
  private readonly v4 = new PeerList();
  private v6: PeerList | undefined;

  public constructor(now: number) {
    this.lastAnnounceAt = now;
  }

  /** Peers held. */
  public get size(): number {
    return this.v4.size + (this.v6?.size ?? 0);
  }

  /** Peers with nothing left to download. */
  public get seeds(): number {
    return this.seedCount;
  }

  /** Peers still downloading. */
  public get leechers(): number {
    return this.size - this.seedCount;
  }

  /**
   * Adds or refreshes a peer (keyed by address and port, so only that address can change its
   * entry); a refresh older than what is held changes nothing.
   *
   * @returns 1 if the peer is new, else 0.
   */
  public upsert(family: 4 | 6, key: PeerKey, seenAt: number, seed: boolean): number {
    const outcome = this.list(family, true).upsert(key, seenAt, seed);
    switch (outcome) {
      case UpsertOutcome.AddedLeecher:
        return 1;
      case UpsertOutcome.AddedSeed:
        this.seedCount += 1;
        return 1;
      case UpsertOutcome.BecameSeed:
        this.seedCount += 1;
        return 0;
      case UpsertOutcome.BecameLeecher:
        this.seedCount -= 1;
        return 0;
      default:
        return 0;
    }
  }

  /** Drops a peer; false if it was not there. */
  public remove(family: 4 | 6, key: PeerKey): boolean {
    const wasSeed = this.list(family, false)?.remove(key);
    if (wasSeed === undefined) return false;
    if (wasSeed) this.seedCount -= 1;
    return true;
  }

  /** Drops a peer unless it was seen after `at` (it stopped elsewhere at `at`); false if nothing was dropped. */
  public removeUnlessSeenAfter(family: 4 | 6, key: PeerKey, at: number): boolean {
    const list = this.list(family, false);
    const seenAt = list?.seenAtOf(key);
    if (seenAt === undefined || seenAt > at) return false;
    return this.remove(family, key);
  }

  /**
   * Drops every peer last seen before `cutoff` (and, for the memory budget, up to `extra.count`
   * more seen before `extra.cutoffSoft`).
   *
   * @returns how many were dropped, per family.
   */
  public expire(cutoff: number, extra?: { count: number; cutoffSoft: number }): { v4: number; v6: number } {
    const four = this.v4.expire(cutoff, extra);
    const six = this.v6?.expire(cutoff, extra) ?? { dropped: 0, seeds: 0 };
    this.seedCount -= four.seeds + six.seeds;
    return { v4: four.dropped, v6: six.dropped };
  }

  /** Earliest seenAt held, a lower bound (infinity when empty). */
  public get oldestSeenAt(): number {
    return Math.min(this.v4.oldestSeenAt, this.v6?.oldestSeenAt ?? Number.POSITIVE_INFINITY);
  }

  /** Adds every peer to the eviction's histogram (see {@link PeerList.addToHistogram}). */
  public addToHistogram(counts: Float64Array, origin: number, scale: number): void {
    this.v4.addToHistogram(counts, origin, scale);
    this.v6?.addToHistogram(counts, origin, scale);
  }

  /**
   * Appends to `out` up to `count` keys of one family, from a random starting point onwards,
   * skipping `selfKey` (the asker) and `skip` (the seeder's own addresses).
   *
   * @returns how many were taken.
   */
  public sample(family: 4 | 6, count: number, selfKey: PeerKey, skip: ReadonlySet<PeerKey>, out: PeerKey[]): number {
    return this.list(family, false)?.sample(count, selfKey, skip, out) ?? 0;
  }

  /** Peers of one family held. */
  public familySize(family: 4 | 6): number {
    return family === 4 ? this.v4.size : (this.v6?.size ?? 0);
  }

  /** Every peer of one family: key, seenAt and whether it is a seed. */
  public peers(family: 4 | 6): IterableIterator<{ key: PeerKey; seenAt: number; seed: boolean }> {
    return (this.list(family, false) ?? new PeerList()).peers();
  }

  private list(family: 4 | 6, create: true): PeerList;
  private list(family: 4 | 6, create: false): PeerList | undefined;
  private list(family: 4 | 6, create: boolean): PeerList | undefined {
    if (family === 4) return this.v4;
    if (this.v6 === undefined && create) this.v6 = new PeerList();
    return this.v6;
  }
}

export { Swarm };
