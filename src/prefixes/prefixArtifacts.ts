import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PrefixLimits, encodeMembers } from '../records/index.js';
import type { PrefixMember, StoredManifest } from '../records/index.js';
import { ARTIFACT_KEY_PREFIX } from '../storage/index.js';
import type { ArtifactsBucket } from '../storage/index.js';

/**
 * `torrents/<bucket>/<prefix>.prefix-<snapshotId>.<what>`: one snapshot's files sit next to the
 * prefix's objects' artifacts (`torrents/<bucket>/<key>/...`) and never collide with them, since
 * `.prefix-` starts no segment a key's artifacts use.
 */
function prefixArtifactKey(bucket: string, prefix: string, snapshotId: string, what: 'members.json' | 'v1.torrent' | 'hybrid.torrent'): string {
  return `${ARTIFACT_KEY_PREFIX}${bucket}/${prefix}.prefix-${snapshotId}.${what}`;
}

/**
 * Stores a snapshot's member list: inline when it fits PrefixLimits.MaxInlineManifestBytes, else
 * in the artifacts bucket (a repeat writes the same bytes to the same key).
 */
async function storeMembers(artifacts: ArtifactsBucket, bucket: string, prefix: string, snapshotId: string, members: ReadonlyArray<PrefixMember>): Promise<StoredManifest> {
  const bytes = encodeMembers(members);
  if (bytes.length <= PrefixLimits.MaxInlineManifestBytes) return { inline: bytes, bytes: bytes.length };
  const artifactKey = prefixArtifactKey(bucket, prefix, snapshotId, 'members.json');
  await artifacts.artifactsS3.send(new PutObjectCommand({ Bucket: artifacts.artifactsBucket, Key: artifactKey, Body: bytes, ContentType: 'application/json' }));
  return { artifactKey, bytes: bytes.length };
}

export { prefixArtifactKey, storeMembers };
