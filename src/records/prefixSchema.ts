import type { RecordState, StoredTorrent } from './schema.js';

/**
 * Prefix torrents: one multi-file torrent for the public objects under `<bucket>/<prefix>`.
 *
 * | item | pk | sk | notes |
 * |---|---|---|---|
 * | prefix record | `p/<bucket>/<prefix>` | `record` | one per prefix: its latest snapshot; byBucket index keys `gsiBucket` = `p/<bucket>`, `gsiKey` = prefix (prefixItems.ts) |
 * | infohash alias | `ih/<40 hex>` | `alias` | as for objects, with `kind: 'prefix'`, bucket, prefix, snapshotId |
 *
 * `p/` and not `o/`: S3 keys may end in `/` ("folder" marker objects), so `o/<bucket>/<prefix>`
 * could be an object's record.
 */

/** One object of a snapshot, in torrent file order (libtorrent's path order). */
interface PrefixMember {
  /** The full object key (`<prefix><path>`). */
  readonly key: string;
  /** Quoted, as records and If-Match use it. */
  readonly etag: string;
  readonly size: number;
}

/** Where a snapshot's member list lives: inline when small, else in the artifacts bucket (JSON `PrefixMember[]`). */
interface StoredManifest {
  readonly inline?: Uint8Array | undefined;
  readonly artifactKey?: string | undefined;
  readonly bytes: number;
}

/** The prefix record: the latest snapshot of one prefix and its state (same states as objects). */
interface PrefixRecord {
  readonly bucket: string;
  /** Ends with `/`; never empty. */
  readonly prefix: string;
  readonly state: RecordState;
  readonly reason?: string | undefined;
  /** SHA-256 hex of the listing the snapshot was built from (member keys, ETags, sizes, and excluded keys). */
  readonly snapshotId: string;
  readonly pieceLength: number;
  /** Sum of the members' sizes (pad files not counted). */
  readonly totalSize: number;
  readonly memberCount: number;
  /** Objects under the prefix left out because S3 does not serve them to the public. */
  readonly excludedCount: number;
  /** Members whose hashes at `pieceLength` are available: progress for the 202 body. */
  readonly membersDone: number;
  readonly manifest?: StoredManifest | undefined;
  /** Present once READY. */
  readonly torrents?: { readonly v1: StoredTorrent; readonly hybrid: StoredTorrent } | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What an infohash names: one object version or one prefix snapshot. */
type PublishedTarget =
  | { readonly kind: 'object'; readonly record: import('./schema.js').ObjectRecord }
  | { readonly kind: 'prefix'; readonly record: PrefixRecord; readonly members: ReadonlyArray<PrefixMember> };

export type { PrefixMember, PrefixRecord, PublishedTarget, StoredManifest };
