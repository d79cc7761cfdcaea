import { decodeBencode, spanOf } from '../../src/torrent/index.js';
import type { BencodeDict } from '../../src/torrent/index.js';

/** The info dict's bytes as they sit in a .torrent file: what the infohashes are taken over. */
function infoBytes(torrent: Uint8Array): Buffer {
  const root = decodeBencode(torrent) as BencodeDict;
  const span = spanOf(root.get('info') as BencodeDict);
  if (span === undefined) throw new TypeError('no info dict');
  return Buffer.from(torrent.subarray(span.start, span.end));
}

export { infoBytes };
