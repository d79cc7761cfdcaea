export {
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
} from './errors.js';
export { CHANGE_TTL_SECONDS, ChangeLog } from './ChangeLog.js';
export { RecordStore } from './RecordStore.js';
export { claimStaleRecord, republishRecord, scanRecordsPage } from './maintenance.js';
export { RecordLimits, RecordState, TableKeys, aliasPartitionKey, recordPartitionKey, segmentSortKey } from './schema.js';
export { piecesProgress, recordsUnder } from './recordsUnder.js';
export { createRecordTable, recordTableDefinition } from './table.js';
export type { ChangeNote, ObjectChange } from './ChangeLog.js';
export type { ObjectRecord, SegmentResult, StoredTorrent } from './schema.js';
export type { TableDefinition } from './table.js';
export type { HasTableAccess, TableAccess } from './maintenance.js';
export type {
  EnsurePendingOptions,
  EnsurePendingResult,
  HashingPlan,
  ListPageOptions,
  RecordPage,
  RecordStoreOptions,
  SegmentProgress,
  Torrents,
} from './types.js';
