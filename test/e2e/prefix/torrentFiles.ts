import { decodeBencode } from '../../../src/torrent/index.js';

/**
 * What a user reads off a multi-file torrent, decoded here rather than by the project's parser
 * (which the tests check): the name, the webseeds, and the paths of the v1 file list, pad files
 * (BEP 47 `attr` containing 'p') apart.
 */
interface TorrentFiles {
  readonly name: string;
  /** BEP 19 `url-list`, a string or a list. */
  readonly webseeds: readonly string[];
  /** '/'-joined paths of the real files, in torrent order. */
  readonly paths: readonly string[];
  readonly padCount: number;
}

const text = (value: unknown): string => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : '');

/** @throws TypeError when the torrent has no v1 `files` list (a single-file or v2-only torrent). */
function torrentFiles(torrent: Uint8Array): TorrentFiles {
  const root = decodeBencode(torrent);
  if (!(root instanceof Map)) throw new TypeError('not a bencoded dict');
  const info = root.get('info');
  const files = info instanceof Map ? info.get('files') : undefined;
  if (!(info instanceof Map) || !Array.isArray(files)) throw new TypeError('no v1 file list');
  const urlList = root.get('url-list');
  const webseeds = urlList instanceof Uint8Array ? [text(urlList)] : Array.isArray(urlList) ? urlList.map(text) : [];
  const paths: string[] = [];
  let padCount = 0;
  for (const file of files) {
    if (!(file instanceof Map)) throw new TypeError('a file entry is not a dict');
    const path = file.get('path');
    if (!Array.isArray(path)) throw new TypeError('a file entry has no path');
    if (text(file.get('attr')).includes('p')) padCount += 1;
    else paths.push(path.map(text).join('/'));
  }
  return { name: text(info.get('name')), webseeds, paths, padCount };
}

export { torrentFiles };
export type { TorrentFiles };
