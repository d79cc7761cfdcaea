import { peerFromCompact } from './addresses.js';
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

/**
 * A peer another tracker task saw, as the store gives it: only the key and the time are read
 * before the table decides it needs the peer (most of a read is peers it holds already).
 */
interface RemotePeer {
  /** Its compact address as a latin1 string: the key the swarms use. */
  readonly key: string;
  /** 6 bytes (IPv4) or 18 (IPv6). */
  readonly compact: Uint8Array;
  /** The other task's clock reading of its last announce. */
  readonly seenAt: number;
  readonly seed: boolean;
  /** It announced `stopped` there at `seenAt`. */
  readonly stopped: boolean;
}

/** The stored form of a remote peer (its peer id unknown; a leecher's bytes left unknown, 1); undefined for a malformed address. */
function storedPeerOf(remote: RemotePeer): StoredPeer | undefined {
  const peer = peerFromCompact(remote.compact);
  return peer === undefined ? undefined : { ...peer, peerId: undefined, left: remote.seed ? 0 : 1, seenAt: remote.seenAt };
}

export { storedPeerOf };
export type { RemotePeer, SwarmChanges };
