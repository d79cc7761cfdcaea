/**
 * Reading many object records of one bucket at once (BatchGetItem), for a prefix job that needs
 * the records of every member: one request per hundred members instead of one per member.
 *
 * @internal
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnprocessedReadsError } from './errors.js';
import { assertObjectId, recordFromItem } from './items.js';
import type { Item } from './items.js';
import { recordKey } from './recordItem.js';
import type { TableAccess } from './recordItem.js';
import type { ObjectRecord } from './schema.js';

/** Keys per BatchGetItem: DynamoDB's most. */
const BATCH_GET_KEYS = 100;

/**
 * BatchGetItem rounds for the keys DynamoDB leaves unprocessed (throttling, or a reply past 16 MB)
 * before the read fails: with the back-off below, about 10 s of waiting, as retryConflicts allows
 * a write.
 */
const MAX_BATCH_ROUNDS = 12;
const BACKOFF_BASE_MS = 20;
const BACKOFF_CAP_MS = 1_000;

/** One BatchGetItem of at most BATCH_GET_KEYS keys, repeated for what DynamoDB left unprocessed. */
async function readBatch(access: TableAccess, bucket: string, keys: ReadonlyArray<string>, into: Map<string, ObjectRecord>): Promise<void> {
  let pending: Array<Record<string, unknown>> = keys.map((key) => recordKey(bucket, key));
  for (let round = 1; pending.length > 0; round += 1) {
    if (round > MAX_BATCH_ROUNDS) throw new UnprocessedReadsError(bucket, pending.length, MAX_BATCH_ROUNDS);
    if (round > 1) await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** round));
    const reply = await access.documents.send(new BatchGetCommand({
      RequestItems: { [access.tableName]: { Keys: pending, ConsistentRead: true } },
    }));
    for (const item of reply.Responses?.[access.tableName] ?? []) {
      const record = recordFromItem(item as Item);
      into.set(record.key, record);
    }
    pending = reply.UnprocessedKeys?.[access.tableName]?.Keys ?? [];
  }
}

/**
 * The records of `keys` in `bucket` (strongly consistent reads, as `RecordStore.get`), by key;
 * a key with no record is absent from the map. `keys` must be distinct (BatchGetItem refuses
 * duplicates). Batches are read one after another: a caller that wants them spread out over its
 * work asks for a batch at a time.
 *
 * @throws UnprocessedReadsError when DynamoDB keeps leaving keys unprocessed.
 */
async function readRecords(access: TableAccess, bucket: string, keys: ReadonlyArray<string>): Promise<Map<string, ObjectRecord>> {
  for (const key of keys) assertObjectId(bucket, key);
  const records = new Map<string, ObjectRecord>();
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) await readBatch(access, bucket, keys.slice(start, start + BATCH_GET_KEYS), records);
  return records;
}

export { BATCH_GET_KEYS, readRecords };
