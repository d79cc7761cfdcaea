import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SYSTEM_PYTHON, runTool } from '../../helpers/tools.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Multihash prefix of a SHA-256 digest: a v2 magnet says `urn:btmh:1220<64 hex>` (BEP 52). */
const SHA256_MULTIHASH = '1220';

/** A .torrent written for a test, with the infohashes clients will announce. */
interface MadeTorrent {
  readonly torrentFile: string;
  readonly infoHashV1: string | undefined;
  /** Full SHA-256 v2 infohash (trackers see its first 40 hex digits). */
  readonly infoHashV2: string | undefined;
}

/** How to make a test torrent. */
interface MakeTorrentOptions {
  /**
   * `mktorrent` writes v1; `libtorrent-v1` writes the same info dict; `libtorrent-hybrid`
   * writes v1 + v2 (BEP 52).
   */
  readonly tool: 'mktorrent' | 'libtorrent-v1' | 'libtorrent-hybrid';
  readonly pieceLength: number;
  readonly outFile: string;
  /** Announce URLs, one tier each. @default none */
  readonly trackers?: readonly string[];
  /** url-list entries (BEP 19). @default none */
  readonly webseeds?: readonly string[];
}

interface Hashes {
  readonly v1: string | null;
  readonly v2: string | null;
}

async function pythonHashes(args: string[]): Promise<Hashes> {
  const { stdout } = await runTool(SYSTEM_PYTHON, [join(here, 'libtorrent_make.py'), ...args]);
  return JSON.parse(stdout) as Hashes;
}

/** Writes a single-file torrent for `file` with the given tool, trackers and webseeds. */
async function makeTorrent(file: string, options: MakeTorrentOptions): Promise<MadeTorrent> {
  const trackers = options.trackers ?? [];
  const webseeds = options.webseeds ?? [];
  let hashes: Hashes;
  if (options.tool === 'mktorrent') {
    const args = ['-d', '-l', String(Math.log2(options.pieceLength)), '-o', options.outFile];
    if (trackers.length > 0) args.push('-a', trackers.join(','));
    if (webseeds.length > 0) args.push('-w', webseeds.join(','));
    await runTool('mktorrent', [...args, file]);
    hashes = await pythonHashes(['hashes', options.outFile]);
  } else {
    const format = options.tool === 'libtorrent-v1' ? 'v1' : 'hybrid';
    const extra = [...trackers.flatMap((url) => ['--tracker', url]), ...webseeds.flatMap((url) => ['--webseed', url])];
    hashes = await pythonHashes(['create', file, String(options.pieceLength), format, options.outFile, ...extra]);
  }
  return { torrentFile: options.outFile, infoHashV1: hashes.v1 ?? undefined, infoHashV2: hashes.v2 ?? undefined };
}

/** The infohashes a tracker sees for `torrent`: v1, and v2 truncated to 20 bytes. */
function announcedHashes(torrent: MadeTorrent): string[] {
  return [torrent.infoHashV1, torrent.infoHashV2?.slice(0, 40)].filter((hash): hash is string => hash !== undefined);
}

/**
 * A magnet for `torrent`: `urn:btih:` (v1) or `urn:btmh:1220…` (v2) only, so that the v2 path
 * is exercised alone, plus one `tr` per tracker.
 */
function magnetFor(torrent: MadeTorrent, version: 'v1' | 'v2', trackers: readonly string[]): string {
  const hash = version === 'v1' ? torrent.infoHashV1 : torrent.infoHashV2;
  if (hash === undefined) throw new Error(`${torrent.torrentFile} has no ${version} infohash`);
  const xt = version === 'v1' ? `urn:btih:${hash}` : `urn:btmh:${SHA256_MULTIHASH}${hash}`;
  return `magnet:?xt=${xt}${trackers.map((url) => `&tr=${encodeURIComponent(url)}`).join('')}`;
}

export { announcedHashes, magnetFor, makeTorrent };
export type { MadeTorrent, MakeTorrentOptions };
