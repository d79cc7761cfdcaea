import type { AnnounceEvent } from './constants.js';
import type { StoreStatus } from './shared/StoreConnection.js';
import type { SwarmStoreOptions } from './shared/storeOptions.js';

/** A peer's address as the tracker hands it out. */
interface TrackedPeer {
  /** Textual IPv4 (`127.0.0.1`) or IPv6 (`::1`) address; IPv4-mapped IPv6 is given as IPv4. */
  readonly ip: string;
  readonly port: number;
}

/** One accepted announce, told to {@link TrackerOptions.onAnnounce}. */
interface AnnounceNotice {
  /** 40 lowercase hex digits. */
  readonly infoHashHex: string;
  /** The announcing peer: the address its request came from and the port it announced. */
  readonly peer: TrackedPeer;
  /** Bytes the peer still misses; 0 for a seed. */
  readonly left: number;
  /** Bytes the peer says it downloaded since it started (its own count, unchecked: any peer may claim anything). */
  readonly downloaded: number;
  readonly event: AnnounceEvent;
}

/** Which infohashes the tracker answers for. */
interface TrackerRegistry {
  /**
   * Whether the torrent is published and may be tracked. Called for every announce and scrape,
   * so the implementation caches.
   *
   * @param infoHashHex - 40 lowercase hex digits: a v1 infohash, or the first 20 bytes of a v2 one (BEP 52).
   */
  isServable(infoHashHex: string): Promise<boolean>;
}

/** What {@link TrackerServer.start} takes. */
interface TrackerOptions {
  /** Addresses to listen on, e.g. `['127.0.0.1', '::1']`: HTTP (TCP) and UDP on each. */
  readonly hosts: readonly string[];
  /** Port for HTTP and UDP on every host; 0 picks one port free for all of them. */
  readonly port: number;
  readonly registry: TrackerRegistry;
  /** The seeder's own addresses: returned first to every announce, IPv4 ones as IPv4 peers, IPv6 ones as IPv6 peers. */
  readonly seeders: () => readonly TrackedPeer[];
  /** Told of every accepted announce, e.g. so the seeder can dial the leecher. Must not throw (it is caught if it does). */
  readonly onAnnounce?: ((notice: AnnounceNotice) => void) | undefined;
  /** @default 300 */
  readonly intervalSeconds?: number;
  /** @default 60 */
  readonly minIntervalSeconds?: number;
  /** Time without a re-announce after which a peer is dropped; more than the interval. @default 900 */
  readonly peerTtlSeconds?: number;
  /** Cap on the peers one announce asks for. @default 200 */
  readonly maxNumwant?: number;
  /**
   * Bytes of swarm state held at most (peers and torrents, priced by measured per-peer and
   * per-torrent costs); past it the peers announced longest ago are dropped. @default 256 MiB
   */
  readonly memoryBytes?: number;
  /**
   * A Valkey/Redis store shared with the other tracker tasks, so that several act as one tracker.
   * Announces are still answered from this task's memory; the store is synced in the background.
   * @default undefined (this task's peers only)
   */
  readonly sharedStore?: SwarmStoreOptions | undefined;
  /** Told when the shared store goes down (once per outage; tracking carries on in process) and when it is back. */
  readonly onSharedStoreStatus?: ((status: StoreStatus) => void) | undefined;
  /** Clock in milliseconds, for tests. @default Date.now */
  readonly now?: () => number;
}

/** Counts of what the tracker holds now. */
interface TrackerStats {
  /** Torrents with at least one peer. */
  readonly torrents: number;
  /** Peers across all torrents, the seeder not counted. */
  readonly peers: number;
  /** Bytes of swarm state counted against `memoryBytes`. */
  readonly memoryBytes: number;
  /** Peers dropped to stay within `memoryBytes` since the tracker started (a sign the budget is too small). */
  readonly evictions: number;
}

/** A tracker's announce URLs for one host. */
interface AnnounceUrls {
  /** e.g. `http://127.0.0.1:6969/announce` */
  readonly http: string;
  /** e.g. `udp://[::1]:6969` */
  readonly udp: string;
}

export type { AnnounceNotice, AnnounceUrls, TrackedPeer, TrackerOptions, TrackerRegistry, TrackerStats };
