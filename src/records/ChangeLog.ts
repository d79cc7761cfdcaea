import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, conditionFailedAt } from './conflicts.js';
import { MalformedItemError } from './errors.js';
import { RecordState, TableKeys } from './schema.js';

/**
 * The change log: one small item per record transition that must stop a swarm (READY →
 * REVOKED, another ETag replacing the record's version), written in the same transaction as the
 * record itself, so that neither is ever seen without the other. The seeder reads it with one
 * Query a second instead of re-reading the record of every active swarm.
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | change | `chg/<UTC date>` | `<ISO time>#<bucket>/<key>` | bucket, key, state (the new one), `expiresAt` TTL |
 * | prefix change | `chg/<UTC date>` | `<ISO time>#prefix:<bucket>/<prefix>` | as above with key = the prefix, and `kind: 'prefix'` |
 *
 * A prefix snapshot's transitions (REVOKED, or replaced by another snapshot) are logged like an
 * object's, told apart by `kind`: a prefix ends with `/`, as a "folder" object's key may, so the
 * key alone would not say which swarm to look at. Bucket names hold no `:`, so the two sort key
 * forms never meet.
 * One partition per UTC day: a reader needs one Query per poll (two only in the first seconds of
 * a day, when its look-back still reaches yesterday), the sort key orders a day's changes by
 * time, and an operator can list a day's changes. Changes are rare (withdrawals, overwrites):
 * far below the 1,000 writes a second one partition key takes.
 */

/** A change is read by pollers within seconds; a day covers any outage of the readers worth catching up on. */
const CHANGE_TTL_SECONDS = 24 * 60 * 60;

/** Largest span `since` reads back: the changes older than this have expired (TTL) or soon will. */
const MAX_READ_BACK_MS = CHANGE_TTL_SECONDS * 1000;

const PARTITION_PREFIX = 'chg/';
const DAY_MS = 24 * 60 * 60 * 1000;

/** A conditional UpdateItem as a transaction item takes it. */
type RecordUpdate = NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>;

/** One logged transition: the object whose swarm must be looked at again. */
interface ObjectChange {
  /** Unique per change (its sort key): pollers that read it twice recognise it. */
  readonly id: string;
  readonly bucket: string;
  readonly key: string;
  /** The record's state after the change (REVOKED, or PENDING for a new ETag). */
  readonly state: RecordState;
  /** When it was written (ISO 8601, the writer's clock). */
  readonly at: string;
  /** 'prefix' when `key` is a prefix whose snapshot changed (prefixRecords.ts); absent for an object. */
  readonly kind?: 'prefix' | undefined;
}

/** What a transition logs: the object and the state it moves to. */
interface ChangeNote {
  readonly bucket: string;
  /** The object's key, or the prefix with `kind: 'prefix'`. */
  readonly key: string;
  readonly state: RecordState;
  readonly kind?: 'prefix' | undefined;
}

function changePartitionKey(at: Date): string {
  return `${PARTITION_PREFIX}${at.toISOString().slice(0, 10)}`;
}

function changeSortKey(at: Date, bucket: string, key: string, kind?: 'prefix'): string {
  return `${at.toISOString()}#${kind === undefined ? '' : `${kind}:`}${bucket}/${key}`;
}

const STATES: ReadonlySet<string> = new Set(Object.values(RecordState));

function changeFromItem(item: Record<string, unknown>): ObjectChange {
  const { bucket, key, state, kind } = item;
  const id = item[TableKeys.SortKey];
  if (typeof bucket !== 'string' || typeof key !== 'string' || typeof id !== 'string' || typeof state !== 'string' || !STATES.has(state) ||
    (kind !== undefined && kind !== 'prefix')) {
    throw new MalformedItemError(String(item[TableKeys.PartitionKey]), String(id), 'not a change item (bucket, key, state, kind)');
  }
  const change = { id, bucket, key, state: state as RecordState, at: id.slice(0, id.indexOf('#')) };
  return kind === undefined ? change : { ...change, kind };
}

/**
 * Writes and reads the change log (layout above) in the record table.
 *
 * @example
 * const changes = await store.changes.since(new Date(Date.now() - 10_000));
 */
class ChangeLog {
  public constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Applies a conditional UpdateItem of a record and writes its change item, in one
   * transaction: both or neither.
   *
   * @returns false when the update's condition was false (nothing was written).
   * @throws the transaction's error otherwise (a conflict is for the caller to retry).
   */
  public async updateWithNote(update: RecordUpdate, note: ChangeNote, at: Date): Promise<boolean> {
    const item = {
      [TableKeys.PartitionKey]: changePartitionKey(at),
      [TableKeys.SortKey]: changeSortKey(at, note.bucket, note.key, note.kind),
      bucket: note.bucket,
      key: note.key,
      state: note.state,
      ...(note.kind === undefined ? {} : { kind: note.kind }),
      [TableKeys.ExpiresAt]: Math.floor(at.getTime() / 1000) + CHANGE_TTL_SECONDS,
    };
    try {
      await this.documents.send(new TransactWriteCommand({
        TransactItems: [{ Update: update }, { Put: { TableName: this.tableName, Item: item } }],
      }));
      return true;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes !== undefined && conditionFailedAt(codes, 0)) return false;
      throw error;
    }
  }

  /**
   * Every change written at or after `from`, oldest first: one eventually consistent Query per
   * UTC day from `from` to `until` (one, except across midnight), page after page. A change
   * written in the last second may not show yet; pollers read a few seconds back each time.
   */
  public async since(from: Date, until: Date = new Date()): Promise<ObjectChange[]> {
    const start = new Date(Math.max(from.getTime(), until.getTime() - MAX_READ_BACK_MS));
    const changes: ObjectChange[] = [];
    const condition = '#pk = :pk AND #sk >= :from';
    for (let day = Math.floor(start.getTime() / DAY_MS); day <= Math.floor(until.getTime() / DAY_MS); day += 1) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.documents.send(new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: { '#pk': TableKeys.PartitionKey, '#sk': TableKeys.SortKey },
          ExpressionAttributeValues: { ':pk': changePartitionKey(new Date(day * DAY_MS)), ':from': start.toISOString() },
          ExclusiveStartKey: startKey,
        }));
        for (const item of page.Items ?? []) changes.push(changeFromItem(item));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    }
    return changes;
  }
}

export { CHANGE_TTL_SECONDS, ChangeLog, changePartitionKey, changeSortKey };
export type { ChangeNote, ObjectChange, RecordUpdate };
