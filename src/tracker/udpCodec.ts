import { AnnounceEvent, MAX_SCRAPE_HASHES } from './constants.js';
import { HASH_BYTES, hashHex } from './requests.js';
import type { AnnounceRequest } from './requests.js';

/** BEP 15 actions, the second 32-bit word of every packet. */
const UdpAction = {
  Connect: 0,
  Announce: 1,
  Scrape: 2,
  Error: 3,
} as const;

/** The magic a connect request carries in place of a connection id (BEP 15). */
const PROTOCOL_ID = 0x41727101980n;

const PROTOCOL_ID_HIGH = Number(PROTOCOL_ID >> 32n);
const PROTOCOL_ID_LOW = Number(PROTOCOL_ID & 0xffffffffn);

/** Bytes of a connection id. */
const CONNECTION_ID_BYTES = 8;

/** `connection_id`, `action`, `transaction_id`: the head every request starts with. */
const REQUEST_HEAD_BYTES = 16;

/** A BEP 15 announce without BEP 41 extensions; anything after is ignored. */
const ANNOUNCE_REQUEST_BYTES = 98;

/** `action`, `transaction_id`, `interval`, `leechers`, `seeders`. */
const ANNOUNCE_REPLY_HEAD_BYTES = 20;

/** `action`, `transaction_id`. */
const REPLY_HEAD_BYTES = 8;

/** Largest int32 a reply field holds; counts beyond it are clamped. */
const MAX_INT32 = 0x7fffffff;

/** A connect request: answered with a fresh connection id. */
interface UdpConnect {
  readonly kind: 'connect';
  readonly transactionId: number;
}

/** An announce; its connection id is still to be checked. */
interface UdpAnnounce {
  readonly kind: 'announce';
  readonly transactionId: number;
  readonly connectionId: Uint8Array;
  readonly announce: AnnounceRequest;
}

/** A scrape of one or more torrents; its connection id is still to be checked. */
interface UdpScrape {
  readonly kind: 'scrape';
  readonly transactionId: number;
  readonly connectionId: Uint8Array;
  /** In packet order, duplicates kept: the reply is positional. */
  readonly infoHashHexes: readonly string[];
}

/** A request with a usable head but a bad body: answered with an error once its connection id checks out. */
interface UdpInvalid {
  readonly kind: 'invalid';
  readonly transactionId: number;
  readonly connectionId: Uint8Array;
  readonly reason: string;
}

/** Not a tracker request at all (too short, or a connect without the magic): dropped without a word. */
interface UdpIgnored {
  readonly kind: 'ignored';
}

/** What {@link parseUdpRequest} makes of a datagram. */
type UdpRequest = UdpConnect | UdpAnnounce | UdpScrape | UdpInvalid | UdpIgnored;

/** One torrent's counts in a scrape reply. */
interface ScrapeCounts {
  readonly complete: number;
  readonly downloaded: number;
  readonly incomplete: number;
}

const IGNORED: UdpIgnored = { kind: 'ignored' };

/** BEP 15 event numbers; 4 is libtorrent's `paused` (BEP 21), a regular announce to us. */
const UDP_EVENTS: readonly AnnounceEvent[] = [AnnounceEvent.Update, AnnounceEvent.Completed, AnnounceEvent.Started, AnnounceEvent.Stopped, AnnounceEvent.Update];

/** An unsigned 64-bit byte count, or -1 when it is 2^53 or more (or negative, read as signed). */
function byteCount(packet: Buffer, offset: number): number {
  const high = packet.readUInt32BE(offset);
  if (high > 0x1fffff) return -1;
  return high * 0x1_0000_0000 + packet.readUInt32BE(offset + 4);
}

function parseAnnounce(packet: Buffer, transactionId: number, connectionId: Uint8Array): UdpAnnounce | UdpInvalid {
  const fail = (reason: string): UdpInvalid => ({ kind: 'invalid', transactionId, connectionId, reason });
  if (packet.length < ANNOUNCE_REQUEST_BYTES) return fail(`announce of ${packet.length} bytes, not ${ANNOUNCE_REQUEST_BYTES}`);
  const downloaded = byteCount(packet, 56);
  const left = byteCount(packet, 64);
  const uploaded = byteCount(packet, 72);
  if (downloaded < 0 || left < 0 || uploaded < 0) return fail('absurd byte count');
  const event = UDP_EVENTS[packet.readUInt32BE(80)];
  if (event === undefined) return fail('unknown event');
  const port = packet.readUInt16BE(96);
  if (port === 0) return fail('port 0');
  const numwant = packet.readInt32BE(92);
  return {
    kind: 'announce',
    transactionId,
    connectionId,
    announce: {
      infoHashHex: hashHex(packet, 16),
      port,
      uploaded,
      downloaded,
      left,
      event,
      // -1 is BEP 15's "default"; the IP address (offset 84) and key are ignored.
      numwant: numwant < 0 ? undefined : numwant,
    },
  };
}

