export {
  HashingAttemptSupersededError,
  HashingPlanConflictError,
  InlineTorrentTooLargeError,
  MalformedItemError,
  RecordContentionError,
  RecordError,
  RecordInputError,
  SegmentOutOfRangeError,
  SegmentTooLargeError,
  SegmentsIncompleteError,
  StaleRecordError,
  UnprocessedReadsError,
} from './errors.js';
export { CHANGE_TTL_SECONDS, ChangeLog } from './ChangeLog.js';
export { RecordStore } from './RecordStore.js';
export { BATCH_GET_KEYS } from './readRecords.js';
export { PrefixStore } from './prefixRecords.js';
export { ManifestUnavailableError, StalePrefixRecordError } from './prefixErrors.js';
export { PrefixLimits, decodeMembers, encodeMembers, prefixPartitionKey } from './prefixItems.js';
export { addEgress, egressTotals } from './egressTotals.js';
export { claimStaleRecord, republishRecord, scanRecordsPage } from './maintenance.js';
export { RecordLimits, RecordState, TableKeys, aliasPartitionKey, recordPartitionKey, segmentSortKey } from './schema.js';
export { piecesProgress, recordsUnder } from './recordsUnder.js';
export { readyVersion } from './readyVersion.js';
export { createRecordTable, recordTableDefinition } from './table.js';
export type { ChangeNote, ObjectChange } from './ChangeLog.js';
export type { EgressIncrement, EgressTotals } from './egressTotals.js';
export type { ObjectRecord, SegmentResult, StoredTorrent } from './schema.js';
export type { PrefixMember, PrefixRecord, PublishedTarget, StoredManifest } from './prefixSchema.js';
export type { ArtifactReader, PrefixSnapshot, TakeSnapshotResult } from './prefixRecords.js';
export type { TableDefinition } from './table.js';
export type { HasTableAccess, TableAccess } from './recordItem.js';
export type { RecordOnAttempt } from './hashingAttempts.js';
export type { ReadyVersion } from './readyVersion.js';
export type {
  EnsurePendingOptions,
  EnsurePendingResult,
  HashingAttempt,
  HashingPlan,
  ListPageOptions,
  RecordPage,
  RecordStoreOptions,
  SegmentProgress,
  Torrents,
} from './types.js';
