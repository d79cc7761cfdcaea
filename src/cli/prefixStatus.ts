import type { EgressTotals, PrefixRecord } from '../records/index.js';
import { egressLines, egressViewOf } from './egressView.js';
import type { EgressView } from './egressView.js';
import { formatBytes } from './sizes.js';

/** A prefix snapshot as `status s3://bucket/prefix/` shows it (`--json` prints exactly this). */
interface PrefixStatusView {
  readonly bucket: string;
  readonly prefix: string;
  readonly state: PrefixRecord['state'];
  readonly reason: string | null;
  readonly changedAt: string;
  /** Which listing the torrent was built from: a new one replaces it when the objects change. */
  readonly snapshotId: string;
  readonly members: number;
  /** Objects under the prefix left out because S3 does not serve them to the public. */
  readonly excluded: number;
  /** Members whose hashes at the snapshot's piece length are ready. */
  readonly membersDone: number;
  readonly totalSize: number;
  readonly pieceLength: number;
  readonly infoHashes: { readonly v1: string | null; readonly hybridV1: string | null; readonly hybridV2: string | null };
  /**
   * What BitTorrent delivered of this snapshot, as the seeders counted it (null: nothing counted
   * yet). A new snapshot starts from zero; a revoked one's totals stay as they were.
   */
  readonly egress: EgressView | null;
}

function prefixViewOf(record: PrefixRecord, egress: EgressTotals | null): PrefixStatusView {
  return {
    bucket: record.bucket,
    prefix: record.prefix,
    state: record.state,
    reason: record.reason ?? null,
    changedAt: record.updatedAt,
    snapshotId: record.snapshotId,
    members: record.memberCount,
    excluded: record.excludedCount,
    membersDone: record.membersDone,
    totalSize: record.totalSize,
    pieceLength: record.pieceLength,
    infoHashes: {
      v1: record.torrents?.v1.infoHashV1 ?? null,
      hybridV1: record.torrents?.hybrid.infoHashV1 ?? null,
      hybridV2: record.torrents?.hybrid.infoHashV2 ?? null,
    },
    egress: egress === null ? null : egressViewOf(egress),
  };
}

function prefixTextLines(view: PrefixStatusView): string[] {
  const lines = [
    `prefix:       s3://${view.bucket}/${view.prefix}`,
    `state:        ${view.state}`,
    `reason:       ${view.reason ?? '(none)'}`,
    `changed:      ${view.changedAt}`,
    `snapshot:     ${view.snapshotId}`,
    `objects:      ${view.members} (${formatBytes(view.totalSize)}), ${view.membersDone} hashed at ${formatBytes(view.pieceLength)} pieces`,
    `left out:     ${view.excluded} not public`,
  ];
  if (view.infoHashes.v1 !== null) lines.push(`infohash v1:  ${view.infoHashes.v1}`);
  if (view.infoHashes.hybridV1 !== null) lines.push(`hybrid v1:    ${view.infoHashes.hybridV1}`);
  if (view.infoHashes.hybridV2 !== null) lines.push(`hybrid v2:    ${view.infoHashes.hybridV2}`);
  lines.push(...egressLines(view.egress));
  return lines;
}

export { prefixTextLines, prefixViewOf };
export type { PrefixStatusView };
