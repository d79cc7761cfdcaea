/**
 * Reading and conditionally updating one object record item, for the record operations kept
 * outside RecordStore.ts (hashingAttempts.ts, maintenance.ts, readyVersion.ts).
 *
 * @internal
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, retryConflicts } from './conflicts.js';
import { namesIn, recordFromItem } from './items.js';
import type { Item } from './items.js';
import { TableKeys, recordPartitionKey } from './schema.js';
import type { ObjectRecord } from './schema.js';

/** The table and clock of a RecordStore, for operations that live outside RecordStore.ts. @internal */
interface TableAccess {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now: () => Date;
}

/** Anything that hands out its TableAccess: a RecordStore. */
interface HasTableAccess {
  readonly tableAccess: TableAccess;
}

/** The key of the record item of `bucket`/`key`. */
function recordKey(bucket: string, key: string): Record<string, string> {
  return { [TableKeys.PartitionKey]: recordPartitionKey(bucket, key), [TableKeys.SortKey]: TableKeys.RecordSortKey };
}

/** The record of an object (a strongly consistent read), or undefined when there is none. */
async function readRecord(access: TableAccess, bucket: string, key: string): Promise<ObjectRecord | undefined> {
  const { Item: item } = await access.documents.send(
    new GetCommand({ TableName: access.tableName, Key: recordKey(bucket, key), ConsistentRead: true }),
  );
  return item === undefined ? undefined : recordFromItem(item);
}

/**
 * One conditional UpdateItem of the record of `bucket`/`key`, `:now` supplied; the new record,
 * or undefined when the condition was false.
 */
async function updateRecord(
  access: TableAccess,
  target: { readonly bucket: string; readonly key: string },
  update: string,
  condition: string,
  values: Record<string, unknown>,
): Promise<ObjectRecord | undefined> {
  const { bucket, key } = target;
  try {
    const { Attributes: attributes } = await retryConflicts(`updating the record of s3://${bucket}/${key}`, () =>
      access.documents.send(new UpdateCommand({
        TableName: access.tableName,
        Key: recordKey(bucket, key),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: namesIn(update, condition),
        ExpressionAttributeValues: { ...values, ':now': access.now().toISOString() },
        ReturnValues: 'ALL_NEW',
      })),
    );
    return recordFromItem(attributes as Item);
  } catch (error) {
    if (isConditionFailed(error)) return undefined;
    throw error;
  }
}

export { readRecord, recordKey, updateRecord };
export type { HasTableAccess, TableAccess };
