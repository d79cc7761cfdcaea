import { PutObjectCommand } from '@aws-sdk/client-s3';
import { memberPath, prefixArtifactKey, prefixTorrentName, prefixWebseedUrl } from '../prefixes/index.js';
import type { PrefixRecord, StoredTorrent, Torrents } from '../records/index.js';
import { CREATED_BY, TorrentFormat, assembleMultiFileInfo, encodeBencode } from '../torrent/index.js';
import type { Encodable, MemberHashes } from '../torrent/index.js';
import type { HashJobContext } from './settings.js';

// LEAD: stand-in for `buildMultiFileTorrent` (helper "core", branch i14-torrent): wraps the
// assembled info dict with trackers and webseeds as buildTorrent does for one object. Replace
// with the real one at merge.
function buildMultiFileTorrent(
  members: ReadonlyArray<MemberHashes>,
  options: { name: string; pieceLength: number; format: TorrentFormat; trackers: ReadonlyArray<ReadonlyArray<string>>; webseeds: ReadonlyArray<string> },
): { torrent: Uint8Array; infoHashV1: string; infoHashV2: string | undefined } {
  const built = assembleMultiFileInfo(members, options);
  const tiers = options.trackers.map((tier) => [...tier]).filter((tier) => tier.length > 0);
  const root: Array<[string, Encodable | undefined]> = [
    ['announce', tiers[0]?.[0]],
    ['announce-list', tiers.flat().length > 1 ? tiers : undefined],
    ['created by', CREATED_BY],
    ['info', built.infoDict],
    ['url-list', options.webseeds.length > 0 ? [...options.webseeds] : undefined],
  ];
  // The bencode package sorts a Map's binary keys by their decimal text, not by bytes (see
  // encodeBencode): `piece layers` of several files is written by hand, keys in byte order.
  const parts: Uint8Array[] = [Buffer.from('d')];
  const layers = [...(built.pieceLayers ?? new Map<Uint8Array, Uint8Array>()).entries()].sort(([a], [b]) => Buffer.compare(a, b));
  for (const [key, value] of root) {
    if (key === 'url-list' && layers.length > 0) {
      parts.push(encodeBencode('piece layers'), Buffer.from('d'));
      for (const [pieceRoot, layer] of layers) parts.push(encodeBencode(pieceRoot), encodeBencode(layer));
      parts.push(Buffer.from('e'));
    }
    if (value !== undefined) parts.push(encodeBencode(key), encodeBencode(value));
  }
  parts.push(Buffer.from('e'));
  return { torrent: Buffer.concat(parts), infoHashV1: built.infoHashV1, infoHashV2: built.infoHashV2 };
}

/** One member's hashes at the snapshot's piece length, as the prefix job collected them. */
interface CollectedMember {
  readonly key: string;
  readonly size: number;
  readonly v1: Uint8Array;
  readonly v1PaddedTail?: Uint8Array | undefined;
  readonly v2: Uint8Array;
}

/**
 * Builds the v1 and hybrid .torrent of one prefix snapshot from its members' hashes (no object
 * bytes), and stores each inline in the record or in the artifacts bucket
 * (`torrents/<bucket>/<prefix>.prefix-<snapshotId>.<format>.torrent`). `name` is the prefix's
 * last segment and the webseed its parent's URL, so `url + name + "/" + path` is each object.
 */
async function assemblePrefixTorrents(context: HashJobContext, record: PrefixRecord, members: ReadonlyArray<CollectedMember>): Promise<Torrents> {
  const { settings } = context;
  const { bucket, prefix, snapshotId, pieceLength } = record;
  const files: MemberHashes[] = members.map((member) => ({
    path: memberPath(prefix, member.key), size: member.size, v1: member.v1, v1PaddedTail: member.v1PaddedTail, v2: member.v2,
  }));
  const webseeds = settings.webseedBaseUrl === undefined ? [] : [prefixWebseedUrl(settings.webseedBaseUrl, bucket, prefix)];
  const common = { name: prefixTorrentName(prefix), pieceLength, trackers: settings.trackers, webseeds };
  const store = async (format: TorrentFormat): Promise<StoredTorrent> => {
    const built = buildMultiFileTorrent(files, { ...common, format });
    const base = { infoHashV1: built.infoHashV1, infoHashV2: built.infoHashV2, bytes: built.torrent.length };
    if (built.torrent.length <= settings.inlineTorrentMaxBytes) return { ...base, inline: built.torrent };
    const artifactKey = prefixArtifactKey(bucket, prefix, snapshotId, format === TorrentFormat.Hybrid ? 'hybrid.torrent' : 'v1.torrent');
    await context.artifactsS3.send(new PutObjectCommand({ Bucket: context.artifactsBucket, Key: artifactKey, Body: built.torrent, ContentType: 'application/x-bittorrent' }));
    return { ...base, artifactKey };
  };
  const [v1, hybrid] = await Promise.all([store(TorrentFormat.V1), store(TorrentFormat.Hybrid)]);
  return { v1, hybrid };
}

export { assemblePrefixTorrents };
export type { CollectedMember };
