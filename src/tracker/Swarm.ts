import type { CompactPeer } from './addresses.js';
import { storedPeerOf } from './swarmChanges.js';
import type { RemotePeer } from './swarmChanges.js';

/** A peer as a swarm holds it. */
interface StoredPeer extends CompactPeer {
  /** Unknown for a peer another tracker task saw (the shared store keeps addresses only). */
  readonly peerId: Uint8Array | undefined;
  readonly left: number;
  /** Clock reading of its last announce, in milliseconds. */
  readonly seenAt: number;
}

/** A stored peer with its place in its family's sampling list. */
interface Entry {
  peer: StoredPeer;
  slot: number;
}

/**
 * The peers of one torrent. Two views of the same entries: a map in order of last announce
 * (the oldest first, so expiry and eviction pop from the front in O(1) each) and one array per
 * address family (so a random sample of k peers costs O(k), not O(swarm)).
 */
class Swarm {
  /** Completed downloads reported (`event=completed`) while this swarm was tracked. */
  public downloaded = 0;
  /** Clock reading of the last announce, in milliseconds. */
  public lastAnnounceAt: number;
  /**
   * A peer merged from another task was older than one held: the map is no longer in order of
   * last announce, so expiry's early stop may keep it until {@link reorder} (the periodic sweep).
   */
  public unordered = false;
  private seedCount = 0;
  /** Newest `seenAt` held, to notice a merge out of order. */
  private newestSeenAt = 0;
  private readonly byKey = new Map<string, Entry>();
  private readonly v4: Entry[] = [];
  private readonly v6: Entry[] = [];

  public constructor(now: number) {
    this.lastAnnounceAt = now;
  }

  /** Peers held. */
  public get size(): number {
    return this.byKey.size;
  }

  /** Peers with nothing left to download. */
  public get seeds(): number {
    return this.seedCount;
  }

  /** Peers still downloading. */
  public get leechers(): number {
    return this.byKey.size - this.seedCount;
  }

  /**
   * Adds or refreshes a peer (keyed by address and port, so only that address can change its
   * entry), evicting the least recently announced one when the swarm holds `maxPeers` already.
   *
   * @returns the change in the number of peers: 1, 0 or (never) less.
   */
  public upsert(peer: StoredPeer, maxPeers: number): number {
    const before = this.byKey.size;
    if (peer.seenAt > this.newestSeenAt) this.newestSeenAt = peer.seenAt;
    const existing = this.byKey.get(peer.key);
    if (existing !== undefined) {
      this.seedCount += (peer.left === 0 ? 1 : 0) - (existing.peer.left === 0 ? 1 : 0);
      existing.peer = peer;
      // Re-inserting moves it to the back: the map stays in order of last announce.
      this.byKey.delete(peer.key);
      this.byKey.set(peer.key, existing);
      return 0;
    }
    while (this.byKey.size >= maxPeers) {
      const oldest = this.byKey.keys().next();
      if (oldest.done === true) break;
      this.remove(oldest.value);
    }
    const list = peer.family === 4 ? this.v4 : this.v6;
    const entry: Entry = { peer, slot: list.length };
    list.push(entry);
    this.byKey.set(peer.key, entry);
    if (peer.left === 0) this.seedCount += 1;
    return this.byKey.size - before;
  }

  /**
   * Adds or refreshes a peer another tracker task saw, unless what is held of it is as recent.
   *
   * @returns the change in the number of peers.
   */
  public merge(remote: RemotePeer, maxPeers: number): number {
    const existing = this.byKey.get(remote.key);
    if (existing !== undefined && existing.peer.seenAt >= remote.seenAt) return 0;
    const peer = storedPeerOf(remote);
    if (peer === undefined) return 0;
    if (peer.seenAt < this.newestSeenAt) this.unordered = true;
    return this.upsert(peer, maxPeers);
  }

  /** Drops a peer another task saw stop at `stoppedAt`, unless it announced since; true if dropped. */
  public mergeStop(key: string, stoppedAt: number): boolean {
    const existing = this.byKey.get(key);
    return existing !== undefined && existing.peer.seenAt <= stoppedAt && this.remove(key);
  }

  /** Puts the map back in order of last announce after out-of-order merges. */
  public reorder(): void {
    const entries = [...this.byKey.entries()].sort((a, b) => a[1].peer.seenAt - b[1].peer.seenAt);
    this.byKey.clear();
    for (const [key, entry] of entries) this.byKey.set(key, entry);
    this.unordered = false;
  }

  /** Drops a peer; false if it was not there. */
  public remove(key: string): boolean {
    const entry = this.byKey.get(key);
    if (entry === undefined) return false;
    this.byKey.delete(key);
    if (entry.peer.left === 0) this.seedCount -= 1;
    const list = entry.peer.family === 4 ? this.v4 : this.v6;
    // Swap-remove: the last entry takes the freed slot.
    const last = list.pop() as Entry;
    if (last !== entry) {
      list[entry.slot] = last;
      last.slot = entry.slot;
    }
    return true;
  }

  /**
   * Drops every peer last seen before `cutoff`.
   *
   * @returns how many were dropped.
   */
  public expire(cutoff: number): number {
    let dropped = 0;
    for (const [key, entry] of this.byKey) {
      if (entry.peer.seenAt >= cutoff) break;
      this.remove(key);
      dropped += 1;
    }
    return dropped;
  }

  /**
   * Appends to `out` up to `count` peers of one family, from a random starting point onwards,
   * skipping `selfKey` (the asker) and `skipKeys` (the seeder's own addresses).
   */
  public sample(family: 4 | 6, count: number, selfKey: string, skipKeys: ReadonlySet<string>, out: { push(peer: StoredPeer): number }): void {
    const list = family === 4 ? this.v4 : this.v6;
    const n = list.length;
    if (count <= 0 || n === 0) return;
    let index = n <= count ? 0 : Math.floor(Math.random() * n);
    let taken = 0;
    for (let i = 0; i < n && taken < count; i += 1) {
      const peer = (list[index] as Entry).peer;
      index = index + 1 === n ? 0 : index + 1;
      if (peer.key === selfKey || skipKeys.has(peer.key)) continue;
      out.push(peer);
      taken += 1;
    }
  }

  /** Peers of one family held. */
  public familySize(family: 4 | 6): number {
    return family === 4 ? this.v4.length : this.v6.length;
  }
}

export { Swarm };
export type { StoredPeer };
