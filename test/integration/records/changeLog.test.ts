import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { CHANGE_TTL_SECONDS, RecordState, RecordStore, StaleRecordError, TableKeys } from '../../../src/records/index.js';
import type { ObjectChange } from '../../../src/records/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { startDynamoDbLocal } from './dynamoDbLocal.js';
import type { LocalDynamoDb } from './dynamoDbLocal.js';
import { fakeTorrents } from './recordFixtures.js';

const TABLE = 's3torrent-changes';
const KiB = 1024;

let bucketCounter = 0;
function freshBucket(): string {
  bucketCounter += 1;
  return `changes-${bucketCounter}`;
}


describe('Class: ChangeLog, written by RecordStore (DynamoDB Local)', () => {
  let dynamo: LocalDynamoDb;
  let store: RecordStore;
  let documents: DynamoDBDocumentClient;
  const startedAt = new Date();

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    await RecordStore.createTable(dynamo.client, TABLE);
    store = new RecordStore({ client: dynamo.client, tableName: TABLE });
    documents = DynamoDBDocumentClient.from(dynamo.client);
  }, 60_000);

  afterAll(async () => {
    await dynamo?.stop();
  });

  /** A READY record (one fake segment) in a bucket of its own. */
  async function readyRecord(key: string, etag: string): Promise<string> {
    const bucket = freshBucket();
    await store.ensurePending(bucket, key, etag, 16 * KiB);
    const { attemptId } = await store.startHashing(bucket, key, etag, { pieceLength: 16 * KiB, pieceCount: 1, segmentsTotal: 1 });
    const attempt = { bucket, key, etag, attemptId };
    await store.recordSegment(attempt, {
      index: 0, firstPiece: 0, pieceCount: 1, offset: 0, length: 16 * KiB, v1: pseudoRandomBytes(20, `${bucket}v1`), v2: pseudoRandomBytes(32, `${bucket}v2`),
    });
    await store.markReady(attempt, fakeTorrents(bucket));
    return bucket;
  }

  async function changesOf(bucket: string): Promise<ObjectChange[]> {
    return (await store.changes.since(startedAt)).filter((change) => change.bucket === bucket);
  }

  it('logs READY → REVOKED with the record, once: revoking again writes nothing', async () => {
    // Prepare
    const bucket = await readyRecord('video.mp4', '"e1"');
    expect(await changesOf(bucket)).toEqual([]);

    // Act
    const revoked = await store.markRevoked(bucket, 'video.mp4', 'made private');
    await store.markRevoked(bucket, 'video.mp4', 'made private again');

    // Assess: the record as written comes back, and one change item with a day's TTL.
    expect(revoked).toMatchObject({ state: RecordState.Revoked, reason: 'made private', etag: '"e1"' });
    const changes = await changesOf(bucket);
    expect(changes).toEqual([expect.objectContaining({ bucket, key: 'video.mp4', state: RecordState.Revoked })]);
    const at = Date.parse(changes[0]?.at ?? '');
    expect(at).toBeGreaterThanOrEqual(startedAt.getTime());
    const { Items: items } = await documents.send(new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TableKeys.PartitionKey },
      ExpressionAttributeValues: { ':pk': `chg/${new Date(at).toISOString().slice(0, 10)}` },
    }));
    const item = items?.find((candidate) => candidate['bucket'] === bucket);
    expect(item?.[TableKeys.ExpiresAt]).toBe(Math.floor(at / 1000) + CHANGE_TTL_SECONDS);
  });

  it('logs a new ETag replacing the record\'s version, but not a new record, a retry of a FAILED one or a stale revocation', async () => {
    // Prepare
    const bucket = await readyRecord('overwritten.bin', '"old"');
    const fresh = freshBucket();

    // Act
    await store.ensurePending(bucket, 'overwritten.bin', '"new"', 20 * KiB);
    await store.ensurePending(bucket, 'overwritten.bin', '"new"', 20 * KiB);
    await store.ensurePending(fresh, 'new.bin', '"e"', 1 * KiB);
    await store.markFailed(fresh, 'new.bin', '"e"', 'broken');
    await store.ensurePending(fresh, 'new.bin', '"e"', 1 * KiB, { retryFailed: true });
    const stale = store.markRevoked(bucket, 'overwritten.bin', 'late event', { etag: '"old"' });

    // Assess
    await expect(stale).rejects.toBeInstanceOf(StaleRecordError);
    expect(await changesOf(bucket)).toEqual([expect.objectContaining({ key: 'overwritten.bin', state: RecordState.Pending })]);
    expect(await changesOf(fresh)).toEqual([]);
    expect(await store.get(bucket, 'overwritten.bin')).toMatchObject({ state: RecordState.Pending, etag: '"new"' });
  });

  it('reads the changes of two UTC days in one call across midnight, oldest first, and only from the time asked', async () => {
    // Prepare: a store whose clock the test sets, two changes either side of midnight.
    let clock = new Date('2031-03-04T23:59:58.000Z');
    const clocked = new RecordStore({ client: dynamo.client, tableName: TABLE, now: () => clock });
    const bucket = await readyRecord('a.bin', '"a"');
    await store.ensurePending(bucket, 'b.bin', '"b"', KiB);
    await clocked.markRevoked(bucket, 'a.bin', 'before midnight');
    clock = new Date('2031-03-05T00:00:01.000Z');
    await clocked.markRevoked(bucket, 'b.bin', 'after midnight');

    // Act
    const both = await clocked.changes.since(new Date('2031-03-04T23:59:50.000Z'), new Date('2031-03-05T00:00:02.000Z'));
    const later = await clocked.changes.since(new Date('2031-03-05T00:00:00.000Z'), new Date('2031-03-05T00:00:02.000Z'));

    // Assess
    expect(both.map((change) => [change.key, change.at])).toEqual([
      ['a.bin', '2031-03-04T23:59:58.000Z'],
      ['b.bin', '2031-03-05T00:00:01.000Z'],
    ]);
    expect(later.map((change) => change.key)).toEqual(['b.bin']);
  });
});
