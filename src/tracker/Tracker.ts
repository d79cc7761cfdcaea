import { compactBytes, parseIp, peerKey, writeCompact } from './addresses.js';
import type { IpAddress } from './addresses.js';
import { AnnounceEvent, DEFAULT_NUMWANT, MAX_CACHED_VERDICTS, SERVABLE_VERDICT_TTL_MS } from './constants.js';
import type { PeerKey } from './PeerList.js';
import { RegistryGate } from './RegistryGate.js';
import type { Verdict } from './RegistryGate.js';
import type { AnnounceRequest } from './requests.js';
import type { Swarm } from './Swarm.js';
import { SwarmTable } from './SwarmTable.js';
import type { AnnouncedPeer, RemotePeer, SwarmChanges } from './swarmChanges.js';
import type { ResolvedTrackerOptions } from './trackerOptions.js';
import type { TrackedPeer, TrackerStats } from './types.js';
import type { ScrapeCounts } from './udpCodec.js';

/** The failure reason for a torrent the registry does not serve. */
const UNKNOWN_TORRENT = 'unknown or unpublished torrent';

/** The failure reason when the registry could not answer in time. */
const REGISTRY_UNAVAILABLE = 'tracker cannot check this torrent right now; try again later';

/** What an accepted announce gets back. */
interface AnnounceReply {
  readonly intervalSeconds: number;
  readonly minIntervalSeconds: number;
  readonly complete: number;
  readonly incomplete: number;
  /**
   * IPv4 peers in compact form (6 bytes each, BEP 23), the seeder's addresses first, never the
   * asker. Peer ids are not kept: a peer is its address and port.
   */
  readonly peers4: Buffer;
  /** IPv6 peers likewise (18 bytes each, BEP 7). */
  readonly peers6: Buffer;
}

/** An announce's outcome: a reply, or the reason it was refused (nothing stored then). */
type AnnounceResult = { readonly ok: true; readonly reply: AnnounceReply } | { readonly ok: false; readonly reason: string };

/** A scrape's outcome: counts per servable torrent (the others left out), or why none could be given. */
type ScrapeResult = { readonly ok: true; readonly counts: ReadonlyMap<string, ScrapeCounts> } | { readonly ok: false; readonly reason: string };

/** Which peers a reply may carry: both families (HTTP) or one (a UDP socket's). */
type FamilyChoice = 4 | 6 | 'both';

/** The seeder's addresses, ready for replies. */
interface SeederAddresses {
  readonly v4: Buffer;
  readonly v6: Buffer;
  /** Their keys in each family's swarm lists, so a sample skips them. */
  readonly keys4: ReadonlySet<PeerKey>;
  readonly keys6: ReadonlySet<PeerKey>;
}

const NO_SEEDERS: SeederAddresses = { v4: Buffer.alloc(0), v6: Buffer.alloc(0), keys4: new Set(), keys6: new Set() };

