import { TorrentFormat } from '../torrent/index.js';

/**
 * The file name a browser saves the torrent as: `name.torrent` for v1, `name.hybrid.torrent` for
 * hybrid, so that fetching both formats of one object keeps two files instead of overwriting one.
 */
function contentDisposition(name: string, format: TorrentFormat): string {
  const file = format === TorrentFormat.Hybrid ? `${name}.hybrid.torrent` : `${name}.torrent`;
  const ascii = file.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file)}`;
}

export { contentDisposition };
