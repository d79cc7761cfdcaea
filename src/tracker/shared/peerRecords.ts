import type { RemotePeer } from '../swarmChanges.js';

/**
 * The shared store's layout: one sorted set per torrent, `s3t:swarm:{<infohash hex>}`. The
 * braces are a hash tag: in cluster mode (ElastiCache Serverless has no other) everything of one
 * swarm lives in one slot, and no command ever spans two keys. A member is a peer's compact
 * address (6 or 18 bytes: the same peer always the same member); its score packs the last
 * announce's clock reading and two flags, so one ZADD records an announce, one
 * ZREMRANGEBYSCORE expires by time, and a ZREVRANGEBYSCORE reads the most recent peers first.
 */
const KEY_PREFIX = 's3t:swarm:';

/** Score bits below the time: the peer is a seed (left = 0). */
const SEED_FLAG = 1;
/** Score bits below the time: the peer announced `stopped` (a tombstone, so other tasks drop it too). */
const STOPPED_FLAG = 2;
/** Times are scaled by this to make room for the flags; ms × 4 stays below 2^53 for millennia. */
const FLAG_SPAN = 4;

function swarmKey(infoHashHex: string): string {
  return `${KEY_PREFIX}{${infoHashHex}}`;
}

/** A member's score: `seenAt` (ms) with the flags in its lowest bits. */
function peerScore(seenAt: number, seed: boolean, stopped: boolean): number {
  return seenAt * FLAG_SPAN + (seed ? SEED_FLAG : 0) + (stopped ? STOPPED_FLAG : 0);
}

/** The lowest score of a peer seen at or after `time`. */
function scoreAt(time: number): number {
  return time * FLAG_SPAN;
}

/** A member and its score as the store returns them; undefined when either is malformed. */
function remotePeerFrom(member: Buffer, score: Buffer): RemotePeer | undefined {
  const value = Number(score.toString('latin1'));
  if ((member.length !== 6 && member.length !== 18) || !Number.isSafeInteger(value) || value < 0) return undefined;
  const flags = value % FLAG_SPAN;
  return {
    compact: member,
    seenAt: (value - flags) / FLAG_SPAN,
    seed: (flags & SEED_FLAG) !== 0,
    stopped: (flags & STOPPED_FLAG) !== 0,
  };
}

export { peerScore, remotePeerFrom, scoreAt, swarmKey };
