import { AnnounceEvent } from '../constants.js';
import type { PeerKey } from '../PeerList.js';
import type { AnnouncedPeer, RemotePeer, SwarmChanges } from '../swarmChanges.js';
import { StoreConnection } from './StoreConnection.js';
import type { StoreStatus } from './StoreConnection.js';
import { peerScore, remotePeerFrom, scoreAt, swarmKey } from './peerRecords.js';
import { RespErrorReply } from './resp.js';
import type { RespArgument, RespReply } from './resp.js';
import type { SwarmStoreOptions } from './storeOptions.js';

/** How often this task's changes go to the store, in one pipeline: the delay before other tasks can see a peer. */
const FLUSH_INTERVAL_MS = 200;

/** How often the swarms announced to here are read back with the other tasks' peers. Flush + pull stay well under a second. */
const PULL_INTERVAL_MS = 500;

/** Peers read per swarm per pull, the most recent first: what one reply can use (numwant is capped at 200) with room for tombstones. */
const MAX_PULLED_PEERS_PER_SWARM = 300;

/**
 * A swarm read before is read again from this long before the last read on: the other tasks'
 * announces reach the store up to a flush (200 ms) and a round trip after their clock reading,
 * and task clocks (Amazon Time Sync) agree to well under a millisecond. What is read twice
 * merges as a no-op, but costs its parsing: the overlap is kept short.
 */
const READ_OVERLAP_MS = 1_000;

/** Swarms read per pull at most; beyond it they take turns, so a task with many torrents refreshes each less often instead of flooding the store. */
const MAX_PULLS_PER_ROUND = 256;

/**
 * A written swarm's expired peers are trimmed and its key's lifetime renewed at most this often,
 * not at every flush: a busy swarm then costs one command per flush, not three. Reads filter
 * expired peers by score anyway, and the key lives a peer lifetime plus this after a write.
 */
const UPKEEP_INTERVAL_MS = 10_000;

/** Peers per ZADD at most: ElastiCache Serverless refuses a command of more than 3,999 arguments (2 + 2 per peer). */
const MAX_PEERS_PER_ZADD = 1_000;

/** Changed peers held for the next flush at most; while the store is down, changes past this are dropped (their next announce sends them again). */
const MAX_PENDING_PEERS = 100_000;

/** How the sync changes the local table (the tracker's `mergeRemote`); false when the swarm is not held there. */
type MergeRemote = (infoHashHex: string, peers: readonly RemotePeer[]) => boolean;

/** A swarm announced to here, as the sync follows it. */
interface ActiveSwarm {
  /** Clock reading of its last local announce. */
  lastAnnounce: number;
  /** Its last read started at this clock reading: the next one asks only for what is newer (less {@link READ_OVERLAP_MS}). */
  readAt: number | undefined;
  /** Its last upkeep (trim and key lifetime). */
  upkeptAt: number | undefined;
}

/** What a {@link SharedSwarmSync} takes. */
interface SharedSwarmSyncOptions {
  readonly store: SwarmStoreOptions;
  /** Milliseconds a peer lives without a re-announce: the store's expiry, as the tracker's. */
  readonly peerTtlMs: number;
  /** A swarm is read back while it had a local announce this recently: peers re-announce every interval, so each swarm with a peer here stays fresh. */
  readonly activeWindowMs: number;
  readonly now: () => number;
  /** Told when the store goes down (once per outage) and when it is back. */
  readonly onStatus: (status: StoreStatus) => void;
}

/** What the sync has done, for the operator and the bench. */
interface SharedSwarmStats {
  /** Commands sent to the store since start (each counts as one op). */
  readonly commands: number;
  readonly flushes: number;
  readonly pulls: number;
  /** Changes dropped because the store was down too long. */
  readonly droppedChanges: number;
}

/**
 * Mirrors this tracker task's swarms into Valkey/Redis and merges the other tasks' peers back,
 * off the announce path: every announce is answered from the local table at once. Local changes
 * are coalesced per peer and flushed in one pipeline every {@link FLUSH_INTERVAL_MS}; swarms
 * announced to here recently are read back every {@link PULL_INTERVAL_MS}. With the store down,
 * the tracker carries on with its own peers and the sync reconnects with backoff.
 */
