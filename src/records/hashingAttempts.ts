/**
 * The hashing of one object version, as attempts: PENDING → HASHING, each segment's result, and
 * HASHING → READY. RecordStore's methods of the same names call these.
 *
 * Why attempts. Segment results are separate items that live a week (TTL), and the same ETag
 * can be hashed more than once within that week: A, then B, then A again on one key; a REVOKED
 * record reinstated; a FAILED one retried. A segment item is written only if absent: that is
 * what keeps a redelivered segment from being counted twice. Were segment items keyed by ETag
 * alone, the items of the earlier hashing would still be there and every segment of the next
 * one would be taken for a redelivery: never counted, the record HASHING 0/N for good.
 *
 * So every PENDING → HASHING writes a fresh attempt id on the record, in the same conditional
 * write; the segment jobs carry it, the segment items are keyed by it
 * (`seg/<etag>/<attemptId>/<index>`), and a segment counts only while the record is HASHING
 * that very attempt. Then:
 * - a redelivered or duplicate segment of the current attempt finds its item: not counted again;
 * - a late result of an earlier attempt finds the record on another attempt: nothing is written
 *   or counted, and the worker is told so (HashingAttemptSupersededError) before it assembles;
 * - a crash mid-job loses nothing: the redelivered object job (or the one the sweep or a local
 *   restart queues again) finds the record HASHING and gets the same attempt back, so segments
 *   already counted stay counted and the missing ones complete it.
 *
 * Not chosen: deleting the ETag's earlier segment items when hashing starts. Those are many
 * writes outside the transition's conditional write (a crash between them leaves a half-cleared
 * set), and nothing would stop a late segment of the earlier hashing from writing its item
 * after the clearing and being counted for the new one, perhaps cut by another plan.
 *
 * The id is random rather than a counter: no previous value to read, and it stays unique even
 * if a record item were deleted and created again while old segment items live on.
 *
 * @internal
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, conditionFailedAt, retryConflicts } from './conflicts.js';
import {
  HashingAttemptSupersededError,
  HashingPlanConflictError,
  InlineTorrentTooLargeError,
  RecordInputError,
  SegmentOutOfRangeError,
  SegmentTooLargeError,
  SegmentsIncompleteError,
  StaleRecordError,
} from './errors.js';
import {
  aliasHashes,
  assertAttemptId,
  assertNonNegativeInteger,
  assertObjectId,
  assertPaddedTail,
  assertPositiveInteger,
  assertSegmentHashes,
  assertTorrents,
  namesIn,
  segmentExpiry,
  segmentFromItem,
  torrentToItem,
} from './items.js';
import { readRecord, recordKey, updateRecord } from './recordItem.js';
import type { TableAccess } from './recordItem.js';
import { RecordLimits, RecordState, TableKeys, aliasPartitionKey, recordPartitionKey, segmentPrefix, segmentSortKey } from './schema.js';
import type { ObjectRecord, SegmentResult } from './schema.js';
import type { HashingAttempt, HashingPlan, SegmentProgress, Torrents } from './types.js';

/** Random bytes of an attempt id: 72 bits, 12 base64url characters; collisions are not a concern. */
const ATTEMPT_ID_BYTES = 9;

function newAttemptId(): string {
  return randomBytes(ATTEMPT_ID_BYTES).toString('base64url');
}

/** A record on a hashing attempt, as `startHashing` returns it. */
type RecordOnAttempt = ObjectRecord & { readonly attemptId: string };

function assertTarget(target: HashingAttempt): void {
  assertObjectId(target.bucket, target.key, target.etag);
  assertAttemptId(target.attemptId);
}

/**
 * PENDING → HASHING with the hashing plan and a new attempt id (`record.attemptId`), which the
 * caller puts in every segment job. Repeating it for a record already HASHING this ETag with the
 * same plan returns the record unchanged, same attempt (a redelivered object job). A record left
 * HASHING by a version without attempts starts a fresh attempt: its old segment jobs, which
 * carry no attempt, are dropped, and its earlier segment items can no longer block counting.
 *
 * @throws StaleRecordError when the record is gone, holds another ETag, or is in another state.
 * @throws HashingPlanConflictError when it is HASHING this ETag with a different plan.
 */
