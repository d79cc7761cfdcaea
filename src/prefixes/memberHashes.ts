import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { hashRange, hashThreadsFor } from '../hashing/index.js';
import { RecordState } from '../records/index.js';
import type { ObjectRecord, RecordStore } from '../records/index.js';
import type { PrefixMember } from '../records/prefixSchema.js';
import { ARTIFACT_KEY_PREFIX, readStoredTorrent, streamObjectRange } from '../storage/index.js';
import { MalformedTorrentError, SHA1_LENGTH, SHA256_LENGTH, decodeBencode, encodeBencode, pieceCountFor } from '../torrent/index.js';
import type { BencodeValue } from '../torrent/index.js';
import { memberHashesOfTorrent } from '../torrent/memberHashesOfTorrent.js';

/** The hashes of one member object at a prefix's piece length: what `assembleMultiFileInfo` needs of it but its path. */
interface MemberFileHashes {
  readonly size: number;
  readonly pieceLength: number;
  /** SHA-1 of each piece of the object alone, the last one of the short tail. */
  readonly v1: Uint8Array;
  /** SHA-1 of the short last piece followed by zeros to the piece length; present iff `size % pieceLength !== 0`. */
  readonly v1PaddedTail?: Uint8Array | undefined;
  /** The piece layer (32 bytes per piece), or for a one-piece object its pieces root. */
  readonly v2: Uint8Array;
}

/**
 * Where the hashes came from. 'record': the member's own READY record; 'artifact': a hash
 * artifact written earlier. Neither reads object bytes. 'hashed': read anonymously and hashed
 * now (a zero-byte member too, with nothing to read).
 */
type MemberHashSource = 'record' | 'artifact' | 'hashed';

/** A member of a snapshot and the bucket it is in (PrefixMember names keys within one bucket). */
type BucketMember = PrefixMember & { readonly bucket: string };

/**
 * The member's own record as the caller already read it (strongly consistent, during this job):
 * a prefix job reads its members' records a hundred at a time (RecordStore.getMany). `record`
 * undefined: the member has none.
 */
interface KnownRecord {
  readonly record: ObjectRecord | undefined;
}

/** What finding a member's hashes needs: a part of the hash worker's context. */
interface MemberHashContext {
  readonly records: Pick<RecordStore, 'get'>;
  /** Signed client and bucket of the stack's artifacts (hybrid torrents, hash artifacts). */
  readonly artifactsS3: S3Client;
  readonly artifactsBucket: string;
  /** Unsigned client: the member's bytes are read as the public reads them. */
  readonly anonymousS3: S3Client;
  readonly settings: { readonly hashThreads: number };
}

/** Keys of the bencoded hash artifact (dictionary keys are written sorted by the encoder). */
const ArtifactKeys = { Size: 'size', PieceLength: 'piece length', V1: 'v1', V1PaddedTail: 'v1 padded tail', V2: 'v2' } as const;

/**
 * Where the hashes of one object version at one piece length are kept in the artifacts bucket,
 * beside its .torrent artifacts: the ETag and the piece length name the content and the cut.
 */
function memberHashArtifactKey(bucket: string, key: string, etag: string, pieceLength: number): string {
  return `${ARTIFACT_KEY_PREFIX}${bucket}/${key}/${etag.replace(/"/g, '')}.p${pieceLength}.hashes`;
}

/** True when `hashes` has exactly the hash counts an object of `size` bytes cut at `pieceLength` needs. */
function fitsMember(hashes: MemberFileHashes, size: number, pieceLength: number): boolean {
  const pieces = pieceCountFor(size, pieceLength);
  const tailNeeded = size % pieceLength !== 0;
  return (
    hashes.size === size &&
    hashes.pieceLength === pieceLength &&
    hashes.v1.length === pieces * SHA1_LENGTH &&
    hashes.v2.length === pieces * SHA256_LENGTH &&
    (tailNeeded ? hashes.v1PaddedTail?.length === SHA1_LENGTH : hashes.v1PaddedTail === undefined)
  );
}

/** The member's own READY record, when it describes this very version at this piece length, padded tail included. */
function usableRecord(record: ObjectRecord | undefined, member: BucketMember, pieceLength: number): record is ObjectRecord & Required<Pick<ObjectRecord, 'torrents'>> {
  return (
    record !== undefined &&
    record.state === RecordState.Ready &&
    record.etag === member.etag &&
    record.size === member.size &&
    record.pieceLength === pieceLength &&
    record.torrents !== undefined &&
    // Records READY before the hasher kept padded tails lack one: such a member is hashed again.
    (member.size % pieceLength === 0 || record.v1PaddedTail !== undefined)
  );
}

async function fromRecord(context: MemberHashContext, record: ObjectRecord | undefined, member: BucketMember, pieceLength: number): Promise<MemberFileHashes | undefined> {
  if (!usableRecord(record, member, pieceLength)) return undefined;
  const torrent = await readStoredTorrent(context.artifactsS3, context.artifactsBucket, record.torrents.hybrid);
  let hashes: MemberFileHashes;
  try {
    hashes = { ...memberHashesOfTorrent(torrent), ...(record.v1PaddedTail === undefined ? {} : { v1PaddedTail: record.v1PaddedTail }) };
  } catch (error) {
    // A torrent we cannot read back is no reason to publish nothing: the member is hashed instead.
    if (error instanceof MalformedTorrentError) return undefined;
    throw error;
  }
  return fitsMember(hashes, member.size, pieceLength) ? hashes : undefined;
}