function parseScrape(packet: Buffer, transactionId: number, connectionId: Uint8Array): UdpScrape | UdpInvalid {
  const fail = (reason: string): UdpInvalid => ({ kind: 'invalid', transactionId, connectionId, reason });
  const bodyBytes = packet.length - REQUEST_HEAD_BYTES;
  if (bodyBytes === 0 || bodyBytes % HASH_BYTES !== 0) return fail('scrape body must be whole 20-byte infohashes');
  const count = bodyBytes / HASH_BYTES;
  if (count > MAX_SCRAPE_HASHES) return fail(`at most ${MAX_SCRAPE_HASHES} infohashes per scrape`);
  const infoHashHexes: string[] = [];
  for (let i = 0; i < count; i += 1) infoHashHexes.push(hashHex(packet, REQUEST_HEAD_BYTES + i * HASH_BYTES));
  return { kind: 'scrape', transactionId, connectionId, infoHashHexes };
}

/**
 * Reads one BEP 15 datagram. Never throws: every length is checked before a fixed-offset read.
 *
 * Request head: `<connection_id int64><action int32><transaction_id int32>`.
 */
function parseUdpRequest(packet: Buffer): UdpRequest {
  if (packet.length < REQUEST_HEAD_BYTES) return IGNORED;
  const action = packet.readUInt32BE(8);
  const transactionId = packet.readUInt32BE(12);
  if (action === UdpAction.Connect) {
    // Two 32-bit halves: a BigInt per connect was a visible share of answering it.
    return packet.readUInt32BE(0) === PROTOCOL_ID_HIGH && packet.readUInt32BE(4) === PROTOCOL_ID_LOW ? { kind: 'connect', transactionId } : IGNORED;
  }
  const connectionId = packet.subarray(0, CONNECTION_ID_BYTES);
  if (action === UdpAction.Announce) return parseAnnounce(packet, transactionId, connectionId);
  if (action === UdpAction.Scrape) return parseScrape(packet, transactionId, connectionId);
  return { kind: 'invalid', transactionId, connectionId, reason: `unknown action ${action}` };
}

function head(size: number, action: number, transactionId: number): Buffer {
  const packet = Buffer.allocUnsafe(size);
  packet.writeUInt32BE(action, 0);
  packet.writeUInt32BE(transactionId, 4);
  return packet;
}

/** `<action=0><transaction_id><connection_id int64>` */
function encodeConnectReply(transactionId: number, connectionId: Uint8Array): Buffer {
  const packet = head(REPLY_HEAD_BYTES + CONNECTION_ID_BYTES, UdpAction.Connect, transactionId);
  packet.set(connectionId, REPLY_HEAD_BYTES);
  return packet;
}

/**
 * `<action=1><transaction_id><interval><leechers><seeders>` then compact peers, all of one
 * family: 6 bytes each on IPv4, 18 on IPv6 (BEP 15).
 */
function encodeAnnounceReply(transactionId: number, intervalSeconds: number, leechers: number, seeders: number, peers: Uint8Array): Buffer {
  const packet = head(ANNOUNCE_REPLY_HEAD_BYTES + peers.length, UdpAction.Announce, transactionId);
  packet.writeUInt32BE(Math.min(intervalSeconds, MAX_INT32), 8);
  packet.writeUInt32BE(Math.min(leechers, MAX_INT32), 12);
  packet.writeUInt32BE(Math.min(seeders, MAX_INT32), 16);
  packet.set(peers, ANNOUNCE_REPLY_HEAD_BYTES);
  return packet;
}

/** `<action=2><transaction_id>` then `<seeders><completed><leechers>` per torrent, in request order. */
function encodeScrapeReply(transactionId: number, counts: readonly ScrapeCounts[]): Buffer {
  const packet = head(REPLY_HEAD_BYTES + 12 * counts.length, UdpAction.Scrape, transactionId);
  counts.forEach((c, i) => {
    const at = REPLY_HEAD_BYTES + 12 * i;
    packet.writeUInt32BE(Math.min(c.complete, MAX_INT32), at);
    packet.writeUInt32BE(Math.min(c.downloaded, MAX_INT32), at + 4);
    packet.writeUInt32BE(Math.min(c.incomplete, MAX_INT32), at + 8);
  });
  return packet;
}

/** `<action=3><transaction_id><message>` */
function encodeErrorReply(transactionId: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  const packet = head(REPLY_HEAD_BYTES + text.length, UdpAction.Error, transactionId);
  text.copy(packet, REPLY_HEAD_BYTES);
  return packet;
}

export {
  ANNOUNCE_REPLY_HEAD_BYTES,
  ANNOUNCE_REQUEST_BYTES,
  CONNECTION_ID_BYTES,
  PROTOCOL_ID,
  UdpAction,
  encodeAnnounceReply,
  encodeConnectReply,
  encodeErrorReply,
  encodeScrapeReply,
  parseUdpRequest,
};
export type { ScrapeCounts, UdpAnnounce, UdpConnect, UdpIgnored, UdpInvalid, UdpRequest, UdpScrape };