async function startHashing(access: TableAccess, bucket: string, key: string, etag: string, plan: HashingPlan): Promise<RecordOnAttempt> {
  assertObjectId(bucket, key, etag);
  assertPositiveInteger('pieceLength', plan.pieceLength);
  assertPositiveInteger('pieceCount', plan.pieceCount);
  assertPositiveInteger('segmentsTotal', plan.segmentsTotal);
  if (plan.segmentsTotal > plan.pieceCount) throw new RecordInputError(`${plan.segmentsTotal} segments cannot share ${plan.pieceCount} pieces`);
  const update = [
    'SET #state = :hashing, #pieceLength = :pieceLength, #pieceCount = :pieceCount, #segmentsTotal = :segmentsTotal,',
    '#segmentsDone = :zero, #attemptId = :attemptId, #updatedAt = :now',
  ].join(' ');
  const condition = '#etag = :etag AND (#state = :pending OR (#state = :hashing AND attribute_not_exists(#attemptId)))';
  const attemptId = newAttemptId();
  const written = await updateRecord(access, { bucket, key }, update, condition, {
    ':hashing': RecordState.Hashing, ':pending': RecordState.Pending, ':etag': etag, ':zero': 0, ':attemptId': attemptId,
    ':pieceLength': plan.pieceLength, ':pieceCount': plan.pieceCount, ':segmentsTotal': plan.segmentsTotal,
  });
  if (written !== undefined) return { ...written, attemptId };
  const current = await readRecord(access, bucket, key);
  // HASHING without an attempt would have met the condition: only another writer's could be here.
  if (current?.etag !== etag || current.state !== RecordState.Hashing || current.attemptId === undefined) {
    throw new StaleRecordError(bucket, key, etag, current, RecordState.Pending);
  }
  const existing = describePlan(current);
  if (existing !== describePlan(plan)) throw new HashingPlanConflictError(bucket, key, etag, existing, describePlan(plan));
  return { ...current, attemptId: current.attemptId };
}

/**
 * Stores one segment's piece hashes for one attempt and counts it on the record, in one
 * transaction: the segment item is written only if absent, the count only while the record is
 * HASHING this ETag and this attempt. A redelivered segment is not counted again
 * (`counted: false`).
 *
 * `segmentsDone` is read after the write, so several callers may see it equal `segmentsTotal`;
 * each may call `markReady`, which publishes once.
 *
 * @throws SegmentTooLargeError when the hashes would not fit in one item.
 * @throws HashingAttemptSupersededError when the record is hashing (or has hashed) this ETag in another attempt.
 * @throws StaleRecordError when the record is gone, holds another ETag, or is not HASHING.
 * @throws SegmentOutOfRangeError when `index` is not below the record's `segmentsTotal`.
 */
