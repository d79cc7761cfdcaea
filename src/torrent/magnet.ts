import type { TorrentSummary } from './parseTorrent.js';

/** What a magnet link carries (BEP 9; `btmh` for v2 from BEP 52; `ws` from BEP 19's practice). */
interface MagnetParts {
  readonly infoHashV1?: string | undefined;
  readonly infoHashV2?: string | undefined;
  readonly name?: string | undefined;
  readonly trackers?: ReadonlyArray<ReadonlyArray<string>> | undefined;
  readonly webseeds?: ReadonlyArray<string> | undefined;
}

/**
 * Multihash prefix of a SHA-256 digest (code 0x12, length 0x20): a v2 infohash in a magnet
 * link is written as `urn:btmh:1220<64 hex>`.
 */
const SHA256_MULTIHASH_PREFIX = '1220';

/**
 * A magnet link: `xt=urn:btih:` for the v1 infohash and/or `xt=urn:btmh:1220…` for v2, then
 * `dn`, one `tr` per tracker and one `ws` per webseed.
 *
 * @example magnetLink({ infoHashV1: 'c12f…', name: 'a.iso' }) // 'magnet:?xt=urn:btih:c12f…&dn=a.iso'
 */
function magnetLink(parts: MagnetParts): string {
  const params: string[] = [];
  if (parts.infoHashV1 !== undefined) params.push(`xt=urn:btih:${parts.infoHashV1}`);
  if (parts.infoHashV2 !== undefined) params.push(`xt=urn:btmh:${SHA256_MULTIHASH_PREFIX}${parts.infoHashV2}`);
  if (parts.name !== undefined) params.push(`dn=${encodeURIComponent(parts.name)}`);
  for (const url of (parts.trackers ?? []).flat()) params.push(`tr=${encodeURIComponent(url)}`);
  for (const url of parts.webseeds ?? []) params.push(`ws=${encodeURIComponent(url)}`);
  return `magnet:?${params.join('&')}`;
}

/** The magnet link of a parsed .torrent: its infohashes, name, trackers and webseeds. */
function magnetOfTorrent(summary: TorrentSummary): string {
  return magnetLink({
    infoHashV1: summary.infoHashV1,
    infoHashV2: summary.infoHashV2,
    name: summary.name,
    trackers: summary.trackers,
    webseeds: summary.webseeds,
  });
}

export { magnetLink, magnetOfTorrent };
export type { MagnetParts };
