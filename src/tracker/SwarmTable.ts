import { AnnounceEvent } from './constants.js';
import { Swarm } from './Swarm.js';
import type { StoredPeer } from './Swarm.js';
import type { RemotePeer } from './swarmChanges.js';

/** The bounds a {@link SwarmTable} keeps to. */
interface SwarmLimits {
  readonly maxTorrents: number;
  readonly maxPeersPerTorrent: number;
  /** Milliseconds a peer lives without a re-announce. */
  readonly peerTtlMs: number;
}

/**
 * Every swarm the tracker holds, bounded: at most `maxTorrents` swarms (the least recently
 * announced dropped first) of at most `maxPeersPerTorrent` peers, each gone `peerTtlMs` after its
 * last announce. Expiry is lazy (a swarm is cleaned whenever it is read) plus {@link sweep}.
 */
class SwarmTable {
  /** In order of last announce, the oldest first. */
  private readonly swarms = new Map<string, Swarm>();
  private peerCount = 0;

  public constructor(private readonly limits: SwarmLimits) {}

  /** Records an announce and returns the swarm after it. */
  public announce(infoHashHex: string, peer: StoredPeer, event: AnnounceEvent, now: number): Swarm {
    let swarm = this.swarms.get(infoHashHex);
    if (swarm === undefined) {
      swarm = new Swarm(now);
      while (this.swarms.size >= this.limits.maxTorrents) {
        const oldest = this.swarms.keys().next();
        if (oldest.done === true) break;
        this.forget(oldest.value);
      }
    } else {
      this.peerCount -= swarm.expire(now - this.limits.peerTtlMs);
      this.swarms.delete(infoHashHex);
    }
    this.swarms.set(infoHashHex, swarm);
    swarm.lastAnnounceAt = now;
    if (event === AnnounceEvent.Stopped) {
      if (swarm.remove(peer.key)) this.peerCount -= 1;
      return swarm;
    }
    if (event === AnnounceEvent.Completed) swarm.downloaded += 1;
    this.peerCount += swarm.upsert(peer, this.limits.maxPeersPerTorrent);
    return swarm;
  }

  /** The swarm of a torrent with its expired peers dropped, or undefined when none is held. */
  public get(infoHashHex: string, now: number): Swarm | undefined {
    const swarm = this.swarms.get(infoHashHex);
    if (swarm !== undefined) this.peerCount -= swarm.expire(now - this.limits.peerTtlMs);
    return swarm;
  }

  /**
   * Merges peers another tracker task saw into a swarm held here, with their own `seenAt`:
   * never counted as completions, never told to anyone. A swarm not held (forgotten, or swept
   * since its last announce here) is left alone.
   */
  public mergeRemote(infoHashHex: string, peers: readonly RemotePeer[], now: number): boolean {
    const swarm = this.swarms.get(infoHashHex);
    if (swarm === undefined) return false;
    const cutoff = now - this.limits.peerTtlMs;
    for (const remote of peers) {
      if (remote.seenAt < cutoff) continue;
      if (remote.stopped) {
        if (swarm.mergeStop(remote.key, remote.seenAt)) this.peerCount -= 1;
      } else {
        this.peerCount += swarm.merge(remote, this.limits.maxPeersPerTorrent);
      }
    }
    return true;
  }

  /** Drops a torrent and all its peers. */
  public forget(infoHashHex: string): void {
    const swarm = this.swarms.get(infoHashHex);
    if (swarm === undefined) return;
    this.peerCount -= swarm.size;
    this.swarms.delete(infoHashHex);
  }

  /** Drops expired peers everywhere, and swarms left empty and unannounced for a peer lifetime. */
  public sweep(now: number): void {
    const cutoff = now - this.limits.peerTtlMs;
    for (const [infoHashHex, swarm] of this.swarms) {
      if (swarm.unordered) swarm.reorder();
      this.peerCount -= swarm.expire(cutoff);
      if (swarm.size === 0 && swarm.lastAnnounceAt < cutoff) this.swarms.delete(infoHashHex);
    }
  }

  /** Torrents with at least one peer, and peers in all. */
  public stats(): { torrents: number; peers: number } {
    let torrents = 0;
    for (const swarm of this.swarms.values()) if (swarm.size > 0) torrents += 1;
    return { torrents, peers: this.peerCount };
  }
}

export { SwarmTable };
export type { SwarmLimits };
