import { PutObjectCommand } from '@aws-sdk/client-s3';
import { memberPath, prefixArtifactKey, prefixWebseedUrl } from '../prefixes/index.js';
import type { PrefixRecord, StoredTorrent, Torrents } from '../records/index.js';
import { TorrentFormat, buildMultiFileTorrent, torrentNameForPrefix } from '../torrent/index.js';
import type { MemberHashes } from '../torrent/index.js';
import type { HashJobContext } from './settings.js';

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
 * last segment and the webseed its parent's URL, so `url + name + "/" + path` is each object
 * (for v1, through the API's webseed when there is one: see `PublishSettings.apiWebseedBaseUrl`).
 */
async function assemblePrefixTorrents(context: HashJobContext, record: PrefixRecord, members: ReadonlyArray<CollectedMember>): Promise<Torrents> {
  const { settings } = context;
  const { bucket, prefix, snapshotId, pieceLength } = record;
  const files: MemberHashes[] = members.map((member) => ({
    path: memberPath(prefix, member.key), size: member.size, v1: member.v1, v1PaddedTail: member.v1PaddedTail, v2: member.v2,
  }));
  const webseedsOf = (format: TorrentFormat): string[] => {
    if (settings.webseedBaseUrl === undefined) return [];
    const base = format === TorrentFormat.V1 ? (settings.apiWebseedBaseUrl ?? settings.webseedBaseUrl) : settings.webseedBaseUrl;
    return [prefixWebseedUrl(base, bucket, prefix)];
  };
  const common = { name: torrentNameForPrefix(prefix), pieceLength, trackers: settings.trackers };
  const store = async (format: TorrentFormat): Promise<StoredTorrent> => {
    const built = buildMultiFileTorrent(files, { ...common, webseeds: webseedsOf(format), format });
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