/** Decodes a hash artifact; undefined unless it is well-formed and fits the member exactly. */
function decodeArtifact(bytes: Uint8Array, member: BucketMember, pieceLength: number): MemberFileHashes | undefined {
  let root: BencodeValue;
  try {
    root = decodeBencode(bytes);
  } catch (error) {
    if (error instanceof MalformedTorrentError) return undefined;
    throw error;
  }
  if (!(root instanceof Map)) return undefined;
  const size = root.get(ArtifactKeys.Size);
  const length = root.get(ArtifactKeys.PieceLength);
  const v1 = root.get(ArtifactKeys.V1);
  const v2 = root.get(ArtifactKeys.V2);
  const tail = root.get(ArtifactKeys.V1PaddedTail);
  if (typeof size !== 'number' || typeof length !== 'number' || !(v1 instanceof Uint8Array) || !(v2 instanceof Uint8Array)) return undefined;
  if (tail !== undefined && !(tail instanceof Uint8Array)) return undefined;
  const hashes: MemberFileHashes = { size, pieceLength: length, v1, v2, ...(tail === undefined ? {} : { v1PaddedTail: tail }) };
  return fitsMember(hashes, member.size, pieceLength) ? hashes : undefined;
}

/**
 * An artifact that is not there: 404, or 403 as S3 answers for a missing key to a role that
 * may read the key but not list the bucket (the stack grants no s3:ListBucket on its artifacts).
 */
function isAbsent(error: unknown): boolean {
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  return status === 404 || status === 403;
}

async function fromArtifact(context: MemberHashContext, artifactKey: string, member: BucketMember, pieceLength: number): Promise<MemberFileHashes | undefined> {
  let bytes: Uint8Array | undefined;
  try {
    const reply = await context.artifactsS3.send(new GetObjectCommand({ Bucket: context.artifactsBucket, Key: artifactKey }));
    bytes = await reply.Body?.transformToByteArray();
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
  // A torn or corrupt artifact is never trusted: the member is hashed again and it is rewritten.
  return bytes === undefined ? undefined : decodeArtifact(bytes, member, pieceLength);
}

function encodeArtifact(hashes: MemberFileHashes): Uint8Array {
  return encodeBencode({
    [ArtifactKeys.Size]: hashes.size,
    [ArtifactKeys.PieceLength]: hashes.pieceLength,
    [ArtifactKeys.V1]: hashes.v1,
    ...(hashes.v1PaddedTail === undefined ? {} : { [ArtifactKeys.V1PaddedTail]: hashes.v1PaddedTail }),
    [ArtifactKeys.V2]: hashes.v2,
  });
}

/** Reads the member anonymously (one ranged GET with If-Match on its ETag) and hashes it at `pieceLength`. */
async function hashMember(context: MemberHashContext, member: BucketMember, pieceLength: number): Promise<MemberFileHashes> {
  const { size } = member;
  const target = { bucket: member.bucket, key: member.key, etag: member.etag };
  const threads = hashThreadsFor(size, context.settings.hashThreads);
  const range = await hashRange(streamObjectRange(context.anonymousS3, target, 0, size), { size, pieceLength, threads });
  return { size, pieceLength, v1: range.v1, v2: range.v2 as Uint8Array, ...(range.v1PaddedTail === undefined ? {} : { v1PaddedTail: range.v1PaddedTail }) };
}

/**
 * The hashes of one member of a prefix snapshot at the prefix's piece length, from the cheapest
 * place that has them: its own READY record, else a hash artifact written earlier, else its
 * bytes, read anonymously and hashed now; those hashes are then written as the artifact, so a
 * retried job or the next snapshot finds them without reading the object again. The record is
 * read here unless the caller passes it as `known`.
 *
 * @throws ObjectChangedError when S3 no longer has the member's ETag (412 on If-Match),
 *   ObjectNotPublicError when S3 refuses the anonymous read, ObjectMissingError when it is gone:
 *   the prefix job decides what becomes of the snapshot.
 */
async function memberHashesAt(
  context: MemberHashContext,
  member: BucketMember,
  pieceLength: number,
  known?: KnownRecord,
): Promise<{ hashes: MemberFileHashes; source: MemberHashSource }> {
  if (member.size === 0) return { hashes: { size: 0, pieceLength, v1: new Uint8Array(0), v2: new Uint8Array(0) }, source: 'hashed' };
  const record = known === undefined ? await context.records.get(member.bucket, member.key) : known.record;
  const ownRecord = await fromRecord(context, record, member, pieceLength);
  if (ownRecord !== undefined) return { hashes: ownRecord, source: 'record' };
  const artifactKey = memberHashArtifactKey(member.bucket, member.key, member.etag, pieceLength);
  const artifact = await fromArtifact(context, artifactKey, member, pieceLength);
  if (artifact !== undefined) return { hashes: artifact, source: 'artifact' };
  const hashes = await hashMember(context, member, pieceLength);
  await context.artifactsS3.send(
    new PutObjectCommand({ Bucket: context.artifactsBucket, Key: artifactKey, Body: encodeArtifact(hashes), ContentType: 'application/x-bittorrent-hashes' }),
  );
  return { hashes, source: 'hashed' };
}

export { memberHashArtifactKey, memberHashesAt };
export type { BucketMember, KnownRecord, MemberFileHashes, MemberHashContext, MemberHashSource };
