import { compactPeer, parseIp } from './addresses.js';
import type { CompactPeer, IpAddress } from './addresses.js';
import { AnnounceEvent, DEFAULT_NUMWANT } from './constants.js';
import { RegistryGate } from './RegistryGate.js';
import type { Verdict } from './RegistryGate.js';
import type { AnnounceRequest } from './requests.js';
import type { StoredPeer, Swarm } from './Swarm.js';
import { SwarmTable } from './SwarmTable.js';
import type { RemotePeer, SwarmChanges } from './swarmChanges.js';
import type { ResolvedTrackerOptions } from './trackerOptions.js';
import type { TrackedPeer, TrackerStats } from './types.js';
import type { ScrapeCounts } from './udpCodec.js';

/** The failure reason for a torrent the registry does not serve. */
const UNKNOWN_TORRENT = 'unknown or unpublished torrent';

/** The failure reason when the registry could not answer in time. */
const REGISTRY_UNAVAILABLE = 'tracker cannot check this torrent right now; try again later';

/** A peer in a reply: a stored peer, or one of the seeder's addresses (whose peer id we do not know). */
type ReplyPeer = CompactPeer & { readonly peerId?: Uint8Array };

/** What an accepted announce gets back. */
interface AnnounceReply {
  readonly intervalSeconds: number;
  readonly minIntervalSeconds: number;
  readonly complete: number;
  readonly incomplete: number;
  /** The seeder's addresses first, then others; never the asker. */
  readonly peers: readonly ReplyPeer[];
}

/** An announce's outcome: a reply, or the reason it was refused (nothing stored then). */
type AnnounceResult = { readonly ok: true; readonly reply: AnnounceReply } | { readonly ok: false; readonly reason: string };

/** A scrape's outcome: counts per servable torrent (the others left out), or why none could be given. */
type ScrapeResult = { readonly ok: true; readonly counts: ReadonlyMap<string, ScrapeCounts> } | { readonly ok: false; readonly reason: string };

/** Which peers a reply may carry: both families (HTTP) or one (a UDP socket's). */
type FamilyChoice = 4 | 6 | 'both';

/**
 * The transport-free tracker: checks torrents with the registry, keeps the swarms, picks the
 * peers to return (the seeder's addresses first) and tells the seeder of announces. The HTTP
 * and UDP front ends parse and encode; everything they agree on lives here.
 */
class Tracker {
  private readonly table: SwarmTable;
  private readonly gate: RegistryGate;
  /** Bumped by {@link forget}: an announce whose registry check spans a forget checks again. */
  private generation = 0;
  private seedersSource: readonly TrackedPeer[] | undefined;
  private seedersCompact: readonly CompactPeer[] = [];
  private seederKeys: ReadonlySet<string> = new Set();

  /** @param changes - told of every change to the swarms (the shared store's sync), if any. */
  public constructor(
    private readonly options: ResolvedTrackerOptions,
    private readonly changes?: SwarmChanges,
  ) {
    this.table = new SwarmTable({
      maxTorrents: options.maxTorrents,
      maxPeersPerTorrent: options.maxPeersPerTorrent,
      peerTtlMs: options.peerTtlSeconds * 1000,
    });
    this.gate = new RegistryGate(options.registry);
  }

  /**
   * Handles an announce from `remote` (the socket's address, never the request's `ip`).
   *
   * @param families - which address families the reply can carry.
   * @param maxPeers - a transport's own cap on peers in one reply (UDP: what fits a datagram).
   */
  public async announce(request: AnnounceRequest, remote: IpAddress, families: FamilyChoice, maxPeers = Number.MAX_SAFE_INTEGER): Promise<AnnounceResult> {
    const verdict = await this.servable(request.infoHashHex);
    if (verdict !== true) return { ok: false, reason: verdict === false ? UNKNOWN_TORRENT : REGISTRY_UNAVAILABLE };
    const now = this.options.now();
    const self = compactPeer(remote, request.port);
    const seeders = this.seeders();
    const seederKeys = this.seederKeys;
    const selfIsSeeder = seederKeys.has(self.key);
    // The seeder announcing to its own tracker is always returned anyway: it is not stored twice.
    let swarm: Swarm | undefined;
    if (selfIsSeeder) {
      swarm = this.table.get(request.infoHashHex, now);
    } else {
      const stored: StoredPeer = { family: self.family, ip: self.ip, port: self.port, compact: self.compact, key: self.key, peerId: request.peerId, left: request.left, seenAt: now };
      swarm = this.table.announce(request.infoHashHex, stored, request.event, now);
      this.changes?.announced(request.infoHashHex, stored, request.event);
      this.notify(request, self);
    }
    // This is the hot path of every announce: plain loops, no spreads or closures.
    const peers: ReplyPeer[] = [];
    // A stopping peer wants no peers; BEP 3 clients send numwant=0 then anyway.
    if (request.event !== AnnounceEvent.Stopped) {
      for (const seeder of seeders) {
        if (peers.length < maxPeers && seeder.key !== self.key && (families === 'both' || seeder.family === families)) peers.push(seeder);
      }
      const wanted = Math.min(request.numwant ?? DEFAULT_NUMWANT, this.options.maxNumwant, maxPeers) - peers.length;
      if (swarm !== undefined && wanted > 0) {
        if (families === 'both') {
          const v4 = swarm.familySize(4);
          const v6 = swarm.familySize(6);
          // Split the budget in proportion to the families' sizes, so neither crowds out the other.
          const v6Share = v4 + v6 <= wanted ? v6 : Math.round((wanted * v6) / (v4 + v6));
          const before = peers.length;
          swarm.sample(4, wanted - v6Share, self.key, seederKeys, peers);
          swarm.sample(6, wanted - (peers.length - before), self.key, seederKeys, peers);
        } else {
          swarm.sample(families, wanted, self.key, seederKeys, peers);
        }
      }
    }
    const reply: AnnounceReply = {
      intervalSeconds: this.options.intervalSeconds,
      minIntervalSeconds: this.options.minIntervalSeconds,
      complete: (swarm?.seeds ?? 0) + (seeders.length > 0 ? 1 : 0),
      incomplete: swarm?.leechers ?? 0,
      peers,
    };
    return { ok: true, reply };
  }

