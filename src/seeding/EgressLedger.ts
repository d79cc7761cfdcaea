import { AnnounceEvent } from '../tracker/index.js';
import type { AnnounceNotice } from '../tracker/index.js';
import type { ObjectVersion, Swarm } from '../wire/index.js';

/**
 * Peers remembered across every object at once (~200 bytes each: ~40 MiB at the cap). Past it a
 * new peer is not followed until expired ones make room: its announces credit nothing (counted
 * in `droppedUpdates`), so the cap can only make the counts lower, never higher.
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

/** One object version as the ledger files it, with the peers heard from on its torrents. */
interface LedgerObject {
  readonly id: string;
  readonly object: ObjectVersion;
  readonly size: number;
  /** By address, port and torrent; oldest announce first (an announce moves its peer to the end). */
  readonly peers: Map<string, PeerTally>;
  /** When the version was withdrawn: its peers heard from before then are dropped at the next report. */
  withdrawnAt: number | undefined;
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
  /** Versions with peers remembered, by id; a version goes once its last peer has expired. */
  private readonly objects = new Map<string, LedgerObject>();
  private readonly objectOfSwarm = new WeakMap<Swarm, LedgerObject>();
  private readonly pending = new Map<string, PendingCounts>();
  private readonly servedSeen = new WeakMap<Swarm, number>();
  private peerCount = 0;
  private droppedUpdates = 0;

  /** Files one accepted announce of the swarm `swarm` (the one its infohash names). */
  public announce(notice: AnnounceNotice, swarm: Swarm): void {
    const owner = this.objectOf(swarm);
    const hybrid = swarm.torrent.views.get(notice.infoHashHex)?.hybrid === true;
    // The hybrid torrent's two infohashes are one download: a client announcing both is one peer.
    const peerKey = `${notice.peer.ip} ${notice.peer.port}${hybrid ? ' hybrid' : ''}`;
    const reported = Math.min(notice.downloaded, owner.size);
    let tally = owner.peers.get(peerKey);
    let gained: number;
    if (tally === undefined) {
      if (this.peerCount >= MAX_REMEMBERED_PEERS) {
        this.droppedUpdates += 1;
        return;
      }
      // Only a `started` announce opens a session whose count we saw from zero.
      gained = notice.event === AnnounceEvent.Started ? reported : 0;
      tally = { lastReported: reported, credited: 0, left: notice.left, completed: false, stopped: false, heardAt: 0 };
      this.peerCount += 1;
      if (owner.peers.size === 0) this.objects.set(owner.id, owner);
    } else {
      owner.peers.delete(peerKey);
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
    owner.peers.set(peerKey, tally);
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
   * from before now are dropped at the next report.
   */
  public forgetPeersOf(swarm: Swarm): void {
    this.objectOf(swarm).withdrawnAt = Date.now();
  }

  /** Everything counted since the last report, with each swarm's size now, and starts afresh. */
  public report(): EgressReport {
    const figures: EgressFigures[] = [];
    const expiredBefore = Date.now() - PEER_MEMORY_MS;
    for (const owner of this.objects.values()) {
      const swarm = this.swarmOf(owner, expiredBefore);
      const counts = this.pending.get(owner.id);
      this.pending.delete(owner.id);
      if (counts !== undefined || swarm.seeds + swarm.leechers > 0) figures.push({ ...figuresOf(owner, counts), ...swarm });
    }
    for (const counts of this.pending.values()) figures.push({ ...figuresOf(counts.owner, counts), seeds: 0, leechers: 0 });
    const report = { figures, droppedUpdates: this.droppedUpdates };
    this.pending.clear();
    this.droppedUpdates = 0;
    return report;
  }

  /** Counts the version's live peers, dropping the expired and the withdrawn (peers are in announce order). */
  private swarmOf(owner: LedgerObject, expiredBefore: number): { seeds: number; leechers: number } {
    const forgetBefore = Math.max(expiredBefore, owner.withdrawnAt ?? 0);
    let seeds = 0;
    let leechers = 0;
    for (const [key, tally] of owner.peers) {
      if (tally.heardAt <= forgetBefore) {
        owner.peers.delete(key);
        this.peerCount -= 1;
        continue;
      }
      if (tally.stopped) continue;
      if (tally.left === 0) seeds += 1;
      else leechers += 1;
    }
    if (owner.peers.size === 0) this.objects.delete(owner.id);
    return { seeds, leechers };
  }

  /** The version a swarm serves: one LedgerObject per version, shared by a swarm recreated after an idle drop. */
  private objectOf(swarm: Swarm): LedgerObject {
    let owner = this.objectOfSwarm.get(swarm);
    if (owner === undefined) {
      // A prefix swarm's egress is counted under its snapshot (see SwarmTorrent.version).
      const object = swarm.torrent.version;
      const id = `${object.bucket}/${object.key}@${object.etag}`;
      owner = this.objects.get(id) ?? this.pending.get(id)?.owner ?? { id, object, size: swarm.torrent.size, peers: new Map(), withdrawnAt: undefined };
      this.objectOfSwarm.set(swarm, owner);
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
