import { LRUCache } from 'lru-cache';
import { AnnounceEvent } from '../tracker/index.js';
import type { AnnounceNotice } from '../tracker/index.js';
import type { ObjectVersion, Swarm } from '../wire/index.js';

/**
 * Peers remembered across every object at once (~150 bytes each: ~30 MiB at the cap). Past it the
 * least recently heard go first; one that comes back is taken as new (its reported count
 * becomes its baseline, see `announce`), so forgetting never adds bytes.
 */
const MAX_REMEMBERED_PEERS = 200_000;

/**
 * A peer not heard from in this long is gone: three of the tracker's default 300 s announce
 * intervals, as the tracker's own default peer lifetime.
 */
const PEER_MEMORY_MS = 15 * 60_000;

/**
 * What one peer (address and port, on one of the object's two torrents) is credited with while
 * remembered, in object sizes: one download, and one more (a client that deleted its copy and
 * fetched it again). A peer claiming more is not believed.
 */
const PEER_CREDIT_SIZES = 2;

/**
 * Objects with counts waiting for the next report, at most. Each is a few numbers; the cap
 * only bounds a flood of swarms between two reports. Past it a new object's counts are dropped
 * and counted (`droppedUpdates`).
 */
const MAX_PENDING_OBJECTS = 20_000;

/** One object version as the ledger files it. */
interface LedgerObject {
  readonly id: string;
  readonly object: ObjectVersion;
  readonly size: number;
}

/** One object version's counts since the last report, and its swarm now. */
interface EgressFigures {
  readonly object: ObjectVersion;
  /** Bytes of the object: one completed download delivers this many. */
  readonly size: number;
  /** Block bytes our seeder handed to peers (piece messages over TCP and uTP). */
  readonly servedBytes: number;
  /** Bytes peers reported downloading from anyone (us, each other, the webseed), clamped per peer. */
  readonly peerDownloadedBytes: number;
  /** Downloads peers reported complete (`completed` event, or `left` reaching 0): `size` each. */
  readonly completions: number;
  /** Peers heard from in the last PEER_MEMORY_MS that have the whole object, and the others; the seeder not counted. */
  readonly seeds: number;
  readonly leechers: number;
}

/** What the ledger gathered since its last report. */
interface EgressReport {
  readonly figures: readonly EgressFigures[];
  /** Updates (one announce's or one swarm's counts) dropped because MAX_PENDING_OBJECTS objects were already waiting. */
  readonly droppedUpdates: number;
}

interface PeerTally {
  readonly owner: LedgerObject;
  /** The peer's reported `downloaded` (clamped to the size) at its last announce. */
  lastReported: number;
  /** Bytes credited to this peer so far: at most PEER_CREDIT_SIZES × size. */
  credited: number;
  left: number;
  completed: boolean;
  stopped: boolean;
  /** Epoch ms of its last announce. */
  heardAt: number;
}

interface PendingCounts {
  readonly owner: LedgerObject;
  servedBytes: number;
  peerDownloadedBytes: number;
  completions: number;
}

/**
 * Counts, per served object version, what the seeder sent and what peers say they got, from the
 * swarms' own counters and the tracker's announces. Synchronous and bounded: announces and
 * block sends never wait on it. `report()` hands over what accumulated and starts afresh.
 *
 * Peer reports are claims: each is clamped (a peer's `downloaded` to the object's size, its
 * credit to PEER_CREDIT_SIZES sizes, one completion while remembered), and a peer first heard
 * from mid-session (after a seeder restart, say) is credited only with what it gains from then on.
 */
class EgressLedger {
  private readonly peers = new LRUCache<string, PeerTally>({ max: MAX_REMEMBERED_PEERS, ttl: PEER_MEMORY_MS, updateAgeOnGet: false });
  private readonly pending = new Map<string, PendingCounts>();
  private readonly servedSeen = new WeakMap<Swarm, number>();
  private readonly objects = new WeakMap<Swarm, LedgerObject>();
  private droppedUpdates = 0;
  /** When each version was withdrawn: its peers heard from before then are forgotten. Peers outlive no entry. */
  private readonly withdrawn = new LRUCache<string, number>({ max: MAX_PENDING_OBJECTS, ttl: PEER_MEMORY_MS });

