import type { AnnounceEvent } from './constants.js';
import type { StoredPeer } from './Swarm.js';

/**
 * Told of every change this tracker makes to its swarms, after the local table has it: what a
 * shared store mirrors so that other tracker tasks learn of this one's peers. Must not throw and
 * must not wait: it runs on the announce path.
 */
interface SwarmChanges {
  /** A peer announced (`event` says how; a `stopped` peer was removed). */
  announced(infoHashHex: string, peer: StoredPeer, event: AnnounceEvent): void;
  /** The torrent was revoked: every peer of it is gone. */
  forgotten(infoHashHex: string): void;
}

/** A peer another tracker task saw, as merged into the local table. */
interface RemotePeer {
  /** Its `seenAt` is the other task's clock reading of its last announce; `left` is 0 for a seed. */
  readonly peer: StoredPeer;
  /** It announced `stopped` there at `seenAt`. */
  readonly stopped: boolean;
}

export type { RemotePeer, SwarmChanges };
