import { peerKeyOfCompact } from './addresses.js';
import { AnnounceEvent, BYTES_PER_IPV4_PEER, BYTES_PER_IPV6_PEER, BYTES_PER_SWARM, EVICTION_BATCH_SHARE, EVICTION_HISTOGRAM_BUCKETS, EXPIRY_SCAN_GAP_MS } from './constants.js';
import type { PeerKey } from './PeerList.js';
import { Swarm } from './Swarm.js';
import type { RemotePeer } from './swarmChanges.js';

/** The bounds a {@link SwarmTable} keeps to. */
interface SwarmLimits {
  /** Bytes of tracker state at most, as counted by the BYTES_PER_* constants. */
  readonly memoryBytes: number;
  /** Milliseconds a peer lives without a re-announce. */
  readonly peerTtlMs: number;
}

/** A peer as an announce stores it. */
interface PeerToStore {
  readonly family: 4 | 6;
  readonly key: PeerKey;
  /** Nothing left to download. */
  readonly seed: boolean;
}

/** What a {@link SwarmTable} holds and has dropped. */
interface SwarmTableStats {
  /** Torrents with at least one peer. */
  readonly torrents: number;
  readonly peers: number;
  /** Bytes of tracker state counted against the budget. */
  readonly memoryBytes: number;
  /** Peers dropped to stay within the budget since the table was made. */
  readonly evictions: number;
}

/**
 * Every swarm the tracker holds, within a memory budget: when the peers and swarms held would
 * cost more than `memoryBytes`, the oldest-announced peers go (a batch at a time, see
 * {@link evict}), and swarms left empty with them. A peer is gone `peerTtlMs` after its last
 * announce: expiry is lazy (a swarm is cleaned when it is read) plus {@link sweep}.
 */
class SwarmTable {
  private readonly swarms = new Map<string, Swarm>();
  private v4Count = 0;
  private v6Count = 0;
  private evicted = 0;

  public constructor(private readonly limits: SwarmLimits) {}

  /** Records an announce and returns the swarm after it. */
  public announce(infoHashHex: string, peer: PeerToStore, event: AnnounceEvent, now: number): Swarm {
    const swarm = this.swarmFor(infoHashHex, now);
    swarm.lastAnnounceAt = now;
    if (event === AnnounceEvent.Stopped) {
      if (swarm.remove(peer.family, peer.key)) this.count(peer.family, -1);
      return swarm;
    }
    if (event === AnnounceEvent.Completed) swarm.downloaded += 1;
    const added = swarm.upsert(peer.family, peer.key, now, peer.seed);
    if (added !== 0) {
      this.count(peer.family, added);
      if (this.memoryBytes() > this.limits.memoryBytes) this.evict(now);
    }
    return swarm;
  }

  /** The swarm of a torrent with its expired peers dropped, or undefined when none is held. */
  public get(infoHashHex: string, now: number): Swarm | undefined {
    const swarm = this.swarms.get(infoHashHex);
    if (swarm !== undefined) this.expireLazily(swarm, now);
    return swarm;
  }

  /**
   * Merges peers another tracker task saw into a swarm held here, with their own `seenAt` (a
   * local sighting that is newer wins): never counted as completions, never told to anyone. A
   * peer that stopped there is dropped here unless it announced here since. A swarm not held
   * (forgotten, evicted, or swept since its last announce here) is left alone.
   *
   * @param skip - keys never merged (the seeder's own addresses), per family.
   * @returns false when the swarm is not held.
   */
  public mergeRemote(infoHashHex: string, peers: Iterable<RemotePeer>, now: number, skip: { readonly 4: ReadonlySet<PeerKey>; readonly 6: ReadonlySet<PeerKey> }): boolean {
    const swarm = this.swarms.get(infoHashHex);
    if (swarm === undefined) return false;
    const cutoff = now - this.limits.peerTtlMs;
    for (const remote of peers) {
      if (remote.seenAt < cutoff) continue;
      const peer = peerKeyOfCompact(remote.compact);
      if (peer === undefined || skip[peer.family].has(peer.key)) continue;
      const seenAt = Math.min(remote.seenAt, now);
      if (remote.stopped) {
        if (swarm.removeUnlessSeenAfter(peer.family, peer.key, seenAt)) this.count(peer.family, -1);
      } else {
        this.count(peer.family, swarm.upsert(peer.family, peer.key, seenAt, remote.seed));
      }
    }
    if (this.memoryBytes() > this.limits.memoryBytes) this.evict(now);
    return true;
  }

  /** Drops a torrent and all its peers. */
  public forget(infoHashHex: string): void {
    const swarm = this.swarms.get(infoHashHex);
    if (swarm === undefined) return;
    this.count(4, -swarm.familySize(4));
    this.count(6, -swarm.familySize(6));
    this.swarms.delete(infoHashHex);
  }

