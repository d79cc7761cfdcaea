import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StoredTorrent } from '../records/index.js';
import { StorageUnavailableError } from './errors.js';

/**
 * Every artifact key starts so: the stack's roles are granted this prefix of the artifacts
 * bucket, no more (object torrents, prefix torrents and member lists, member hash artifacts).
 */
const ARTIFACT_KEY_PREFIX = 'torrents/';

/**
 * The bytes of a stored .torrent: inline in the record, or read (signed) from the stack's
 * artifacts bucket.
 */
async function readStoredTorrent(artifactsS3: S3Client, artifactsBucket: string, stored: StoredTorrent): Promise<Uint8Array> {
  if (stored.inline !== undefined) return stored.inline;
  const reply = await artifactsS3.send(new GetObjectCommand({ Bucket: artifactsBucket, Key: stored.artifactKey }));
  const bytes = await reply.Body?.transformToByteArray();
  if (bytes === undefined) {
    throw new StorageUnavailableError(`artifact ${stored.artifactKey ?? ''} returned no body`, artifactsBucket, stored.artifactKey ?? '');
  }
  return bytes;
}

export { ARTIFACT_KEY_PREFIX, readStoredTorrent };
