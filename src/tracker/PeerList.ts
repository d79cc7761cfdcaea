/**
 * A peer's identity within one address family: for IPv4 the number `ip * 65536 + port` (48
 * bits, exact in a double), for IPv6 the 18 compact bytes as a latin1 string.
 */
type PeerKey = number | string;

/** Peers a list scans linearly before it builds a key index: a short scan costs less than a Map. */
const INDEX_THRESHOLD = 16;

/** `seenAt * 2 + seed`: one number holds both, so a peer is two array elements and nothing else. */
function stamp(seenAt: number, seed: boolean): number {
  return seenAt * 2 + (seed ? 1 : 0);
}

function stampSeenAt(value: number): number {
  return Math.floor(value / 2);
}

function stampSeed(value: number): boolean {
  return value % 2 === 1;
}

/**
 * The peers of one torrent in one address family, as two numbers or a string and a number each
 * in one flat array (`[key, stamp, key, stamp, ...]`): no object per peer, which is what lets a
 * million peers fit a few tens of MiB. Order is not kept (removal moves the last peer into the
 * hole), so a sample is a random run of consecutive entries and expiry scans the list.
 */
class PeerList {
  /** Interleaved keys and stamps; an IPv4 list holds only numbers, which V8 stores unboxed. */
  private entries: PeerKey[] = [];
  /** Key → peer index, built once the list outgrows {@link INDEX_THRESHOLD}. */
  private index: Map<PeerKey, number> | undefined;
  /** No peer was seen before this: expiry skips the scan until the cutoff passes it. */
  private oldest = Number.POSITIVE_INFINITY;

  /** Peers held. */
  public get size(): number {
    return this.entries.length / 2;
  }

  /**
   * Adds a peer, or refreshes it (a later `seenAt` wins, so merging an older copy changes nothing).
   *
   * @returns the change in seeds (-1, 0 or 1) in the low bits and whether the peer is new: see {@link UpsertOutcome}.
   */
  public upsert(key: PeerKey, seenAt: number, seed: boolean): UpsertOutcome {
    const at = this.find(key);
    if (at >= 0) {
      const old = this.entries[2 * at + 1] as number;
      if (stampSeenAt(old) > seenAt) return UpsertOutcome.Unchanged;
      this.entries[2 * at + 1] = stamp(seenAt, seed);
      const wasSeed = stampSeed(old);
      if (wasSeed === seed) return UpsertOutcome.Unchanged;
      return seed ? UpsertOutcome.BecameSeed : UpsertOutcome.BecameLeecher;
    }
    if (this.index !== undefined) this.index.set(key, this.size);
    // A literal holds exactly one peer, where a push on an empty array reserves 17 elements:
    // most swarms have one or two peers, and this is most of what one costs.
    if (this.entries.length === 0) this.entries = [key, stamp(seenAt, seed)];
    else this.entries.push(key, stamp(seenAt, seed));
    if (seenAt < this.oldest) this.oldest = seenAt;
    if (this.index === undefined && this.size > INDEX_THRESHOLD) this.buildIndex();
    return seed ? UpsertOutcome.AddedSeed : UpsertOutcome.AddedLeecher;
  }

  /** When the peer was last seen; undefined if it is not held. */
  public seenAtOf(key: PeerKey): number | undefined {
    const at = this.find(key);
    return at < 0 ? undefined : stampSeenAt(this.entries[2 * at + 1] as number);
  }

  /**
   * Drops a peer.
   *
   * @returns undefined if it was not there, else whether it was a seed.
   */
  public remove(key: PeerKey): boolean | undefined {
    const at = this.find(key);
    if (at < 0) return undefined;
    return this.removeAt(at);
  }

  /**
   * Drops every peer last seen before `cutoff`, and, while `extra.count` is above 0, peers seen
   * before `cutoffSoft` too (counting it down): the budget's eviction takes a share of one
   * time bucket.
   *
   * @returns peers dropped and seeds among them.
   */
  public expire(cutoff: number, extra?: { count: number; cutoffSoft: number }): { dropped: number; seeds: number } {
    const softCutoff = extra === undefined ? cutoff : extra.cutoffSoft;
    if (this.oldest >= softCutoff) return NOTHING_DROPPED;
    let dropped = 0;
    let seeds = 0;
    let oldest = Number.POSITIVE_INFINITY;
    const entries = this.entries;
    for (let i = 0; i < entries.length / 2; ) {
      const value = entries[2 * i + 1] as number;
      const seenAt = stampSeenAt(value);
      const goes = seenAt < cutoff || (extra !== undefined && extra.count > 0 && seenAt < softCutoff);
      if (!goes) {
        if (seenAt < oldest) oldest = seenAt;
        i += 1;
        continue;
      }
      if (seenAt >= cutoff && extra !== undefined) extra.count -= 1;
      if (this.removeAt(i)) seeds += 1;
      dropped += 1;
      // The last peer moved into slot i: look at it next.
    }
    this.oldest = oldest;
    return { dropped, seeds };
  }

