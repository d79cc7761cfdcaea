/**
 * The one question a cache of READY torrents must ask before answering: which version of the
 * object is READY now, and with which torrents. A small strongly consistent read (four
 * attributes), not the whole record with its inline torrents.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { assertObjectId, namesIn } from './items.js';
import { recordKey } from './recordItem.js';
import type { HasTableAccess } from './recordItem.js';
import { RecordState } from './schema.js';

/** The READY version of an object: its ETag, and the v1 infohash of each of its two torrents. */
interface ReadyVersion {
  readonly etag: string;
  readonly infoHashV1: { readonly v1: string; readonly hybrid: string };
}

const PROJECTION = '#state, #etag, #torrents.#v1.#infoHashV1, #torrents.#hybrid.#infoHashV1';

function stringAt(value: unknown, ...path: string[]): string | undefined {
  let at = value;
  for (const name of path) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[name] : undefined;
  return typeof at === 'string' ? at : undefined;
}

/**
 * The READY version of `bucket`/`key`, or undefined when its record is absent or in any other
 * state (PENDING, HASHING, REVOKED, FAILED): then nothing cached for it may be served.
 */
async function readyVersion(store: HasTableAccess, bucket: string, key: string): Promise<ReadyVersion | undefined> {
  assertObjectId(bucket, key);
  const access = store.tableAccess;
  const { Item: item } = await access.documents.send(new GetCommand({
    TableName: access.tableName,
    Key: recordKey(bucket, key),
    ProjectionExpression: PROJECTION,
    ExpressionAttributeNames: namesIn(PROJECTION),
    ConsistentRead: true,
  }));
  const etag = stringAt(item, 'etag');
  const v1 = stringAt(item, 'torrents', 'v1', 'infoHashV1');
  const hybrid = stringAt(item, 'torrents', 'hybrid', 'infoHashV1');
  if (stringAt(item, 'state') !== RecordState.Ready || etag === undefined || v1 === undefined || hybrid === undefined) return undefined;
  return { etag, infoHashV1: { v1, hybrid } };
}

export { readyVersion };
export type { ReadyVersion };