async function recordSegment(access: TableAccess, target: HashingAttempt, segment: SegmentResult): Promise<SegmentProgress> {
  assertTarget(target);
  const { bucket, key, etag, attemptId } = target;
  const { index, firstPiece, pieceCount, offset, length, v1, v2, v1PaddedTail } = segment;
  assertNonNegativeInteger('segment index', index);
  assertNonNegativeInteger('firstPiece', firstPiece);
  assertPositiveInteger('pieceCount', pieceCount);
  assertNonNegativeInteger('offset', offset);
  assertPositiveInteger('length', length);
  if (v1.length + v2.length > RecordLimits.MaxSegmentHashBytes) {
    throw new SegmentTooLargeError(index, v1.length + v2.length, RecordLimits.MaxSegmentHashBytes);
  }
  assertSegmentHashes(index, pieceCount, v1, v2);
  assertPaddedTail(v1PaddedTail);
  const now = access.now();
  const item = {
    [TableKeys.PartitionKey]: recordPartitionKey(bucket, key),
    [TableKeys.SortKey]: segmentSortKey(etag, attemptId, index),
    etag, attemptId, index, firstPiece, pieceCount, offset, length, v1, v2,
    ...(v1PaddedTail === undefined ? {} : { v1PaddedTail }),
    [TableKeys.ExpiresAt]: segmentExpiry(now),
    createdAt: now.toISOString(),
  };
  const update = 'SET #updatedAt = :now ADD #segmentsDone :one';
  const condition = '#state = :hashing AND #etag = :etag AND #attemptId = :attemptId AND #segmentsTotal > :index';
  let counted = true;
  try {
    await retryConflicts('recording a segment', () =>
      access.documents.send(new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: access.tableName, Item: item, ConditionExpression: 'attribute_not_exists(#sk)', ExpressionAttributeNames: { '#sk': TableKeys.SortKey } } },
          {
            Update: {
              TableName: access.tableName,
              Key: recordKey(bucket, key),
              UpdateExpression: update,
              ConditionExpression: condition,
              ExpressionAttributeNames: namesIn(update, condition),
              ExpressionAttributeValues: {
                ':now': now.toISOString(), ':one': 1, ':hashing': RecordState.Hashing, ':etag': etag, ':attemptId': attemptId, ':index': index,
              },
            },
          },
        ],
      })),
    );
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes === undefined || !(conditionFailedAt(codes, 0) || conditionFailedAt(codes, 1))) throw error;
    counted = false;
    // The segment item exists (a redelivery) unless only the record's condition failed.
    if (!conditionFailedAt(codes, 0)) await explainSegmentRefusal(access, target, index);
  }
  const current = await readRecord(access, bucket, key);
  assertOnAttempt(target, current, RecordState.Hashing);
  return { counted, segmentsDone: current.segmentsDone ?? 0, segmentsTotal: current.segmentsTotal ?? 0 };
}