  /** Files one accepted announce of the swarm `swarm` (the one its infohash names). */
  public announce(notice: AnnounceNotice, swarm: Swarm): void {
    const owner = this.objectOf(swarm);
    const hybrid = swarm.torrent.views.get(notice.infoHashHex)?.hybrid === true;
    // The hybrid torrent's two infohashes are one download: a client announcing both is one peer.
    const peerKey = `${owner.id}\n${hybrid ? 'hybrid' : 'v1'}\n${notice.peer.ip}\n${notice.peer.port}`;
    const reported = Math.min(notice.downloaded, owner.size);
    let tally = this.peers.get(peerKey);
    let gained: number;
    if (tally === undefined) {
      // Only a `started` announce opens a session whose count we saw from zero.
      gained = notice.event === AnnounceEvent.Started ? reported : 0;
      tally = { owner, lastReported: reported, credited: 0, left: notice.left, completed: false, stopped: false, heardAt: 0 };
    } else {
      // A count that went down is a new session of the same client: it counts from zero again.
      gained = reported >= tally.lastReported ? reported - tally.lastReported : reported;
      tally.lastReported = reported;
    }
    gained = Math.min(gained, PEER_CREDIT_SIZES * owner.size - tally.credited);
    tally.credited += gained;
    const finished = notice.left === 0 && (notice.event === AnnounceEvent.Completed || tally.left > 0);
    const completions = finished && !tally.completed ? 1 : 0;
    if (completions > 0) tally.completed = true;
    tally.left = notice.left;
    tally.stopped = notice.event === AnnounceEvent.Stopped;
    tally.heardAt = Date.now();
    this.peers.set(peerKey, tally);
    if (gained > 0 || completions > 0) {
      const counts = this.pendingFor(owner);
      if (counts !== undefined) {
        counts.peerDownloadedBytes += gained;
        counts.completions += completions;
      }
    }
  }

  /** Takes the block bytes `swarm` sent since last looked at; call for each swarm before a report, and as it stops. */
  public collectServed(swarm: Swarm): void {
    const total = swarm.served.bytes;
    const delta = total - (this.servedSeen.get(swarm) ?? 0);
    if (delta <= 0) return;
    this.servedSeen.set(swarm, total);
    const counts = this.pendingFor(this.objectOf(swarm));
    if (counts !== undefined) counts.servedBytes += delta;
  }

  /**
   * Forgets the peers of a withdrawn version (the tracker has dropped them too): those heard
   * from before now are dropped at the next report, not here, so a seeder stopping all its
   * swarms does not walk every peer once per swarm.
   */
  public forgetPeersOf(swarm: Swarm): void {
    this.withdrawn.set(this.objectOf(swarm).id, Date.now());
  }

  /** Everything counted since the last report, with each swarm's size now, and starts afresh. */
  public report(): EgressReport {
    const swarms = new Map<string, { owner: LedgerObject; seeds: number; leechers: number }>();
    const forgotten: string[] = [];
    for (const [key, tally] of this.peers.entries()) {
      const withdrawnAt = this.withdrawn.get(tally.owner.id);
      if (withdrawnAt !== undefined && tally.heardAt <= withdrawnAt) {
        forgotten.push(key);
        continue;
      }
      if (tally.stopped) continue;
      let swarm = swarms.get(tally.owner.id);
      if (swarm === undefined) {
        swarm = { owner: tally.owner, seeds: 0, leechers: 0 };
        swarms.set(tally.owner.id, swarm);
      }
      if (tally.left === 0) swarm.seeds += 1;
      else swarm.leechers += 1;
    }
    for (const key of forgotten) this.peers.delete(key);
    const figures: EgressFigures[] = [];
    for (const counts of this.pending.values()) {
      const swarm = swarms.get(counts.owner.id);
      swarms.delete(counts.owner.id);
      figures.push({ ...figuresOf(counts.owner, counts), seeds: swarm?.seeds ?? 0, leechers: swarm?.leechers ?? 0 });
    }
    for (const swarm of swarms.values()) figures.push({ ...figuresOf(swarm.owner, undefined), seeds: swarm.seeds, leechers: swarm.leechers });
    const report = { figures, droppedUpdates: this.droppedUpdates };
    this.pending.clear();
    this.droppedUpdates = 0;
    return report;
  }

  private objectOf(swarm: Swarm): LedgerObject {
    let owner = this.objects.get(swarm);
    if (owner === undefined) {
      const { object } = swarm.torrent;
      owner = { id: `${object.bucket}/${object.key}@${object.etag}`, object, size: swarm.torrent.size };
      this.objects.set(swarm, owner);
    }
    return owner;
  }

  private pendingFor(owner: LedgerObject): PendingCounts | undefined {
    let counts = this.pending.get(owner.id);
    if (counts === undefined) {
      if (this.pending.size >= MAX_PENDING_OBJECTS) {
        this.droppedUpdates += 1;
        return undefined;
      }
      counts = { owner, servedBytes: 0, peerDownloadedBytes: 0, completions: 0 };
      this.pending.set(owner.id, counts);
    }
    return counts;
  }
}

function figuresOf(owner: LedgerObject, counts: PendingCounts | undefined): Omit<EgressFigures, 'seeds' | 'leechers'> {
  return {
    object: owner.object,
    size: owner.size,
    servedBytes: counts?.servedBytes ?? 0,
    peerDownloadedBytes: counts?.peerDownloadedBytes ?? 0,
    completions: counts?.completions ?? 0,
  };
}

export { EgressLedger, MAX_PENDING_OBJECTS, MAX_REMEMBERED_PEERS, PEER_CREDIT_SIZES, PEER_MEMORY_MS };
export type { EgressFigures, EgressReport };