  /** Counts for each torrent the registry serves; the others are left out. */
  public async scrape(infoHashHexes: readonly string[]): Promise<ScrapeResult> {
    const verdicts = await Promise.all(infoHashHexes.map(async (hex) => this.servable(hex)));
    if (verdicts.every((v) => v !== true)) {
      return { ok: false, reason: verdicts.includes('unavailable') ? REGISTRY_UNAVAILABLE : UNKNOWN_TORRENT };
    }
    const now = this.options.now();
    const seederCount = this.seeders().length > 0 ? 1 : 0;
    const counts = new Map<string, ScrapeCounts>();
    infoHashHexes.forEach((hex, i) => {
      if (verdicts[i] !== true) return;
      const swarm = this.table.get(hex, now);
      counts.set(hex, { complete: (swarm?.seeds ?? 0) + seederCount, downloaded: swarm?.downloaded ?? 0, incomplete: swarm?.leechers ?? 0 });
    });
    return { ok: true, counts };
  }

  /** Drops every peer of a torrent (it was revoked). */
  public forget(infoHashHex: string): void {
    this.generation += 1;
    this.table.forget(infoHashHex);
    this.changes?.forgotten(infoHashHex);
  }

  /** Merges peers other tracker tasks saw (never the seeder's own addresses) into a swarm held here; false when none is. */
  public mergeRemote(infoHashHex: string, peers: readonly RemotePeer[]): boolean {
    const seederKeys = this.seederKeys;
    const others = seederKeys.size === 0 ? peers : peers.filter((remote) => !seederKeys.has(remote.key));
    return this.table.mergeRemote(infoHashHex, others, this.options.now());
  }

  /** Drops expired peers and idle torrents. */
  public sweep(): void {
    this.table.sweep(this.options.now());
  }

  /** Stops waiting on the registry: pending announces are answered "try again later". */
  public close(): void {
    this.gate.close();
  }

  /** Counts after dropping what has expired. */
  public stats(): TrackerStats {
    this.sweep();
    return this.table.stats();
  }

  private async servable(infoHashHex: string): Promise<Verdict> {
    const generation = this.generation;
    const first = await this.gate.check(infoHashHex);
    if (first !== true || generation === this.generation) return first;
    // A forget() ran while we waited: the registry may have revoked the torrent since it answered.
    const again = this.generation;
    const second = await this.gate.check(infoHashHex);
    return second === true && this.generation !== again ? 'unavailable' : second;
  }

  /** The seeder's addresses in compact form, recomputed only when `seeders()` returns a new array. */
  private seeders(): readonly CompactPeer[] {
    let source: readonly TrackedPeer[];
    try {
      source = this.options.seeders();
    } catch {
      source = [];
    }
    if (source !== this.seedersSource) {
      this.seedersSource = source;
      const unique = new Map<string, CompactPeer>();
      for (const seeder of source) {
        const ip = parseIp(seeder.ip);
        if (ip === undefined || !Number.isInteger(seeder.port) || seeder.port < 1 || seeder.port > 0xffff) continue;
        const peer = compactPeer(ip, seeder.port);
        unique.set(peer.key, peer);
      }
      this.seedersCompact = [...unique.values()];
      this.seederKeys = new Set(unique.keys());
    }
    return this.seedersCompact;
  }

  private notify(request: AnnounceRequest, self: CompactPeer): void {
    const onAnnounce = this.options.onAnnounce;
    if (onAnnounce === undefined) return;
    try {
      onAnnounce({ infoHashHex: request.infoHashHex, peer: { ip: self.ip, port: self.port }, left: request.left, downloaded: request.downloaded, event: request.event });
    } catch {
      // The seeder's bookkeeping must not turn into a failed announce.
    }
  }
}

export { REGISTRY_UNAVAILABLE, Tracker, UNKNOWN_TORRENT };
export type { AnnounceReply, AnnounceResult, FamilyChoice, ReplyPeer, ScrapeResult };
