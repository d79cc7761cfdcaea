import type { AnnounceEvent } from './constants.js';
import type { PeerKey } from './PeerList.js';

/** A peer as an announce here stored it, in the form the shared store keeps. */
interface AnnouncedPeer {
  /** Its key in the swarm (see `peerKey`): the same peer always the same key. */
  readonly key: PeerKey;
  /** 6 bytes (IPv4) or 18 (IPv6): the store's member. */
  readonly compact: Uint8Array;
  /** Clock reading of this announce, in milliseconds. */
  readonly seenAt: number;
  /** Nothing left to download. */
  readonly seed: boolean;
}

/**
 * Told of every change this tracker makes to its swarms, after the local table has it: what a
 * shared store mirrors so that other tracker tasks learn of this one's peers. Must not throw and
 * must not wait: it runs on the announce path.
 */
interface SwarmChanges {
  /** A peer announced (`event` says how; a `stopped` peer was removed). */
  announced(infoHashHex: string, peer: AnnouncedPeer, event: AnnounceEvent): void;
  /** The torrent was revoked: every peer of it is gone. */
  forgotten(infoHashHex: string): void;
}

/**
 * A peer another tracker task saw, as the store gives it: only the time is read before the
 * table decides it needs the peer (most of a read is peers it holds already).
 */
interface RemotePeer {
  /** 6 bytes (IPv4) or 18 (IPv6). */
  readonly compact: Uint8Array;
  /** The other task's clock reading of its last announce. */
  readonly seenAt: number;
  readonly seed: boolean;
  /** It announced `stopped` there at `seenAt`. */
  readonly stopped: boolean;
}

export type { AnnouncedPeer, RemotePeer, SwarmChanges };