class SharedSwarmSync implements SwarmChanges {
  private readonly connection: StoreConnection;
  /** Per swarm, per peer key: the member and the score to write. */
  private pending = new Map<string, Map<PeerKey, { member: Uint8Array; score: number }>>();
  private pendingPeers = 0;
  private forgottenSwarms = new Set<string>();
  /** Swarms announced to here, in order of when last read back (the least recent first). */
  private readonly active = new Map<string, ActiveSwarm>();
  private merge: MergeRemote | undefined;
  private flushing = false;
  private pulling = false;
  private readonly timers: NodeJS.Timeout[];
  private flushes = 0;
  private pulls = 0;
  private droppedChanges = 0;
  /** An error reply was reported already: a refusal (NOPERM, a wrong engine) repeats every round, the log line once is enough. */
  private refusalReported = false;

  public constructor(private readonly options: SharedSwarmSyncOptions) {
    this.connection = new StoreConnection(options.store, options.onStatus);
    const flush = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    const pull = setInterval(() => void this.pull(), PULL_INTERVAL_MS);
    flush.unref();
    pull.unref();
    this.timers = [flush, pull];
  }

  /** Where pulled peers go: set once the tracker exists (it takes this sync as its listener). */
  public mergeInto(merge: MergeRemote): void {
    this.merge = merge;
  }

  public announced(infoHashHex: string, peer: AnnouncedPeer, event: AnnounceEvent): void {
    const stopped = event === AnnounceEvent.Stopped;
    if (!stopped) {
      const active = this.active.get(infoHashHex);
      if (active === undefined) this.active.set(infoHashHex, { lastAnnounce: peer.seenAt, readAt: undefined, upkeptAt: undefined });
      else active.lastAnnounce = peer.seenAt;
    }
    let swarm = this.pending.get(infoHashHex);
    if (swarm === undefined) {
      swarm = new Map();
      this.pending.set(infoHashHex, swarm);
    }
    const score = peerScore(peer.seenAt, peer.seed, stopped);
    const existing = swarm.get(peer.key);
    if (existing !== undefined) {
      existing.score = score;
      return;
    }
    if (this.pendingPeers >= MAX_PENDING_PEERS) {
      this.droppedChanges += 1;
      return;
    }
    swarm.set(peer.key, { member: peer.compact, score });
    this.pendingPeers += 1;
  }

  public forgotten(infoHashHex: string): void {
    const swarm = this.pending.get(infoHashHex);
    if (swarm !== undefined) {
      this.pendingPeers -= swarm.size;
      this.pending.delete(infoHashHex);
    }
    this.active.delete(infoHashHex);
    this.forgottenSwarms.add(infoHashHex);
  }

  public stats(): SharedSwarmStats {
    return { commands: this.connection.commandsSent, flushes: this.flushes, pulls: this.pulls, droppedChanges: this.droppedChanges };
  }

