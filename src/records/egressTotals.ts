/**
 * What BitTorrent delivered of one object version: running totals the seeder tasks add to (one
 * small item per version, beside the record), read by `s3-torrent status`.
 *
 * Why an item of its own and not attributes of the record: an update is billed by the size of
 * the item it changes, and a record carries its inline torrents (up to 300 KB); this item is a
 * few hundred bytes. Keyed by ETag, a new version of the object starts from zero and the old
 * version's totals stay readable; the record's conditional writes never meet these updates.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { MalformedItemError } from './errors.js';
import { assertNonNegativeInteger, assertObjectId, namesIn } from './items.js';
import { isSnapshotId, prefixPartitionKey } from './prefixItems.js';
import type { HasTableAccess } from './recordItem.js';
import { TableKeys, egressSortKey, recordPartitionKey } from './schema.js';

/** Counts a seeder task adds for one object version since its last flush, and the swarm it saw then. */
interface EgressIncrement {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  /** The object's size: what one completed download delivered. */
  readonly size: number;
  /** Block bytes our seeder handed to peers (piece messages, TCP and uTP). */
  readonly servedBytes: number;
  /** Bytes peers reported downloading (announce `downloaded`), clamped per peer. */
  readonly peerDownloadedBytes: number;
  /** Downloads peers reported complete. */
  readonly completions: number;
  /** The swarm as this task's tracker saw it at the flush: peers with the whole object, and the others. */
  readonly swarm: { readonly seeds: number; readonly leechers: number };
}

/** The totals of one object version, summed over every seeder task and flush. */
interface EgressTotals {
  readonly etag: string;
  readonly size: number;
  readonly servedBytes: number;
  readonly peerDownloadedBytes: number;
  readonly completions: number;
  /** The swarm as the last flushing task saw it, and when (ISO 8601). */
  readonly swarm: { readonly seeds: number; readonly leechers: number; readonly seenAt: string };
}

/**
 * The totals item of a version: an object's under its record's partition; a prefix snapshot's
 * (the seeder names it bucket, prefix, snapshot id: see SwarmTorrent.version) under the prefix
 * record's. Object ETags are always quoted, snapshot ids never, so the two cannot be confused.
 */
function egressKey(bucket: string, key: string, etag: string): Record<string, string> {
  const partition = isSnapshotId(etag) ? prefixPartitionKey(bucket, key) : recordPartitionKey(bucket, key);
  return { [TableKeys.PartitionKey]: partition, [TableKeys.SortKey]: egressSortKey(etag) };
}

/**
 * Adds one increment to the version's totals (UpdateItem ADD: tasks adding at once never lose
 * each other's counts), creating the item on first use. The swarm counts are replaced.
 */
async function addEgress(store: HasTableAccess, increment: EgressIncrement): Promise<void> {
  const { bucket, key, etag } = increment;
  assertObjectId(bucket, key, etag);
  for (const name of ['size', 'servedBytes', 'peerDownloadedBytes', 'completions'] as const) assertNonNegativeInteger(name, increment[name]);
  assertNonNegativeInteger('seeds', increment.swarm.seeds);
  assertNonNegativeInteger('leechers', increment.swarm.leechers);
  const access = store.tableAccess;
  const update = [
    'SET #bucket = :bucket, #key = :key, #etag = :etag, #size = :size, #seeds = :seeds, #leechers = :leechers, #swarmSeenAt = :now',
    'ADD #servedBytes :served, #peerDownloadedBytes :downloaded, #completions :completions',
  ].join(' ');
  await access.documents.send(new UpdateCommand({
    TableName: access.tableName,
    Key: egressKey(bucket, key, etag),
    UpdateExpression: update,
    ExpressionAttributeNames: namesIn(update),
    ExpressionAttributeValues: {
      ':bucket': bucket,
      ':key': key,
      ':etag': etag,
      ':size': increment.size,
      ':seeds': increment.swarm.seeds,
      ':leechers': increment.swarm.leechers,
      ':now': access.now().toISOString(),
      ':served': increment.servedBytes,
      ':downloaded': increment.peerDownloadedBytes,
      ':completions': increment.completions,
    },
  }));
}

/** The totals of `bucket`/`key` at `etag`, or undefined when no seeder has reported any. */
async function egressTotals(store: HasTableAccess, bucket: string, key: string, etag: string): Promise<EgressTotals | undefined> {
  assertObjectId(bucket, key, etag);
  const access = store.tableAccess;
  const { Item: item } = await access.documents.send(new GetCommand({ TableName: access.tableName, Key: egressKey(bucket, key, etag) }));
  if (item === undefined) return undefined;
  const number = (name: string): number => {
    const value = item[name];
    if (typeof value !== 'number') throw new MalformedItemError(recordPartitionKey(bucket, key), egressSortKey(etag), `${name} is not a number`);
    return value;
  };
  return {
    etag,
    size: number('size'),
    servedBytes: number('servedBytes'),
    peerDownloadedBytes: number('peerDownloadedBytes'),
    completions: number('completions'),
    swarm: { seeds: number('seeds'), leechers: number('leechers'), seenAt: String(item['swarmSeenAt']) },
  };
}

export { addEgress, egressTotals };
export type { EgressIncrement, EgressTotals };