  /** When the oldest peer was seen (infinity when empty); a lower bound after removals. */
  public get oldestSeenAt(): number {
    return this.oldest;
  }

  /**
   * Counts each peer into `counts`, bucket `floor((seenAt - origin) * scale)` (clamped): the
   * eviction's histogram of last announces. A plain loop: a callback per peer made one eviction
   * of a 3-million-peer table take half a second.
   */
  public addToHistogram(counts: Float64Array, origin: number, scale: number): void {
    const entries = this.entries;
    const last = counts.length - 1;
    for (let i = 1; i < entries.length; i += 2) {
      const bucket = Math.floor((stampSeenAt(entries[i] as number) - origin) * scale);
      const at = bucket < 0 ? 0 : bucket > last ? last : bucket;
      counts[at] = (counts[at] as number) + 1;
    }
  }

  /**
   * Appends to `out` up to `count` keys, from a random starting point onwards, skipping
   * `selfKey` and the keys in `skip`.
   *
   * @returns how many were taken.
   */
  public sample(count: number, selfKey: PeerKey, skip: ReadonlySet<PeerKey>, out: PeerKey[]): number {
    const n = this.entries.length / 2;
    if (count <= 0 || n === 0) return 0;
    let index = n <= count ? 0 : Math.floor(Math.random() * n);
    let taken = 0;
    const entries = this.entries;
    for (let i = 0; i < n && taken < count; i += 1) {
      const key = entries[2 * index] as PeerKey;
      index = index + 1 === n ? 0 : index + 1;
      if (key === selfKey || (skip.size > 0 && skip.has(key))) continue;
      out.push(key);
      taken += 1;
    }
    return taken;
  }

  /** Every peer as key, seenAt and whether it is a seed (for tests and a shared store's export). */
  public *peers(): IterableIterator<{ key: PeerKey; seenAt: number; seed: boolean }> {
    for (let i = 0; i < this.entries.length; i += 2) {
      const value = this.entries[i + 1] as number;
      yield { key: this.entries[i] as PeerKey, seenAt: stampSeenAt(value), seed: stampSeed(value) };
    }
  }

  private find(key: PeerKey): number {
    if (this.index !== undefined) return this.index.get(key) ?? -1;
    const entries = this.entries;
    for (let i = 0; i < entries.length; i += 2) if (entries[i] === key) return i / 2;
    return -1;
  }

  /** Swap-remove: the last peer takes the freed slot. @returns whether the peer was a seed. */
  private removeAt(at: number): boolean {
    const entries = this.entries;
    const seed = stampSeed(entries[2 * at + 1] as number);
    const last = entries.length / 2 - 1;
    const key = entries[2 * at] as PeerKey;
    if (at !== last) {
      const lastKey = entries[2 * last] as PeerKey;
      entries[2 * at] = lastKey;
      entries[2 * at + 1] = entries[2 * last + 1] as number;
      this.index?.set(lastKey, at);
    }
    entries.length -= 2;
    this.index?.delete(key);
    if (entries.length === 0) this.oldest = Number.POSITIVE_INFINITY;
    return seed;
  }

  private buildIndex(): void {
    const index = new Map<PeerKey, number>();
    for (let i = 0; i < this.entries.length; i += 2) index.set(this.entries[i] as PeerKey, i / 2);
    this.index = index;
  }
}

/** What {@link PeerList.upsert} did. */
const UpsertOutcome = {
  Unchanged: 0,
  AddedLeecher: 1,
  AddedSeed: 2,
  BecameSeed: 3,
  BecameLeecher: 4,
} as const;

type UpsertOutcome = (typeof UpsertOutcome)[keyof typeof UpsertOutcome];

const NOTHING_DROPPED = Object.freeze({ dropped: 0, seeds: 0 });

export { INDEX_THRESHOLD, PeerList, UpsertOutcome };
export type { PeerKey };
