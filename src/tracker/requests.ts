import type { AnnounceEvent } from './constants.js';

/** Length of an infohash on the wire (a v1 SHA-1, or a v2 SHA-256 truncated as BEP 52 says) and of a peer id. */
const HASH_BYTES = 20;

/** An announce, whichever transport it came by, checked and normalised. */
interface AnnounceRequest {
  /** 40 lowercase hex digits. */
  readonly infoHashHex: string;
  // No peer id: it is checked on HTTP (20 bytes) but kept nowhere (a peer is its address and port).
  /** 1 to 65535: where the peer listens. */
  readonly port: number;
  readonly uploaded: number;
  readonly downloaded: number;
  readonly left: number;
  readonly event: AnnounceEvent;
  /** Peers asked for; undefined: the default. Not yet capped. */
  readonly numwant: number | undefined;
}

/** Lowercase hex of 20 bytes, read from `bytes` at `offset` (no copy). */
function hashHex(bytes: Uint8Array, offset = 0): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, HASH_BYTES).toString('hex');
}

export { HASH_BYTES, hashHex };
export type { AnnounceRequest };
