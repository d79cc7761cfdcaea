import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

import { LIBTORRENT_CREATE_SCRIPT, SYSTEM_PYTHON, TOOL_TIMEOUT_MS } from '../../helpers/tools.js';

const run = promisify(execFile);

/** Options of {@link createDirectoryTorrent}. */
interface DirectoryTorrentOptions {
  /** v1: v1-only with BEP 47 pad files (libtorrent's canonical layout); hybrid: v1 + v2. */
  readonly format: 'v1' | 'hybrid';
  readonly pieceLength: number;
  /** BEP 19 webseeds; for a multi-file torrent each is the URL of the directory's parent, ending in '/'. */
  readonly urlList?: readonly string[];
}

/** What libtorrent wrote. */
interface DirectoryTorrent {
  readonly torrentFile: string;
  readonly infoHashV1: string;
  readonly infoHashV2: string | undefined;
  /** How long create_torrent took to hash the files and generate the torrent (interpreter start-up excluded). */
  readonly seconds: number;
}

/**
 * Writes the multi-file .torrent python3-libtorrent's `create_torrent` makes for `directory`
 * (name = its last segment, no tracker) to `torrentFile`.
 * @throws the tool's error (exit code 1 with its message) or a timeout.
 */
async function createDirectoryTorrent(directory: string, torrentFile: string, options: DirectoryTorrentOptions): Promise<DirectoryTorrent> {
  const args = [
    LIBTORRENT_CREATE_SCRIPT,
    resolve(directory),
    String(options.pieceLength),
    // v1 with the hybrid layout (sorted, pad files): what the API writes.
    options.format === 'v1' ? 'v1-canonical' : 'hybrid',
    `--out=${resolve(torrentFile)}`,
    ...(options.urlList ?? []).map((url) => `--url-list=${url}`),
  ];
  // A 1,000-file torrent's JSON (info and torrent as hex) is well over the default 1 MiB buffer.
  const { stdout } = await run(SYSTEM_PYTHON, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  const parsed = JSON.parse(stdout) as { v1: string; v2: string | null; seconds: number };
  return { torrentFile: resolve(torrentFile), infoHashV1: parsed.v1, infoHashV2: parsed.v2 ?? undefined, seconds: parsed.seconds };
}

export { createDirectoryTorrent };
export type { DirectoryTorrent, DirectoryTorrentOptions };
