/**
 * Conversions between the table's items and the records the rest of the code sees, and the
 * argument checks done before anything is written.
 *
 * @internal
 */
import { SHA1_LENGTH, SHA256_LENGTH } from '../torrent/index.js';
import { MalformedItemError, RecordInputError } from './errors.js';
import { RecordLimits, RecordState, TableKeys } from './schema.js';
import type { ObjectRecord, SegmentResult, StoredTorrent } from './schema.js';

type Item = Record<string, unknown>;

const STATES: ReadonlySet<string> = new Set(Object.values(RecordState));
const HEX40 = /^[0-9a-f]{40}$/i;
const HEX64 = /^[0-9a-f]{64}$/i;

/** Reads typed attributes of one item (object records here, prefix records in prefixItems.ts); any missing or mistyped attribute is a MalformedItemError. */
class ItemReader {
  public constructor(private readonly item: Item) {}

  private fail(problem: string): never {
    throw new MalformedItemError(String(this.item[TableKeys.PartitionKey]), String(this.item[TableKeys.SortKey]), problem);
  }

  public string(name: string): string {
    const value = this.item[name];
    return typeof value === 'string' ? value : this.fail(`${name} is not a string`);
  }

  public number(name: string): number {
    const value = this.item[name];
    return typeof value === 'number' ? value : this.fail(`${name} is not a number`);
  }

  public bytes(name: string): Uint8Array {
    const value = this.item[name];
    return value instanceof Uint8Array ? value : this.fail(`${name} is not binary`);
  }

  public optionalString(name: string): string | undefined {
    return this.item[name] === undefined ? undefined : this.string(name);
  }

  public optionalNumber(name: string): number | undefined {
    return this.item[name] === undefined ? undefined : this.number(name);
  }

  public optionalBytes(name: string): Uint8Array | undefined {
    return this.item[name] === undefined ? undefined : this.bytes(name);
  }

  public map(name: string): ItemReader {
    const value = this.item[name];
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) this.fail(`${name} is not a map`);
    // Nested maps report problems against the enclosing item's keys.
    return new ItemReader({ ...(value as Item), [TableKeys.PartitionKey]: this.item[TableKeys.PartitionKey], [TableKeys.SortKey]: this.item[TableKeys.SortKey] });
  }

  public has(name: string): boolean {
    return this.item[name] !== undefined;
  }
}

function torrentFromItem(reader: ItemReader): StoredTorrent {
  return {
    infoHashV1: reader.string('infoHashV1'),
    infoHashV2: reader.optionalString('infoHashV2'),
    inline: reader.optionalBytes('inline'),
    artifactKey: reader.optionalString('artifactKey'),
    bytes: reader.number('bytes'),
  };
}

/** The record an item holds (an item read with sk `record`). */
function recordFromItem(item: Item): ObjectRecord {
  const reader = new ItemReader(item);
  const state = reader.string('state');
  if (!STATES.has(state)) throw new MalformedItemError(reader.string(TableKeys.PartitionKey), reader.string(TableKeys.SortKey), `unknown state ${state}`);
  const torrents = reader.has('torrents') ? reader.map('torrents') : undefined;
  return {
    bucket: reader.string('bucket'),
    key: reader.string('key'),
    etag: reader.string('etag'),
    size: reader.number('size'),
    state: state as RecordState,
    reason: reader.optionalString('reason'),
    pieceLength: reader.optionalNumber('pieceLength'),
    pieceCount: reader.optionalNumber('pieceCount'),
    segmentsTotal: reader.optionalNumber('segmentsTotal'),
    segmentsDone: reader.optionalNumber('segmentsDone'),
    attemptId: reader.optionalString('attemptId'),
    torrents: torrents === undefined ? undefined : { v1: torrentFromItem(torrents.map('v1')), hybrid: torrentFromItem(torrents.map('hybrid')) },
    v1PaddedTail: reader.optionalBytes('v1PaddedTail'),
    createdAt: reader.string('createdAt'),
    updatedAt: reader.string('updatedAt'),
  };
}