/** An announce's peer as the shared store keeps it; built only when a store is synced. */
function announcedPeer(family: 4 | 6, key: PeerKey, seenAt: number, seed: boolean): AnnouncedPeer {
  const compact = Buffer.allocUnsafe(compactBytes(family));
  writeCompact(family, key, compact, 0);
  return { key, compact, seenAt, seed };
}

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
  /** Infohash → until when (clock ms) the registry's "servable" holds without asking again. */
  private readonly servableUntil = new Map<string, number>();
  private seedersSource: readonly TrackedPeer[] | undefined;
  private seederAddresses: SeederAddresses = NO_SEEDERS;
  /** Keys sampled for one reply; reused, as a reply is built without a pause. */
  private readonly sampled: PeerKey[] = [];

  /** @param changes - told of every change to the swarms (the shared store's sync), if any. */
  public constructor(
    private readonly options: ResolvedTrackerOptions,
    private readonly changes?: SwarmChanges,
  ) {
    this.table = new SwarmTable({ memoryBytes: options.memoryBytes, peerTtlMs: options.peerTtlSeconds * 1000 });
    this.gate = new RegistryGate(options.registry);
  }

  /**
   * Handles an announce from `remote` (the socket's address, never the request's `ip`). Answers
   * at once (no promise) when the registry's verdict on the torrent is fresh in memory, the
   * common case: a promise per announce was a visible share of the UDP path.
   *
   * @param families - which address families the reply can carry.
   * @param maxPeers - a transport's own cap on peers in one reply (UDP: what fits a datagram).
   */
  public announce(request: AnnounceRequest, remote: IpAddress, families: FamilyChoice, maxPeers = Number.MAX_SAFE_INTEGER): AnnounceResult | Promise<AnnounceResult> {
    if (this.knownServable(request.infoHashHex)) return this.accept(request, remote, families, maxPeers);
    return this.servable(request.infoHashHex).then((verdict) => {
      if (verdict !== true) return { ok: false, reason: verdict === false ? UNKNOWN_TORRENT : REGISTRY_UNAVAILABLE };
      return this.accept(request, remote, families, maxPeers);
    });
  }

  /** Counts for each torrent the registry serves; the others are left out. */
  public async scrape(infoHashHexes: readonly string[]): Promise<ScrapeResult> {
    const verdicts = await Promise.all(infoHashHexes.map(async (hex) => (this.knownServable(hex) ? true : this.servable(hex))));
    if (verdicts.every((v) => v !== true)) {
      return { ok: false, reason: verdicts.includes('unavailable') ? REGISTRY_UNAVAILABLE : UNKNOWN_TORRENT };
    }
    const now = this.options.now();
    const seeders = this.seeders();
    const seederCount = seeders.v4.length + seeders.v6.length > 0 ? 1 : 0;
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
    this.servableUntil.delete(infoHashHex);
    this.table.forget(infoHashHex);
    this.changes?.forgotten(infoHashHex);
  }

  /** Merges peers other tracker tasks saw (never the seeder's own addresses) into a swarm held here; false when none is. */
  public mergeRemote(infoHashHex: string, peers: Iterable<RemotePeer>): boolean {
    const seeders = this.seeders();
    return this.table.mergeRemote(infoHashHex, peers, this.options.now(), { 4: seeders.keys4, 6: seeders.keys6 });
  }

  /** Drops expired peers and idle torrents. */
  public sweep(): void {
    const now = this.options.now();
    this.table.sweep(now);
    for (const [hex, until] of this.servableUntil) if (until <= now) this.servableUntil.delete(hex);
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

  /** Stores the announce and builds the reply; the torrent is servable. */
  private accept(request: AnnounceRequest, remote: IpAddress, families: FamilyChoice, maxPeers: number): AnnounceResult {
    const now = this.options.now();
    const selfKey = peerKey(remote, request.port);
    const seeders = this.seeders();
    const selfSkip = remote.family === 4 ? seeders.keys4 : seeders.keys6;
    // The seeder announcing to its own tracker is always returned anyway: it is not stored twice.
    let swarm: Swarm | undefined;
    if (selfSkip.has(selfKey)) {
      swarm = this.table.get(request.infoHashHex, now);
    } else {
      swarm = this.table.announce(request.infoHashHex, { family: remote.family, key: selfKey, seed: request.left === 0 }, request.event, now);
      if (this.changes !== undefined) this.changes.announced(request.infoHashHex, announcedPeer(remote.family, selfKey, now, request.left === 0), request.event);
      this.notify(request, remote);
    }
    const hasSeeder = seeders.v4.length + seeders.v6.length > 0;
    const complete = (swarm?.seeds ?? 0) + (hasSeeder ? 1 : 0);
    const incomplete = swarm?.leechers ?? 0;
    // A stopping peer wants no peers; BEP 3 clients send numwant=0 then anyway.
    if (request.event === AnnounceEvent.Stopped) return this.reply(complete, incomplete, EMPTY, EMPTY);
    // The seeder's addresses go out whatever numwant says (only the transport's cap limits them).
    const own4 = families === 6 ? EMPTY : this.ownAddresses(seeders.v4, 4, remote.family === 4 ? selfKey : undefined, maxPeers);
    const own6 = families === 4 ? EMPTY : this.ownAddresses(seeders.v6, 6, remote.family === 6 ? selfKey : undefined, maxPeers - own4.length / 6);
    const budget = Math.min(request.numwant ?? DEFAULT_NUMWANT, this.options.maxNumwant, maxPeers) - own4.length / 6 - own6.length / 18;
    if (swarm === undefined || budget <= 0) return this.reply(complete, incomplete, own4, own6);
    let want4 = families === 6 ? 0 : budget;
    if (families === 'both') {
      const v4 = swarm.familySize(4);
      const v6 = swarm.familySize(6);
      // Split the budget in proportion to the families' sizes, so neither crowds out the other.
      want4 = budget - (v4 + v6 <= budget ? v6 : Math.round((budget * v6) / (v4 + v6)));
    }
    const peers4 = want4 > 0 ? this.samplePeers(swarm, 4, want4, remote.family === 4 ? selfKey : -1, seeders.keys4, own4) : own4;
    const want6 = families === 4 ? 0 : budget - (peers4.length - own4.length) / 6;
    const peers6 = want6 > 0 ? this.samplePeers(swarm, 6, want6, remote.family === 6 ? selfKey : -1, seeders.keys6, own6) : own6;
    return this.reply(complete, incomplete, peers4, peers6);
  }

  private reply(complete: number, incomplete: number, peers4: Buffer, peers6: Buffer): AnnounceResult {
    const reply: AnnounceReply = { intervalSeconds: this.options.intervalSeconds, minIntervalSeconds: this.options.minIntervalSeconds, complete, incomplete, peers4, peers6 };
    return { ok: true, reply };
  }

  /** The seeder's addresses of one family, less the asker, up to `budget`. */
  private ownAddresses(compact: Buffer, family: 4 | 6, selfKey: PeerKey | undefined, budget: number): Buffer {
    const size = compactBytes(family);
    if (compact.length === 0 || budget <= 0) return EMPTY;
    if (selfKey === undefined && compact.length / size <= budget) return compact;
    const out = Buffer.allocUnsafe(compact.length);
    let length = 0;
    for (let at = 0; at < compact.length && length / size < budget; at += size) {
      const one = compact.subarray(at, at + size);
      if (selfKey !== undefined && family === 4 && one.readUInt32BE(0) * 0x10000 + one.readUInt16BE(4) === selfKey) continue;
      if (selfKey !== undefined && family === 6 && one.toString('latin1') === selfKey) continue;
      one.copy(out, length);
      length += size;
    }
    return out.subarray(0, length);
  }

  /** `head` (the seeder's addresses) followed by up to `count` peers of the swarm, in compact form. */
  private samplePeers(swarm: Swarm, family: 4 | 6, count: number, selfKey: PeerKey, skip: ReadonlySet<PeerKey>, head: Buffer): Buffer {
    const keys = this.sampled;
    keys.length = 0;
    const taken = swarm.sample(family, count, selfKey, skip, keys);
    if (taken === 0) return head;
    const size = compactBytes(family);
    const out = Buffer.allocUnsafe(head.length + taken * size);
    head.copy(out, 0);
    let offset = head.length;
    for (let i = 0; i < taken; i += 1) {
      writeCompact(family, keys[i] as PeerKey, out, offset);
      offset += size;
    }
    return out;
  }

  /** Whether the registry said lately that this torrent is servable. */
  private knownServable(infoHashHex: string): boolean {
    const until = this.servableUntil.get(infoHashHex);
    return until !== undefined && until > this.options.now();
  }

  private async servable(infoHashHex: string): Promise<Verdict> {
    const generation = this.generation;
    const first = await this.gate.check(infoHashHex);
    if (first !== true) return first;
    if (generation === this.generation) {
      this.rememberServable(infoHashHex);
      return true;
    }
    // A forget() ran while we waited: the registry may have revoked the torrent since it answered.
    const again = this.generation;
    const second = await this.gate.check(infoHashHex);
    if (second !== true) return second;
    if (this.generation !== again) return 'unavailable';
    this.rememberServable(infoHashHex);
    return true;
  }

  private rememberServable(infoHashHex: string): void {
    if (this.servableUntil.size >= MAX_CACHED_VERDICTS) {
      const oldest = this.servableUntil.keys().next();
      if (oldest.done !== true) this.servableUntil.delete(oldest.value);
    }
    this.servableUntil.delete(infoHashHex);
    this.servableUntil.set(infoHashHex, this.options.now() + SERVABLE_VERDICT_TTL_MS);
  }

  /** The seeder's addresses in compact form, recomputed only when `seeders()` returns a new array. */
  private seeders(): SeederAddresses {
    let source: readonly TrackedPeer[];
    try {
      source = this.options.seeders();
    } catch {
      source = [];
    }
    if (source !== this.seedersSource) {
      this.seedersSource = source;
      const v4 = new Map<PeerKey, Buffer>();
      const v6 = new Map<PeerKey, Buffer>();
      for (const seeder of source) {
        const ip = parseIp(seeder.ip);
        if (ip === undefined || !Number.isInteger(seeder.port) || seeder.port < 1 || seeder.port > 0xffff) continue;
        const key = peerKey(ip, seeder.port);
        const compact = Buffer.alloc(compactBytes(ip.family));
        writeCompact(ip.family, key, compact, 0);
        (ip.family === 4 ? v4 : v6).set(key, compact);
      }
      this.seederAddresses = { v4: Buffer.concat([...v4.values()]), v6: Buffer.concat([...v6.values()]), keys4: new Set(v4.keys()), keys6: new Set(v6.keys()) };
    }
    return this.seederAddresses;
  }

  private notify(request: AnnounceRequest, remote: IpAddress): void {
    const onAnnounce = this.options.onAnnounce;
    if (onAnnounce === undefined) return;
    try {
      onAnnounce({ infoHashHex: request.infoHashHex, peer: { ip: remote.text, port: request.port }, left: request.left, downloaded: request.downloaded, event: request.event });
    } catch {
      // The seeder's bookkeeping must not turn into a failed announce.
    }
  }
}

const EMPTY = Buffer.alloc(0);

export { REGISTRY_UNAVAILABLE, Tracker, UNKNOWN_TORRENT };
export type { AnnounceReply, AnnounceResult, FamilyChoice, ScrapeResult };
