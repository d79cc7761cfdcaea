import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { StoredTorrent } from '../records/index.js';
import { ARTIFACT_KEY_PREFIX, objectUrl } from '../storage/index.js';
import { TorrentFormat, buildTorrent, torrentNameForKey } from '../torrent/index.js';
import type { PieceHashes } from '../torrent/index.js';
import type { HashJobContext } from './settings.js';


/** Where a large .torrent of one object version is kept in the artifacts bucket. */
function artifactKeyFor(bucket: string, key: string, etag: string, format: TorrentFormat): string {
  return `${ARTIFACT_KEY_PREFIX}${bucket}/${key}/${etag.replace(/"/g, '')}.${format}.torrent`;
}

/**
 * Builds the v1 and the hybrid .torrent of one object version from its piece hashes, and stores
 * each inline or in the artifacts bucket. Both come from the same hashes: a format never needs a
 * re-hash.
 */
async function assembleTorrents(
  context: HashJobContext,
  target: { bucket: string; key: string; etag: string },
  hashes: PieceHashes,
): Promise<{ v1: StoredTorrent; hybrid: StoredTorrent }> {
  const { settings } = context;
  const webseed = settings.webseedBaseUrl === undefined ? [] : [objectUrl(settings.webseedBaseUrl, target.bucket, target.key)];
  const common = { name: torrentNameForKey(target.key), trackers: settings.trackers, webseeds: webseed };
  const store = async (format: TorrentFormat): Promise<StoredTorrent> => {
    const built = buildTorrent(hashes, { ...common, format });
    const base = { infoHashV1: built.infoHashV1, infoHashV2: built.infoHashV2, bytes: built.torrent.length };
    if (built.torrent.length <= settings.inlineTorrentMaxBytes) return { ...base, inline: built.torrent };
    const artifactKey = artifactKeyFor(target.bucket, target.key, target.etag, format);
    await context.artifactsS3.send(
      new PutObjectCommand({
        Bucket: context.artifactsBucket,
        Key: artifactKey,
        Body: built.torrent,
        ContentType: 'application/x-bittorrent',
      }),
    );
    return { ...base, artifactKey };
  };
  const [v1, hybrid] = await Promise.all([store(TorrentFormat.V1), store(TorrentFormat.Hybrid)]);
  return { v1, hybrid };
}

export { ARTIFACT_KEY_PREFIX, artifactKeyFor, assembleTorrents };