/** The segment result a segment item holds. */
function segmentFromItem(item: Item): SegmentResult {
  const reader = new ItemReader(item);
  return {
    index: reader.number('index'),
    firstPiece: reader.number('firstPiece'),
    pieceCount: reader.number('pieceCount'),
    offset: reader.number('offset'),
    length: reader.number('length'),
    v1: reader.bytes('v1'),
    v2: reader.bytes('v2'),
    v1PaddedTail: reader.optionalBytes('v1PaddedTail'),
  };
}

/** The map a StoredTorrent is written as: only the fields present, bytes as DynamoDB binary. */
function torrentToItem(torrent: StoredTorrent): Item {
  const item: Item = { infoHashV1: torrent.infoHashV1.toLowerCase(), bytes: torrent.bytes };
  if (torrent.infoHashV2 !== undefined) item['infoHashV2'] = torrent.infoHashV2.toLowerCase();
  if (torrent.inline !== undefined) item['inline'] = torrent.inline;
  if (torrent.artifactKey !== undefined) item['artifactKey'] = torrent.artifactKey;
  return item;
}

function assertNonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RecordInputError(`${name} must be a non-negative integer, not ${value}`);
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RecordInputError(`${name} must be a positive integer, not ${value}`);
}

/** Bucket names never hold `/`: that keeps `o/<bucket>/<key>` unambiguous. */
function assertBucket(bucket: string): void {
  if (bucket.length === 0 || bucket.includes('/')) throw new RecordInputError(`invalid bucket name "${bucket}"`);
}

/** A bucket, a non-empty key and, when given, an ETag without `/` (it is part of segment sort keys). */
function assertObjectId(bucket: string, key: string, etag?: string): void {
  assertBucket(bucket);
  if (key.length === 0) throw new RecordInputError(`empty object key in bucket ${bucket}`);
  if (etag !== undefined && (etag.length === 0 || etag.includes('/'))) throw new RecordInputError(`invalid ETag "${etag}" for s3://${bucket}/${key}`);
}

/** Hashing attempt ids as `newAttemptId` makes them (base64url): they are part of segment sort keys, so never `/`. */
const ATTEMPT_ID = /^[A-Za-z0-9_-]{1,64}$/;

function assertAttemptId(attemptId: string): void {
  if (!ATTEMPT_ID.test(attemptId)) throw new RecordInputError(`invalid hashing attempt id "${attemptId}"`);
}

/** Reasons are shown to operators; an empty one says nothing (and some marshalling options turn '' into NULL). */
function assertReason(reason: string): void {
  if (reason.trim().length === 0) throw new RecordInputError('a reason is required');
}

/** A v1 infohash (40 hex) or a v2 infohash (64 hex, looked up by its first 40). */
function assertInfoHash(hex: string): void {
  if (!HEX40.test(hex) && !HEX64.test(hex)) throw new RecordInputError(`"${hex}" is not a 40- or 64-digit hex infohash`);
}

/** Piece hashes of the right size for the piece count, and small enough for one item. */
function assertSegmentHashes(index: number, pieceCount: number, v1: Uint8Array, v2: Uint8Array): void {
  if (v1.length !== pieceCount * SHA1_LENGTH) {
    throw new RecordInputError(`segment ${index}: ${pieceCount} pieces need ${pieceCount * SHA1_LENGTH} bytes of v1 hashes, got ${v1.length}`);
  }
  if (v2.length !== pieceCount * SHA256_LENGTH) {
    throw new RecordInputError(`segment ${index}: ${pieceCount} pieces need ${pieceCount * SHA256_LENGTH} bytes of v2 hashes, got ${v2.length}`);
  }
}

