import { createHash } from 'node:crypto';

import { decodeBencode, spanOf } from '../../../src/torrent/index.js';

/**
 * Rewrites keys of a .torrent's top-level dict, outside the info dict: the info dict's bytes
 * are copied as they are, so the infohashes cannot change (re-encoding a decoded info dict is
 * how aria2 gets hybrid infohashes wrong). Used to take a torrent's webseeds or trackers away
 * for a run that must use only the other source.
 */

const encoder = new TextEncoder();

/** Offset just past the bencoded value that starts at `at`. */
function valueEnd(data: Uint8Array, at: number): number {
  const first = data[at];
  if (first === undefined) throw new RangeError('truncated bencode');
  if (first === 0x69) return data.indexOf(0x65, at) + 1; // i…e
  if (first === 0x6c || first === 0x64) { // l…e, d…e
    let next = at + 1;
    while (data[next] !== 0x65) {
      if (next >= data.length) throw new RangeError('truncated bencode');
      next = valueEnd(data, next);
    }
    return next + 1;
  }
  const colon = data.indexOf(0x3a, at); // <length>:<bytes>
  return colon + 1 + Number(new TextDecoder().decode(data.subarray(at, colon)));
}

/**
 * SHA-1 and SHA-256 of the info dict's bytes: the v1 infohash and (for hybrid) the v2 one,
 * computed here rather than by the project's parser, which the tests check.
 */
function infoDictDigests(torrent: Uint8Array): { readonly sha1: string; readonly sha256: string } {
  const root = decodeBencode(torrent);
  const info = root instanceof Map ? root.get('info') : undefined;
  const span = info instanceof Map ? spanOf(info) : undefined;
  if (span === undefined) throw new TypeError('no info dict');
  const bytes = torrent.subarray(span.start, span.end);
  return { sha1: createHash('sha1').update(bytes).digest('hex'), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The top-level entries: key (binary string) and the value's raw bytes. */
function topLevelEntries(torrent: Uint8Array): Map<string, Uint8Array> {
  if (torrent[0] !== 0x64) throw new TypeError('not a bencoded dict');
  const entries = new Map<string, Uint8Array>();
  let at = 1;
  while (torrent[at] !== 0x65) {
    const keyEnd = valueEnd(torrent, at);
    const key = Buffer.from(torrent.subarray(torrent.indexOf(0x3a, at) + 1, keyEnd)).toString('latin1');
    const end = valueEnd(torrent, keyEnd);
    entries.set(key, torrent.subarray(keyEnd, end));
    at = end;
    if (at >= torrent.length) throw new RangeError('truncated bencode');
  }
  return entries;
}

function bencodedString(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  return Buffer.concat([encoder.encode(`${bytes.length}:`), bytes]);
}

/** A bencoded list of strings. */
function bencodedList(items: readonly string[]): Uint8Array {
  return Buffer.concat([encoder.encode('l'), ...items.map(bencodedString), encoder.encode('e')]);
}

/**
 * `torrent` with the top-level keys in `drop` removed and those in `set` (raw bencoded values)
 * added or replaced, keys kept in byte order.
 * @throws TypeError if the result's infohashes differ from the input's (it cannot, by design).
 */
function rewriteTopLevel(torrent: Uint8Array, change: { readonly drop?: readonly string[]; readonly set?: Readonly<Record<string, Uint8Array>> }): Uint8Array {
  const before = infoDictDigests(torrent); // strict decoding: what the scanner below could misread is refused
  const entries = topLevelEntries(torrent);
  for (const key of change.drop ?? []) entries.delete(key);
  for (const [key, value] of Object.entries(change.set ?? {})) entries.set(key, value);
  const keys = [...entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
  const parts: Uint8Array[] = [encoder.encode('d')];
  for (const key of keys) {
    const keyBytes = Buffer.from(key, 'latin1');
    parts.push(encoder.encode(`${keyBytes.length}:`), keyBytes, entries.get(key) as Uint8Array);
  }
  parts.push(encoder.encode('e'));
  const rewritten = new Uint8Array(Buffer.concat(parts));
  const after = infoDictDigests(rewritten);
  if (before.sha1 !== after.sha1 || before.sha256 !== after.sha256) throw new TypeError('rewriting changed the info dict');
  return rewritten;
}

/** The torrent without webseeds (BEP 19 `url-list`, BEP 17 `httpseeds`): peers only. */
function withoutWebseeds(torrent: Uint8Array): Uint8Array {
  return rewriteTopLevel(torrent, { drop: ['url-list', 'httpseeds'] });
}

/** The torrent without trackers (`announce`, `announce-list`): webseeds only. */
function withoutTrackers(torrent: Uint8Array): Uint8Array {
  return rewriteTopLevel(torrent, { drop: ['announce', 'announce-list'] });
}

/** The torrent with its webseeds replaced by `urls`. */
function withWebseeds(torrent: Uint8Array, urls: readonly string[]): Uint8Array {
  return rewriteTopLevel(torrent, { drop: ['httpseeds'], set: { 'url-list': bencodedList(urls) } });
}

export { infoDictDigests, rewriteTopLevel, withWebseeds, withoutTrackers, withoutWebseeds };
