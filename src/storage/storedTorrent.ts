import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StoredTorrent } from '../records/index.js';
import { StorageUnavailableError } from './errors.js';

/**
 * Every artifact key starts so: the stack's roles are granted this prefix of the artifacts
 * bucket, no more (object torrents, prefix torrents and member lists, member hash artifacts).
 */
const ARTIFACT_KEY_PREFIX = 'torrents/';

/** The stack's private artifacts bucket and the (signed) client that reads and writes it. */
interface ArtifactsBucket {
  readonly artifactsS3: S3Client;
  readonly artifactsBucket: string;
}

/** Reads one artifact of the artifacts bucket (a large .torrent, a prefix snapshot's member list). */
function artifactReader(artifacts: ArtifactsBucket): (artifactKey: string) => Promise<Uint8Array> {
  return async (artifactKey) => {
    const reply = await artifacts.artifactsS3.send(new GetObjectCommand({ Bucket: artifacts.artifactsBucket, Key: artifactKey }));
    const bytes = await reply.Body?.transformToByteArray();
    if (bytes === undefined) throw new StorageUnavailableError(`artifact ${artifactKey} returned no body`, artifacts.artifactsBucket, artifactKey);
    return bytes;
  };
}

/** The bytes of a stored .torrent: inline in the record, or read (signed) from the stack's artifacts bucket. */
async function readStoredTorrent(artifactsS3: S3Client, artifactsBucket: string, stored: StoredTorrent): Promise<Uint8Array> {
  if (stored.inline !== undefined) return stored.inline;
  return artifactReader({ artifactsS3, artifactsBucket })(stored.artifactKey ?? '');
}

export { ARTIFACT_KEY_PREFIX, artifactReader, readStoredTorrent };
export type { ArtifactsBucket };
