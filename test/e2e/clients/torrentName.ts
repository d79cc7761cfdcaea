import { readFile } from 'node:fs/promises';

import { decodeBencode } from '../../../src/torrent/index.js';
import type { TorrentSource } from './types.js';

/** The `info.name` of a .torrent file: the name every client saves a single file under. */
async function torrentName(torrentFile: string): Promise<string> {
  const root = decodeBencode(await readFile(torrentFile));
  const info = root instanceof Map ? root.get('info') : undefined;
  const name = info instanceof Map ? info.get('name') : undefined;
  if (!(name instanceof Uint8Array)) throw new Error(`${torrentFile}: no info.name`);
  return Buffer.from(name).toString('utf8');
}

/** The command-line form of a source: the .torrent path or the magnet link itself. */
function sourceArgument(source: TorrentSource): string {
  return 'torrentFile' in source ? source.torrentFile : source.magnet;
}

export { sourceArgument, torrentName };
