import { fromCompact } from './addresses.js';
import { encodeBencode } from '../torrent/index.js';
import type { Encodable } from '../torrent/index.js';
import type { AnnounceReply } from './Tracker.js';
import type { ScrapeCounts } from './udpCodec.js';

/** `{failure reason: ...}`: BEP 3's refusal, sent with status 200 so clients read it. */
function encodeFailure(reason: string): Uint8Array {
  return encodeBencode({ 'failure reason': reason });
}

/**
 * An announce reply. Compact (BEP 23): IPv4 peers as 6-byte strings in `peers`, IPv6 ones as
 * 18-byte strings in `peers6` (BEP 7). Otherwise `peers` is a list of `{ip, port}`: without
 * `peer id`, as for `no_peer_id` (the tracker keeps no peer ids; clients check the id at the
 * handshake anyway).
 */
function encodeAnnounce(reply: AnnounceReply, compact: boolean): Uint8Array {
  const common = {
    complete: reply.complete,
    incomplete: reply.incomplete,
    interval: reply.intervalSeconds,
    'min interval': reply.minIntervalSeconds,
  };
  if (!compact) {
    const peers: Encodable[] = [];
    for (const [list, size] of [[reply.peers4, 6], [reply.peers6, 18]] as const) {
      for (let at = 0; at < list.length; at += size) {
        const { ip, port } = fromCompact(list.subarray(at, at + size));
        peers.push({ ip, port });
      }
    }
    return encodeBencode({ ...common, peers });
  }
  return encodeBencode({ ...common, peers: reply.peers4, peers6: reply.peers6.length > 0 ? reply.peers6 : undefined });
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/**
 * A scrape reply (BEP 48): `{files: {<20-byte infohash>: {complete, downloaded, incomplete}}}`.
 * Assembled here rather than by `encodeBencode`: bencode 4 sorts binary keys by their decimal
 * text, and BEP 3 wants dictionary keys in byte order.
 */
function encodeScrape(counts: ReadonlyMap<string, ScrapeCounts>): Uint8Array {
  const keys = [...counts.keys()].map((hex) => Buffer.from(hex, 'hex')).sort(Buffer.compare);
  const parts: Uint8Array[] = [ascii('d5:filesd')];
  for (const key of keys) {
    const c = counts.get(key.toString('hex')) as ScrapeCounts;
    parts.push(ascii(`${key.length}:`), key, encodeBencode({ complete: c.complete, downloaded: c.downloaded, incomplete: c.incomplete }));
  }
  parts.push(ascii('ee'));
  return Buffer.concat(parts);
}

export { encodeAnnounce, encodeFailure, encodeScrape };