  /** Stops the rounds and drops the connection; what has not been flushed is lost (its peers re-announce). */
  public close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.connection.close();
  }

  /** Sends every pending change in one pipeline; on failure they wait for the next round. */
  public async flush(): Promise<void> {
    if (this.flushing || !this.connection.isReady || (this.pending.size === 0 && this.forgottenSwarms.size === 0)) return;
    this.flushing = true;
    const batch = this.pending;
    const forgotten = this.forgottenSwarms;
    this.pending = new Map();
    this.pendingPeers = 0;
    this.forgottenSwarms = new Set();
    const now = this.options.now();
    const ttl = String(this.options.peerTtlMs + UPKEEP_INTERVAL_MS);
    // Anything scored below this was last seen more than a peer lifetime ago.
    const expired = `(${scoreAt(now - this.options.peerTtlMs)}`;
    const commands: RespArgument[][] = [];
    for (const hex of forgotten) commands.push(['DEL', swarmKey(hex)]);
    for (const [hex, peers] of batch) {
      const key = swarmKey(hex);
      let zadd: RespArgument[] = ['ZADD', key];
      for (const { member, score } of peers.values()) {
        if (zadd.length >= 2 + 2 * MAX_PEERS_PER_ZADD) {
          commands.push(zadd);
          zadd = ['ZADD', key];
        }
        zadd.push(String(score), member);
      }
      commands.push(zadd);
      // Only active swarms are remembered: one that only saw stops is upkept at each write.
      const active = this.active.get(hex);
      if (active?.upkeptAt === undefined || now - active.upkeptAt >= UPKEEP_INTERVAL_MS) {
        // The key outlives its last write by a peer lifetime, so an abandoned swarm vanishes by itself.
        commands.push(['ZREMRANGEBYSCORE', key, '-inf', expired], ['PEXPIRE', key, ttl]);
        if (active !== undefined) active.upkeptAt = now;
      }
    }
    try {
      this.reportRefusal(commands, await this.connection.pipeline(commands));
      this.flushes += 1;
    } catch {
      this.requeue(batch, forgotten);
    } finally {
      this.flushing = false;
    }
  }

  /** Reads back the swarms announced to here (up to {@link MAX_PULLS_PER_ROUND}, taking turns) and merges their peers. */
  public async pull(): Promise<void> {
    const merge = this.merge;
    if (this.pulling || merge === undefined || !this.connection.isReady || this.active.size === 0) return;
    const now = this.options.now();
    const since = now - this.options.activeWindowMs;
    const chosen: Array<[string, ActiveSwarm]> = [];
    for (const [hex, active] of this.active) {
      if (chosen.length >= MAX_PULLS_PER_ROUND) break;
      if (active.lastAnnounce >= since) chosen.push([hex, active]);
      else this.active.delete(hex);
    }
    for (const [hex, active] of chosen) {
      // To the back: the others go first next round.
      this.active.delete(hex);
      this.active.set(hex, active);
    }
    if (chosen.length === 0) return;
    this.pulling = true;
    const lifetimeStart = now - this.options.peerTtlMs;
    // Only what changed since the last read (a peer's score is its last announce): a pull costs
    // what the other tasks saw happen, not the size of the swarm.
    const commands = chosen.map(([hex, active]): RespArgument[] => {
      const from = active.readAt === undefined ? lifetimeStart : Math.max(lifetimeStart, active.readAt - READ_OVERLAP_MS);
      return ['ZREVRANGEBYSCORE', swarmKey(hex), '+inf', String(scoreAt(from)), 'WITHSCORES', 'LIMIT', '0', String(MAX_PULLED_PEERS_PER_SWARM)];
    });
    let replies: RespReply[];
    try {
      replies = await this.connection.pipeline(commands);
    } catch {
      return; // the connection reports it; the next round tries again
    } finally {
      this.pulling = false;
    }
    this.pulls += 1;
    this.reportRefusal(commands, replies);
    chosen.forEach(([hex, active], i) => {
      const reply = replies[i];
      if (!Array.isArray(reply)) return;
      const peers: RemotePeer[] = [];
      // Oldest first, so merged peers go in mostly in order of last announce.
      for (let j = reply.length - 2; j >= 0; j -= 2) {
        const member = reply[j];
        const score = reply[j + 1];
        if (!Buffer.isBuffer(member) || !Buffer.isBuffer(score)) continue;
        const remote = remotePeerFrom(member, score);
        if (remote !== undefined) peers.push(remote);
      }
      // A swarm the table no longer holds (evicted) is read whole again once it is back.
      active.readAt = merge(hex, peers) ? now : undefined;
    });
  }

  /** Tells the operator, once, of a command the store refused: the store is there but the sync does not work. */
  private reportRefusal(commands: readonly (readonly RespArgument[])[], replies: readonly RespReply[]): void {
    if (this.refusalReported) return;
    const index = replies.findIndex((reply) => reply instanceof RespErrorReply);
    if (index < 0) return;
    this.refusalReported = true;
    this.options.onStatus({ state: 'down', reason: `the store refused ${String(commands[index]?.[0])}: ${(replies[index] as RespErrorReply).message}` });
  }

  /** Puts a failed batch back, under what changed since (newer scores win). */
  private requeue(batch: Map<string, Map<PeerKey, { member: Uint8Array; score: number }>>, forgotten: Set<string>): void {
    const forgottenSince = new Set(this.forgottenSwarms);
    for (const hex of forgotten) this.forgottenSwarms.add(hex);
    for (const [hex, peers] of batch) {
      // Revoked after this batch was taken: its peers are gone.
      if (forgottenSince.has(hex)) continue;
      let current = this.pending.get(hex);
      if (current === undefined) {
        current = new Map();
        this.pending.set(hex, current);
      }
      for (const [key, change] of peers) {
        if (current.has(key)) continue;
        if (this.pendingPeers >= MAX_PENDING_PEERS) {
          this.droppedChanges += 1;
          continue;
        }
        current.set(key, change);
        this.pendingPeers += 1;
      }
    }
  }
}

export { FLUSH_INTERVAL_MS, MAX_PULLED_PEERS_PER_SWARM, MAX_PULLS_PER_ROUND, PULL_INTERVAL_MS, SharedSwarmSync };
export type { SharedSwarmStats, SharedSwarmSyncOptions };
