import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { assertBucket, recordFromItem } from './items.js';
import { TableKeys } from './schema.js';
import type { ObjectRecord } from './schema.js';

/**
 * Every record of a bucket whose key starts with `prefix` (all of them for ''), in key order,
 * page by page: one Query of the byBucket index per 1 MB of records, never a scan. The index is
 * eventually consistent: a record created a moment ago may be missing.
 */
async function* recordsUnder(documents: DynamoDBDocumentClient, tableName: string, bucket: string, prefix: string): AsyncGenerator<ObjectRecord> {
  assertBucket(bucket);
  const condition = prefix === '' ? '#bucket = :bucket' : '#bucket = :bucket AND begins_with(#key, :prefix)';
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new QueryCommand({
      TableName: tableName,
      IndexName: TableKeys.ByBucketIndex,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: { '#bucket': TableKeys.ByBucketPartition, ...(prefix === '' ? {} : { '#key': TableKeys.ByBucketSort }) },
      ExpressionAttributeValues: { ':bucket': bucket, ...(prefix === '' ? {} : { ':prefix': prefix }) },
      ExclusiveStartKey: startKey,
    }));
    for (const item of page.Items ?? []) yield recordFromItem(item);
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

/**
 * How far hashing got, in pieces, as the API's 202 body reports it: segments done scaled to the
 * piece count (a segment is a run of whole pieces). 0 of 0 before the plan exists (PENDING).
 */
function piecesProgress(record: ObjectRecord): { readonly piecesDone: number; readonly piecesTotal: number } {
  const piecesTotal = record.pieceCount ?? 0;
  const segmentsTotal = record.segmentsTotal ?? 0;
  const piecesDone = segmentsTotal === 0 ? 0 : Math.floor((piecesTotal * Math.min(record.segmentsDone ?? 0, segmentsTotal)) / segmentsTotal);
  return { piecesDone, piecesTotal };
}

export { piecesProgress, recordsUnder };
