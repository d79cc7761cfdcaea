/**
 * Record operations of the access checker and the sweep (src/withdrawal): putting a revoked
 * version back on sale, claiming a hashing job presumed lost, and reading every record of the
 * table page by page. Kept apart from RecordStore.ts, which holds the hashing flow's transitions;
 * both write the same items under the same rule: every state change is a conditional write.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { RecordInputError } from './errors.js';
import { assertObjectId, assertPositiveInteger, decodeCursor, encodeCursor, namesIn, recordFromItem } from './items.js';
import type { Item } from './items.js';
import { updateRecord } from './recordItem.js';
import type { HasTableAccess } from './recordItem.js';
import { OBJECT_RECORD_PREFIX, RecordState, TableKeys } from './schema.js';
import type { ObjectRecord } from './schema.js';
import type { RecordPage } from './types.js';

/** Items a scan page reads at most (DynamoDB also stops a page at 1 MB): ~100 records of a few KB each. */
const DEFAULT_SCAN_PAGE_ITEMS = 100;

const ALL_RECORD_STATES: readonly RecordState[] = Object.values(RecordState);

/**
 * REVOKED → READY for the same ETag, keeping the torrents it had: S3 serves that very version
 * anonymously again, so its pieces are unchanged and nothing is hashed again. The infohash
 * aliases were never removed, so the seeder and tracker find the record again by them.
 *
 * Conditional on the record being REVOKED, holding `etag` and still having its torrents: a
 * record overwritten, reset or already republished meanwhile is left alone.
 *
 * @returns the READY record, or undefined when the condition did not hold (nothing written).
 */
async function republishRecord(store: HasTableAccess, bucket: string, key: string, etag: string): Promise<ObjectRecord | undefined> {
  assertObjectId(bucket, key, etag);
  const update = 'SET #state = :ready, #updatedAt = :now REMOVE #reason';
  const condition = '#state = :revoked AND #etag = :etag AND attribute_exists(#torrents)';
  return updateRecord(store.tableAccess, { bucket, key }, update, condition, {
    ':ready': RecordState.Ready, ':revoked': RecordState.Revoked, ':etag': etag,
  });
}

/**
 * Claims a PENDING or HASHING record whose job looks lost, so that exactly one sweep re-queues
 * it: its `updatedAt` is moved to now, on condition that the record is still in the state,
 * ETag and `updatedAt` the caller saw (any progress of the job since then wins). The next claim
 * of the same record is possible only once it has been left alone that long again.
 *
 * @returns true for the one caller whose write won: that caller sends the job.
 */
async function claimStaleRecord(store: HasTableAccess, record: ObjectRecord): Promise<boolean> {
  const { bucket, key, etag, state, updatedAt } = record;
  assertObjectId(bucket, key, etag);
  if (state !== RecordState.Pending && state !== RecordState.Hashing) {
    throw new RecordInputError(`only a PENDING or HASHING record can be re-queued, not a ${state} one (s3://${bucket}/${key})`);
  }
  const update = 'SET #updatedAt = :now';
  const condition = '#state = :state AND #etag = :etag AND #updatedAt = :seen';
  const written = await updateRecord(store.tableAccess, { bucket, key }, update, condition, { ':state': state, ':etag': etag, ':seen': updatedAt });
  return written !== undefined;
}

/**
 * One page of every object record of the table (all buckets) in one of `states`, by a scan, and
 * the cursor of the next page. For a deployment that publishes any bucket (`'*'`, the local
 * stack): with named buckets, read them by bucket (`listByBucketPage`) instead. A page may hold
 * fewer records than `limit`, even none, and still have a next page (the filter applies after
 * the read).
 */
async function scanRecordsPage(
  store: HasTableAccess,
  options: { readonly states?: readonly RecordState[]; readonly cursor?: string | undefined; readonly limit?: number | undefined } = {},
): Promise<RecordPage> {
  const access = store.tableAccess;
  const limit = options.limit ?? DEFAULT_SCAN_PAGE_ITEMS;
  assertPositiveInteger('limit', limit);
  const states = options.states ?? ALL_RECORD_STATES;
  if (states.length === 0) throw new RecordInputError('scanRecordsPage needs at least one state');
  const stateValues = Object.fromEntries(states.map((state, i) => [`:s${i}`, state]));
  // Object records only: prefix records (pk `p/...`) share the sort key.
  const filter = `#sk = :record AND begins_with(#pk, :objects) AND #state IN (${Object.keys(stateValues).join(', ')})`;
  const page = await access.documents.send(new ScanCommand({
    TableName: access.tableName,
    FilterExpression: filter,
    ExpressionAttributeNames: namesIn(filter),
    ExpressionAttributeValues: { ':record': TableKeys.RecordSortKey, ':objects': OBJECT_RECORD_PREFIX, ...stateValues },
    Limit: limit,
    ExclusiveStartKey: decodeCursor(options.cursor),
  }));
  return { records: (page.Items ?? []).map((item) => recordFromItem(item as Item)), cursor: encodeCursor(page.LastEvaluatedKey) };
}

export { claimStaleRecord, republishRecord, scanRecordsPage };