/** Every recorded segment of this ETag's attempt, sorted by index; other attempts' are never read. */
async function segmentResults(access: TableAccess, target: HashingAttempt): Promise<SegmentResult[]> {
  assertTarget(target);
  const segments: SegmentResult[] = [];
  const condition = '#pk = :pk AND begins_with(#sk, :prefix)';
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await access.documents.send(new QueryCommand({
      TableName: access.tableName,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: namesIn(condition),
      ExpressionAttributeValues: { ':pk': recordPartitionKey(target.bucket, target.key), ':prefix': segmentPrefix(target.etag, target.attemptId) },
      ConsistentRead: true,
      ExclusiveStartKey: startKey,
    }));
    for (const item of page.Items ?? []) segments.push(segmentFromItem(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  // The sort key pads indexes to 6 digits; sort by number so larger indexes stay in order too.
  return segments.sort((a, b) => a.index - b.index);
}

/**
 * HASHING → READY with the torrents, once every segment of this attempt is recorded, and in the
 * same transaction the aliases that find the record by infohash. Calling it again for a record
 * already READY by this attempt changes nothing and returns that record. `v1PaddedTail` (see
 * ObjectRecord) is stored with the torrents when the hasher produced one.
 *
 * @returns the record read right after the write (READY, unless revoked in between).
 * @throws SegmentsIncompleteError when segments are still missing.
 * @throws HashingAttemptSupersededError when the record is hashing (or has hashed) this ETag in another attempt.
 * @throws StaleRecordError when the record is gone, holds another ETag, or is not HASHING.
 * @throws InlineTorrentTooLargeError when the inline bytes would not fit in the record.
 */
async function markReady(access: TableAccess, target: HashingAttempt, torrents: Torrents, v1PaddedTail?: Uint8Array): Promise<ObjectRecord> {
  assertTarget(target);
  const { bucket, key, etag, attemptId } = target;
  const inlineBytes = assertTorrents(torrents);
  if (inlineBytes > RecordLimits.MaxInlineTorrentBytes) throw new InlineTorrentTooLargeError(inlineBytes, RecordLimits.MaxInlineTorrentBytes);
  assertPaddedTail(v1PaddedTail);
  const now = access.now().toISOString();
  const update = v1PaddedTail === undefined
    ? 'SET #state = :ready, #torrents = :torrents, #updatedAt = :now REMOVE #reason, #v1PaddedTail'
    : 'SET #state = :ready, #torrents = :torrents, #v1PaddedTail = :v1PaddedTail, #updatedAt = :now REMOVE #reason';
  const condition = '#state = :hashing AND #etag = :etag AND #attemptId = :attemptId AND #segmentsDone = #segmentsTotal';
  const aliases = aliasHashes(torrents).map((hash) => ({
    Put: {
      TableName: access.tableName,
      Item: { [TableKeys.PartitionKey]: aliasPartitionKey(hash), [TableKeys.SortKey]: TableKeys.AliasSortKey, bucket, key, etag, createdAt: now },
    },
  }));
  try {
    await retryConflicts('marking a record READY', () =>
      access.documents.send(new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: access.tableName,
              Key: recordKey(bucket, key),
              UpdateExpression: update,
              ConditionExpression: condition,
              ExpressionAttributeNames: namesIn(update, condition),
              ExpressionAttributeValues: {
                ':ready': RecordState.Ready, ':hashing': RecordState.Hashing, ':etag': etag, ':attemptId': attemptId, ':now': now,
                ':torrents': { v1: torrentToItem(torrents.v1), hybrid: torrentToItem(torrents.hybrid) },
                ...(v1PaddedTail === undefined ? {} : { ':v1PaddedTail': v1PaddedTail }),
              },
            },
          },
          ...aliases,
        ],
      })),
    );
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes === undefined || !conditionFailedAt(codes, 0)) throw error;
    const current = await readRecord(access, bucket, key);
    assertOnAttempt(target, current, RecordState.Hashing);
    if (current.state === RecordState.Ready) return current;
    throw new SegmentsIncompleteError(bucket, key, current.segmentsDone ?? 0, current.segmentsTotal ?? 0);
  }
  const current = await readRecord(access, bucket, key);
  if (current?.etag !== etag) throw new StaleRecordError(bucket, key, etag, current, RecordState.Ready);
  return current;
}

/**
 * Asserts the record is HASHING or READY this ETag in this very attempt.
 *
 * @throws HashingAttemptSupersededError when it is HASHING or READY this ETag in another attempt.
 * @throws StaleRecordError when it is gone, holds another ETag, or is in another state.
 */
function assertOnAttempt(target: HashingAttempt, current: ObjectRecord | undefined, expected: RecordState): asserts current is ObjectRecord {
  const { bucket, key, etag, attemptId } = target;
  if (current?.etag !== etag || (current.state !== RecordState.Hashing && current.state !== RecordState.Ready)) {
    throw new StaleRecordError(bucket, key, etag, current, expected);
  }
  if (current.attemptId !== attemptId) throw new HashingAttemptSupersededError(bucket, key, etag, attemptId, current);
}

/** Why the record refused a new segment: it moved on (another ETag, state or attempt), or the index is past its plan. */
async function explainSegmentRefusal(access: TableAccess, target: HashingAttempt, index: number): Promise<never> {
  const current = await readRecord(access, target.bucket, target.key);
  assertOnAttempt(target, current, RecordState.Hashing);
  if (current.state === RecordState.Hashing && current.segmentsTotal !== undefined && index >= current.segmentsTotal) {
    throw new SegmentOutOfRangeError(index, current.segmentsTotal);
  }
  throw new StaleRecordError(target.bucket, target.key, target.etag, current, RecordState.Hashing);
}

function describePlan(plan: Partial<HashingPlan>): string {
  return `piece length ${plan.pieceLength}, ${plan.pieceCount} pieces, ${plan.segmentsTotal} segments`;
}

export { markReady, recordSegment, segmentResults, startHashing };
export type { RecordOnAttempt };
