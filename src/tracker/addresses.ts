import { isIPv6 } from 'node:net';
import type { PeerKey } from './PeerList.js';
import type { TrackedPeer } from './types.js';

/** An IP address in both forms the tracker needs. */
interface IpAddress {
  readonly family: 4 | 6;
  /** Canonical text: dotted IPv4, or IPv6 as Node prints it. */
  readonly text: string;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.'), Number);
}

/**
 * Strict dotted-quad IPv4 (`a.b.c.d`, each 0-255 without leading zeros) read char by char: the
 * tracker parses every datagram's source, and `isIPv4` plus `split` was a visible share of it.
 */
function fastIpv4(text: string): Uint8Array | undefined {
  if (text.length < 7 || text.length > 15) return undefined;
  const bytes = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i += 1) {
    const code = i === text.length ? 0x2e : text.charCodeAt(i);
    if (code === 0x2e) {
      if (digits === 0 || part > 3) return undefined;
      bytes[part] = value;
      part += 1;
      value = 0;
      digits = 0;
    } else if (code >= 0x30 && code <= 0x39) {
      if (digits > 0 && value === 0) return undefined;
      value = value * 10 + code - 0x30;
      digits += 1;
      if (value > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return part === 4 ? bytes : undefined;
}

/** Bytes of an IPv6 address Node accepted (`isIPv6`); a zone index (`%eth0`) is dropped. */
function ipv6Bytes(text: string): Uint8Array {
  const bare = text.split('%', 1)[0] ?? '';
  const bytes = new Uint8Array(16);
  const [head = '', tail] = bare.split('::', 2) as [string, string | undefined];
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const v4 = ipv4Bytes(group);
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        out.push(Number.parseInt(group, 16));
      }
    }
    return out;
  };
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const words = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

function ipv6Text(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952: the longest run of two or more zero words becomes `::`, the first such run on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => words.slice(from, to).map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/**
 * Parses a textual IP address; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, as a dual-stack
 * socket reports an IPv4 client) becomes the IPv4 address.
 *
 * @returns undefined for anything that is not an IP address.
 */
function parseIp(text: string): IpAddress | undefined {
  const v4 = fastIpv4(text);
  if (v4 !== undefined) return { family: 4, text, bytes: v4 };
  if (!isIPv6(text)) return undefined;
  const bytes = ipv6Bytes(text);
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) {
    const v4 = bytes.subarray(12, 16);
    return { family: 4, text: v4.join('.'), bytes: Uint8Array.from(v4) };
  }
  return { family: 6, text: ipv6Text(bytes), bytes };
}

/**
 * A peer's key in its family's {@link PeerList}: IPv4 as the number `ip * 65536 + port` (no
 * allocation, and V8 keeps a list of them unboxed), IPv6 as its 18 compact bytes in latin1.
 */
function peerKey(ip: IpAddress, port: number): PeerKey {
  const b = ip.bytes;
  if (ip.family === 4) return ((b[0] ?? 0) * 0x1000000 + (b[1] ?? 0) * 0x10000 + (b[2] ?? 0) * 0x100 + (b[3] ?? 0)) * 0x10000 + port;
  return String.fromCharCode(...b, port >> 8, port & 0xff);
}

/** Bytes of a compact peer: 6 for IPv4, 18 for IPv6 (BEP 23, BEP 7). */
function compactBytes(family: 4 | 6): number {
  return family === 4 ? 6 : 18;
}

/** Writes a peer's compact form at `offset`. */
function writeCompact(family: 4 | 6, key: PeerKey, out: Buffer, offset: number): void {
  if (family === 4) {
    // Byte by byte: writeUInt32BE's checks were a visible share of building a 50-peer reply.
    const value = key as number;
    const ip = Math.floor(value / 0x10000);
    out[offset] = ip >>> 24;
    out[offset + 1] = (ip >>> 16) & 0xff;
    out[offset + 2] = (ip >>> 8) & 0xff;
    out[offset + 3] = ip & 0xff;
    out[offset + 4] = (value >>> 8) & 0xff;
    out[offset + 5] = value & 0xff;
  } else {
    out.write(key as string, offset, 18, 'latin1');
  }
}

/** The address text and port of a compact peer (6 or 18 bytes). */
function fromCompact(compact: Uint8Array): TrackedPeer {
  const port = ((compact[compact.length - 2] ?? 0) << 8) | (compact[compact.length - 1] ?? 0);
  if (compact.length === 6) return { ip: `${compact[0]}.${compact[1]}.${compact[2]}.${compact[3]}`, port };
  return { ip: ipv6Text(compact.subarray(0, 16)), port };
}

/** A compact peer's family and {@link PeerList} key (as {@link peerKey} makes it); undefined unless 6 or 18 bytes. */
function peerKeyOfCompact(compact: Uint8Array): { family: 4 | 6; key: PeerKey } | undefined {
  if (compact.length === 6) return { family: 4, key: ((compact[0] as number) * 0x1000000 + (compact[1] as number) * 0x10000 + (compact[2] as number) * 0x100 + (compact[3] as number)) * 0x10000 + ((compact[4] as number) << 8) + (compact[5] as number) };
  if (compact.length === 18) return { family: 6, key: String.fromCharCode(...compact) };
  return undefined;
}

/** `host` as it goes in a URL: IPv6 in brackets. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export { compactBytes, fromCompact, parseIp, peerKey, peerKeyOfCompact, urlHost, writeCompact };
export type { IpAddress };
