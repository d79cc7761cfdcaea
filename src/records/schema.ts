/**
 * The DynamoDB table every entry point shares: one table, items told apart by key prefixes.
 *
 * | item | pk | sk | notes |
 * |---|---|---|---|
 * | object record | `o/<bucket>/<key>` | `record` | one per object; `gsiBucket`/`gsiKey` feed the byBucket index; once READY, binary `v1PaddedTail` when the size is not whole pieces (absent on records READY before it existed) |
 * | segment result | `o/<bucket>/<key>` | `seg/<etag>/<attemptId>/<index, 6 digits>` | piece hashes of one segment of one hashing attempt (hashingAttempts.ts), the last segment's `v1PaddedTail` too; `expiresAt` TTL |
 * | egress totals | `o/<bucket>/<key>` | `egress/<etag>` | what the seeders served and peers reported of one version (egressTotals.ts) |
 * | infohash alias | `ih/<40 hex>` | `alias` | v1 infohash, hybrid v1 infohash, truncated hybrid v2 → the object |
 * | change | `chg/<UTC date>` | `<ISO time>#<bucket>/<key>` | a transition that stops a swarm (ChangeLog.ts); `expiresAt` TTL |
 *
 * Bucket names never contain `/`, so `o/<bucket>/<key>` is unambiguous whatever the key holds.
 */
const TableKeys = {
  PartitionKey: 'pk',
  SortKey: 'sk',
  RecordSortKey: 'record',
  AliasSortKey: 'alias',
  /** GSI that lists every record of a bucket (bucket-level revocation). */
  ByBucketIndex: 'byBucket',
  ByBucketPartition: 'gsiBucket',
  ByBucketSort: 'gsiKey',
  /** TTL attribute (epoch seconds) of segment results and change items. */
  ExpiresAt: 'expiresAt',
} as const;

/** Lifecycle of an object's torrent. Every change is a conditional write. */
const RecordState = {
  /** Known, a job is queued, nothing hashed yet. */
  Pending: 'PENDING',
  /** Segments are being hashed. */
  Hashing: 'HASHING',
  /** The .torrent files exist for `etag` and may be served. */
  Ready: 'READY',
  /** The object is no longer anonymously readable (or was deleted): never serve it. */
  Revoked: 'REVOKED',
  /** Hashing gave up; `reason` says why. */
  Failed: 'FAILED',
} as const;
type RecordState = (typeof RecordState)[keyof typeof RecordState];

/**
 * Sizes and durations the item layout depends on. DynamoDB caps an item at 400 KB (names and
 * values together) and a Query page at 1 MB.
 */
const RecordLimits = {
  /** Piece hashes (v1 + v2) one segment item may hold: leaves ~50 KB of the 400 KB item for the rest. */
  MaxSegmentHashBytes: 350 * 1024,
  /** Inline .torrent bytes (v1 + hybrid together) one record may hold; larger ones go to the artifacts bucket. */
  MaxInlineTorrentBytes: 300 * 1024,
  /** Segment results live a week: long enough for any retry, short enough not to pile up. */
  SegmentTtlSeconds: 7 * 24 * 60 * 60,
} as const;

/** Where one .torrent lives: inline in the record when small, else in the artifacts bucket. */
interface StoredTorrent {
  readonly infoHashV1: string;
  readonly infoHashV2?: string | undefined;
  readonly inline?: Uint8Array | undefined;
  readonly artifactKey?: string | undefined;
  readonly bytes: number;
}

/** The object record, as the rest of the code sees it. */
interface ObjectRecord {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly state: RecordState;
  readonly reason?: string | undefined;
  readonly pieceLength?: number | undefined;
  readonly pieceCount?: number | undefined;
  readonly segmentsTotal?: number | undefined;
  readonly segmentsDone?: number | undefined;
  /**
   * The hashing attempt the record counts segments for: a fresh random id written by each
   * PENDING → HASHING (hashingAttempts.ts), removed when the record goes back to PENDING.
   * Undefined before hashing starts, and on records that started hashing before attempts existed.
   */
  readonly attemptId?: string | undefined;
  /** Present once READY: the v1 torrent and the hybrid torrent. */
  readonly torrents?: { readonly v1: StoredTorrent; readonly hybrid: StoredTorrent } | undefined;
  /**
   * Once READY, when `size` is not a multiple of `pieceLength`: SHA-1 of the last piece padded
   * with zeros to the piece length (PieceHashes.v1PaddedTail), which a prefix torrent's v1 pieces
   * need. Absent on records that became READY before the hasher produced it.
   */
  readonly v1PaddedTail?: Uint8Array | undefined;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The piece hashes of one hashed segment, as stored in its segment item. */
interface SegmentResult {
  readonly index: number;
  readonly firstPiece: number;
  readonly pieceCount: number;
  /** Byte offset of the segment in the object. */
  readonly offset: number;
  readonly length: number;
  /** 20 bytes (SHA-1) per piece. */
  readonly v1: Uint8Array;
  /** 32 bytes (SHA-256 piece-layer hash) per piece. */
  readonly v2: Uint8Array;
  /** The segment holding the object's last piece, when that piece is short: see ObjectRecord.v1PaddedTail. */
  readonly v1PaddedTail?: Uint8Array | undefined;
}

/** The start every object record's pk shares: scans filter on it to skip prefix records (`p/...`, prefixSchema.ts). */
const OBJECT_RECORD_PREFIX = 'o/';

function recordPartitionKey(bucket: string, key: string): string {
  return `${OBJECT_RECORD_PREFIX}${bucket}/${key}`;
}

/**
 * The sort key of segment `index` of hashing attempt `attemptId` of `etag`. Items of one attempt
 * share the prefix `segmentPrefix(etag, attemptId)`; those of another attempt of the same ETag,
 * or written before attempts existed (`seg/<etag>/<index>`), never match it.
 */
function segmentSortKey(etag: string, attemptId: string, index: number): string {
  return `${segmentPrefix(etag, attemptId)}${String(index).padStart(6, '0')}`;
}

function segmentPrefix(etag: string, attemptId: string): string {
  return `seg/${etag}/${attemptId}/`;
}

/** The item of one version's egress totals: keyed by ETag, so a new version starts from zero. */
function egressSortKey(etag: string): string {
  return `egress/${etag}`;
}

function aliasPartitionKey(infoHashHex: string): string {
  return `ih/${infoHashHex.slice(0, 40).toLowerCase()}`;
}

export { OBJECT_RECORD_PREFIX, RecordLimits, RecordState, TableKeys, aliasPartitionKey, egressSortKey, recordPartitionKey, segmentPrefix, segmentSortKey };
export type { ObjectRecord, SegmentResult, StoredTorrent };