  /** Drops expired peers everywhere, and swarms left empty and unannounced for a peer lifetime. */
  public sweep(now: number): void {
    const cutoff = now - this.limits.peerTtlMs;
    for (const [infoHashHex, swarm] of this.swarms) {
      this.dropExpired(swarm, cutoff);
      if (swarm.size === 0 && swarm.lastAnnounceAt < cutoff) this.swarms.delete(infoHashHex);
    }
  }

  /** Counts of what is held. */
  public stats(): SwarmTableStats {
    let torrents = 0;
    for (const swarm of this.swarms.values()) if (swarm.size > 0) torrents += 1;
    return { torrents, peers: this.v4Count + this.v6Count, memoryBytes: this.memoryBytes(), evictions: this.evicted };
  }

  /** Bytes the budget counts now. */
  private memoryBytes(): number {
    return this.swarms.size * BYTES_PER_SWARM + this.v4Count * BYTES_PER_IPV4_PEER + this.v6Count * BYTES_PER_IPV6_PEER;
  }

  private swarmFor(infoHashHex: string, now: number): Swarm {
    let swarm = this.swarms.get(infoHashHex);
    if (swarm === undefined) {
      swarm = new Swarm(now);
      this.swarms.set(infoHashHex, swarm);
    } else {
      this.expireLazily(swarm, now);
    }
    return swarm;
  }

  private count(family: 4 | 6, change: number): void {
    if (family === 4) this.v4Count += change;
    else this.v6Count += change;
  }

  /**
   * Expiry on read: a swarm whose oldest peer outlived its lifetime is scanned, at most once per
   * EXPIRY_SCAN_GAP_MS, so a large swarm whose peers lapse one by one is not scanned whole on
   * every announce.
   */
  private expireLazily(swarm: Swarm, now: number): void {
    const cutoff = now - this.limits.peerTtlMs;
    if (swarm.oldestSeenAt >= cutoff) return;
    const last = swarm.expiryScanAt;
    if (now - last < EXPIRY_SCAN_GAP_MS && now >= last) return;
    swarm.expiryScanAt = now;
    this.dropExpired(swarm, cutoff);
  }

  private dropExpired(swarm: Swarm, cutoff: number, extra?: { count: number; cutoffSoft: number }): void {
    const dropped = swarm.expire(cutoff, extra);
    this.v4Count -= dropped.v4;
    this.v6Count -= dropped.v6;
  }

  /**
   * Brings the table under its budget less one batch (EVICTION_BATCH_SHARE of it), so the scans
   * below are paid once per batch, not per announce: empty swarms go first, then the peers
   * announced longest ago, found with a histogram of every peer's last announce (two passes
   * over the peers, oldest-first to the histogram's resolution and exactly to the batch's size).
   */
  private evict(now: number): void {
    const target = this.limits.memoryBytes * (1 - EVICTION_BATCH_SHARE);
    for (const [infoHashHex, swarm] of this.swarms) if (swarm.size === 0) this.swarms.delete(infoHashHex);
    const excess = this.memoryBytes() - target;
    if (excess <= 0) return;
    // Peers to drop: priced as the costlier family, so one batch always suffices.
    let wanted = Math.ceil(excess / Math.min(BYTES_PER_IPV4_PEER, BYTES_PER_IPV6_PEER));
    let oldest = now;
    for (const swarm of this.swarms.values()) oldest = Math.min(oldest, swarm.oldestSeenAt);
    const span = Math.max(1, now + 1 - oldest);
    const counts = new Float64Array(EVICTION_HISTOGRAM_BUCKETS);
    for (const swarm of this.swarms.values()) swarm.addToHistogram(counts, oldest, EVICTION_HISTOGRAM_BUCKETS / span);
    // Whole buckets below `cutoff` go; from the bucket it falls in, just enough to make up the batch.
    let bucket = 0;
    for (; bucket < EVICTION_HISTOGRAM_BUCKETS - 1 && wanted >= (counts[bucket] ?? 0); bucket += 1) wanted -= counts[bucket] ?? 0;
    const cutoff = oldest + (bucket * span) / EVICTION_HISTOGRAM_BUCKETS;
    const extra = { count: wanted, cutoffSoft: oldest + ((bucket + 1) * span) / EVICTION_HISTOGRAM_BUCKETS };
    const before = this.v4Count + this.v6Count;
    for (const [infoHashHex, swarm] of this.swarms) {
      this.dropExpired(swarm, cutoff, extra);
      if (swarm.size === 0) this.swarms.delete(infoHashHex);
    }
    this.evicted += before - (this.v4Count + this.v6Count);
  }
}

export { SwarmTable };
export type { PeerToStore, SwarmLimits, SwarmTableStats };
