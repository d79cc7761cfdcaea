import { createHmac, randomBytes } from 'node:crypto';
import { CONNECTION_ID_WINDOWS, CONNECTION_ID_WINDOW_MS } from './constants.js';
import { CONNECTION_ID_BYTES } from './udpCodec.js';

/** Bytes of the HMAC key. */
const SECRET_BYTES = 32;

/**
 * Addresses whose ids are remembered per window. Only a cache of a pure function (an HMAC
 * costs about as much as the rest of an announce): past the bound ids are just computed.
 */
const MAX_CACHED_ADDRESSES = 16_384;

/**
 * BEP 15 connection ids that cost no state: an id is the HMAC of the client's address and the
 * current time window, so only a client that received our connect reply at that address can
 * present one (no spoofed-source announces), and it lapses on its own after 2 to 3 minutes.
 * The secret is per process: a restart invalidates every id, and clients simply reconnect.
 */
class ConnectionIds {
  private readonly secret: Buffer;
  /** Window number → address (see {@link addressKey}) → id; only the windows still valid. */
  private readonly cache = new Map<number, Map<number | string, Buffer>>();

  /**
   * @param now - clock in milliseconds.
   * @param secret - the HMAC key; random unless a test fixes it.
   */
  public constructor(
    private readonly now: () => number,
    secret?: Uint8Array,
  ) {
    this.secret = secret === undefined ? randomBytes(SECRET_BYTES) : Buffer.from(secret);
  }

  /** A connection id for a client at `address` (its IP bytes: 4 or 16). */
  public issue(address: Uint8Array): Buffer {
    return this.idFor(address, this.window());
  }

  /** Whether `id` was issued to `address` within the last 2 to 3 minutes. */
  public verify(id: Uint8Array, address: Uint8Array): boolean {
    if (id.length !== CONNECTION_ID_BYTES) return false;
    const current = this.window();
    for (let age = 0; age < CONNECTION_ID_WINDOWS; age += 1) {
      if (sameBytes(id, this.idFor(address, current - age))) return true;
    }
    return false;
  }

  private window(): number {
    return Math.floor(this.now() / CONNECTION_ID_WINDOW_MS);
  }

  private idFor(address: Uint8Array, window: number): Buffer {
    let ids = this.cache.get(window);
    if (ids === undefined) {
      ids = new Map();
      this.cache.set(window, ids);
      for (const old of this.cache.keys()) if (old <= window - CONNECTION_ID_WINDOWS || old > window + 1) this.cache.delete(old);
    }
    const key = addressKey(address);
    const cached = ids.get(key);
    if (cached !== undefined) return cached;
    const stamp = Buffer.allocUnsafe(8);
    stamp.writeDoubleBE(window, 0);
    const id = createHmac('sha256', this.secret).update(stamp).update(address).digest().subarray(0, CONNECTION_ID_BYTES);
    if (ids.size < MAX_CACHED_ADDRESSES) ids.set(key, id);
    return id;
  }
}

/**
 * A map key for an address: IPv4 as its 32-bit number, IPv6 as latin1 text (a spread into
 * String.fromCharCode cost more than the map lookup it keyed).
 */
function addressKey(address: Uint8Array): number | string {
  if (address.length === 4) return ((address[0] ?? 0) * 0x1000000) + ((address[1] ?? 0) << 16) + ((address[2] ?? 0) << 8) + (address[3] ?? 0);
  return Buffer.from(address.buffer, address.byteOffset, address.length).toString('latin1');
}

/**
 * Constant-time comparison of two 8-byte ids, in JS: crypto.timingSafeEqual's call into C++
 * cost more than the comparison itself, up to three times per announce.
 */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i += 1) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

export { ConnectionIds };
