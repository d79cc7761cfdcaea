/**
 * Prefix record items (layout: prefixSchema.ts): keys, conversions, argument checks, and the
 * member list's encoding.
 *
 * @internal
 */
import { MalformedItemError, RecordInputError } from './errors.js';
import { ItemReader, torrentFromItem } from './items.js';
import type { Item } from './items.js';
import { RecordState, TableKeys } from './schema.js';
import type { PrefixMember, PrefixRecord, StoredManifest } from './prefixSchema.js';

/**
 * Sizes the prefix items depend on. An item holds at most 400 KB: an inline member list and
 * inline torrents (RecordLimits.MaxInlineTorrentBytes, 300 KiB) must fit together.
 */
const PrefixLimits = {
  /** Member list bytes kept in the record; a longer list (≈ 500+ members) goes to the artifacts bucket. */
  MaxInlineManifestBytes: 64 * 1024,
} as const;

/** Marks prefix aliases and change items apart from an object's (which carry no kind). */
const PREFIX_KIND = 'prefix';

const STATES: ReadonlySet<string> = new Set(Object.values(RecordState));
const SNAPSHOT_ID = /^[0-9a-f]{64}$/;

function prefixPartitionKey(bucket: string, prefix: string): string {
  return `p/${bucket}/${prefix}`;
}

function prefixRecordKey(bucket: string, prefix: string): Record<string, string> {
  return { [TableKeys.PartitionKey]: prefixPartitionKey(bucket, prefix), [TableKeys.SortKey]: TableKeys.RecordSortKey };
}

/**
 * The byBucket index partition of a bucket's prefix records: `p/<bucket>`. Bucket names never
 * hold `/`, so object records (partition `<bucket>`) and prefix records never share a partition:
 * listing a bucket's objects never meets a prefix record, and `prefixesOfBucket` reads prefix
 * records alone, with one Query instead of a scan.
 */
function prefixIndexPartition(bucket: string): string {
  return `p/${bucket}`;
}

function assertPrefixId(bucket: string, prefix: string): void {
  if (bucket.length === 0 || bucket.includes('/')) throw new RecordInputError(`invalid bucket name "${bucket}"`);
  if (prefix.length === 0 || !prefix.endsWith('/')) throw new RecordInputError(`prefix "${prefix}" of bucket ${bucket} must be non-empty and end with "/"`);
}

function isSnapshotId(value: string): boolean {
  return SNAPSHOT_ID.test(value);
}

function assertSnapshotId(snapshotId: string): void {
  if (!SNAPSHOT_ID.test(snapshotId)) throw new RecordInputError(`snapshot id "${snapshotId}" is not 64 lower-case hex digits`);
}

function assertManifest(manifest: StoredManifest): void {
  if ((manifest.inline === undefined) === (manifest.artifactKey === undefined)) {
    throw new RecordInputError('a member list is either inline or an artifact, exactly one of them');
  }
  if (manifest.inline !== undefined && manifest.inline.length !== manifest.bytes) {
    throw new RecordInputError(`member list: bytes says ${manifest.bytes} but ${manifest.inline.length} inline bytes were given`);
  }
  if (manifest.inline !== undefined && manifest.inline.length > PrefixLimits.MaxInlineManifestBytes) {
    throw new RecordInputError(`an inline member list holds at most ${PrefixLimits.MaxInlineManifestBytes} bytes, not ${manifest.inline.length}; store it as an artifact`);
  }
}

function manifestToItem(manifest: StoredManifest): Item {
  const item: Item = { bytes: manifest.bytes };
  if (manifest.inline !== undefined) item['inline'] = manifest.inline;
  if (manifest.artifactKey !== undefined) item['artifactKey'] = manifest.artifactKey;
  return item;
}

/** The prefix record an item holds (pk `p/...`, sk `record`). */
function prefixRecordFromItem(item: Item): PrefixRecord {
  const reader = new ItemReader(item);
  const state = reader.string('state');
  if (!STATES.has(state)) throw new MalformedItemError(reader.string(TableKeys.PartitionKey), reader.string(TableKeys.SortKey), `unknown state ${state}`);
  const manifest = reader.has('manifest') ? reader.map('manifest') : undefined;
  const torrents = reader.has('torrents') ? reader.map('torrents') : undefined;
  return {
    bucket: reader.string('bucket'),
    prefix: reader.string('prefix'),
    state: state as RecordState,
    reason: reader.optionalString('reason'),
    snapshotId: reader.string('snapshotId'),
    pieceLength: reader.number('pieceLength'),
    totalSize: reader.number('totalSize'),
    memberCount: reader.number('memberCount'),
    excludedCount: reader.number('excludedCount'),
    membersDone: reader.number('membersDone'),
    manifest: manifest === undefined
      ? undefined
      : { inline: manifest.optionalBytes('inline'), artifactKey: manifest.optionalString('artifactKey'), bytes: manifest.number('bytes') },
    torrents: torrents === undefined ? undefined : { v1: torrentFromItem(torrents.map('v1')), hybrid: torrentFromItem(torrents.map('hybrid')) },
    createdAt: reader.string('createdAt'),
    updatedAt: reader.string('updatedAt'),
  };
}

/** A member list as stored (inline or as the artifact's body): JSON `PrefixMember[]`, UTF-8. */
function encodeMembers(members: ReadonlyArray<PrefixMember>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(members.map(({ key, etag, size }) => ({ key, etag, size }))));
}

/** @throws RecordInputError when the bytes are not a member list. */
function decodeMembers(bytes: Uint8Array): PrefixMember[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new RecordInputError('member list is not UTF-8 JSON', { cause: error });
  }
  if (!Array.isArray(parsed)) throw new RecordInputError('member list is not a JSON array');
  return parsed.map((entry: unknown, index) => {
    const { key, etag, size } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof key !== 'string' || typeof etag !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new RecordInputError(`member list entry ${index} is not {key, etag, size}`);
    }
    return { key, etag, size };
  });
}

export {
  isSnapshotId,
  PREFIX_KIND,
  PrefixLimits,
  assertManifest,
  assertPrefixId,
  assertSnapshotId,
  decodeMembers,
  encodeMembers,
  manifestToItem,
  prefixIndexPartition,
  prefixPartitionKey,
  prefixRecordFromItem,
  prefixRecordKey,
};