/** A padded tail hash is one SHA-1 digest. */
function assertPaddedTail(v1PaddedTail: Uint8Array | undefined): void {
  if (v1PaddedTail !== undefined && v1PaddedTail.length !== SHA1_LENGTH) {
    throw new RecordInputError(`v1PaddedTail must be ${SHA1_LENGTH} bytes, got ${v1PaddedTail.length}`);
  }
}

/** Hashes that name the torrent, a location for its bytes, and inline bytes that fit the record. */
function assertTorrents(torrents: { readonly v1: StoredTorrent; readonly hybrid: StoredTorrent }): number {
  for (const [name, torrent] of Object.entries(torrents)) {
    if (!HEX40.test(torrent.infoHashV1)) throw new RecordInputError(`${name} torrent: infoHashV1 "${torrent.infoHashV1}" is not 40 hex digits`);
    if (torrent.infoHashV2 !== undefined && !HEX64.test(torrent.infoHashV2)) {
      throw new RecordInputError(`${name} torrent: infoHashV2 "${torrent.infoHashV2}" is not 64 hex digits`);
    }
    if (torrent.inline === undefined && torrent.artifactKey === undefined) throw new RecordInputError(`${name} torrent has neither inline bytes nor an artifact key`);
    if (torrent.inline !== undefined && torrent.inline.length !== torrent.bytes) {
      throw new RecordInputError(`${name} torrent: bytes says ${torrent.bytes} but ${torrent.inline.length} inline bytes were given`);
    }
    assertPositiveInteger(`${name} torrent bytes`, torrent.bytes);
  }
  if (torrents.hybrid.infoHashV2 === undefined) throw new RecordInputError('hybrid torrent has no infoHashV2');
  return (torrents.v1.inline?.length ?? 0) + (torrents.hybrid.inline?.length ?? 0);
}

/** The infohashes a READY record is found by: v1's, hybrid's v1, hybrid's v2 (first 40 hex), lower case, distinct. */
function aliasHashes(torrents: { readonly v1: StoredTorrent; readonly hybrid: StoredTorrent }): string[] {
  const hashes = [torrents.v1.infoHashV1, torrents.hybrid.infoHashV1, torrents.hybrid.infoHashV2]
    .filter((h): h is string => h !== undefined)
    .map((h) => h.slice(0, 40).toLowerCase());
  return [...new Set(hashes)];
}

/** ExpressionAttributeNames for every `#name` used in the given expressions (all names go through `#`: `state`, `size`, `key` are reserved words). */
function namesIn(...expressions: string[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const match of expressions.join(' ').matchAll(/#(\w+)/g)) names[match[0]] = match[1] as string;
  return names;
}

/** Epoch seconds `RecordLimits.SegmentTtlSeconds` after `now`, for the TTL attribute. */
function segmentExpiry(now: Date): number {
  return Math.floor(now.getTime() / 1000) + RecordLimits.SegmentTtlSeconds;
}

/** Page cursors are the GSI's LastEvaluatedKey (all strings), as base64url JSON. */
function encodeCursor(lastKey: Record<string, unknown> | undefined): string | undefined {
  return lastKey === undefined ? undefined : Buffer.from(JSON.stringify(lastKey)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && Object.values(parsed).every((v) => typeof v === 'string')) {
      return parsed as Record<string, string>;
    }
  } catch (error) {
    throw new RecordInputError('malformed page cursor', { cause: error });
  }
  throw new RecordInputError('malformed page cursor');
}

export {
  ItemReader,
  aliasHashes,
  assertAttemptId,
  assertBucket,
  assertInfoHash,
  assertNonNegativeInteger,
  assertObjectId,
  assertPaddedTail,
  assertPositiveInteger,
  assertReason,
  assertSegmentHashes,
  assertTorrents,
  decodeCursor,
  encodeCursor,
  namesIn,
  recordFromItem,
  segmentExpiry,
  segmentFromItem,
  torrentFromItem,
  torrentToItem,
};
export type { Item };
