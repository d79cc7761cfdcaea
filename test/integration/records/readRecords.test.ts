import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RecordState, RecordStore } from '../../../src/records/index.js';
import { RequestCounter } from '../../helpers/requestCounter.js';
import { startDynamoDbLocal } from './dynamoDbLocal.js';
import type { LocalDynamoDb } from './dynamoDbLocal.js';
import { fakeTorrents } from './recordFixtures.js';

const TABLE = 's3torrent-records';
const BUCKET = 'many-records';

/** A made-up quoted ETag per key (ETags have no `/`). */
const etagOf = (key: string): string => `"${key.replace(/\W/g, '-')}"`;

describe('Method: RecordStore.getMany (DynamoDB Local)', () => {
  let dynamo: LocalDynamoDb;
  let store: RecordStore;
  let requests: RequestCounter;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    await RecordStore.createTable(dynamo.client, TABLE);
    // A client of its own, so that only this store's requests are counted.
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    requests = new RequestCounter().attach(client);
    store = new RecordStore({ client, tableName: TABLE });
  }, 60_000);

  afterAll(async () => {
    await dynamo?.stop();
  });

  it('reads the records of 250 keys in three requests, by key, leaving out keys without one', async () => {
    // Prepare: 240 records (one READY, the rest PENDING) and 10 keys that have none.
    const keys = Array.from({ length: 250 }, (_, i) => `set/${String(i).padStart(3, '0')}.bin`);
    const recorded = keys.filter((_, i) => i % 25 !== 7);
    for (const key of recorded) await store.ensurePending(BUCKET, key, etagOf(key), 16 * 1024);
    const ready = recorded[0] as string;
    const { attemptId } = await store.startHashing(BUCKET, ready, etagOf(ready), { pieceLength: 16 * 1024, pieceCount: 1, segmentsTotal: 1 });
    await store.recordSegment({ bucket: BUCKET, key: ready, etag: etagOf(ready), attemptId }, {
      index: 0, firstPiece: 0, pieceCount: 1, offset: 0, length: 16 * 1024, v1: new Uint8Array(20), v2: new Uint8Array(32),
    });
    await store.markReady({ bucket: BUCKET, key: ready, etag: etagOf(ready), attemptId }, fakeTorrents('ready'));
    requests.reset();

    // Act
    const records = await store.getMany(BUCKET, keys);

    // Assess
    expect(requests.byOperation).toEqual({ BatchGetItem: 3 });
    expect([...records.keys()].sort()).toEqual(recorded);
    for (const key of recorded) expect(records.get(key)).toEqual(await store.get(BUCKET, key));
    expect(records.get(ready)?.state).toBe(RecordState.Ready);
  });

  it('reads nothing for no keys', async () => {
    requests.reset();
    expect((await store.getMany(BUCKET, [])).size).toBe(0);
    expect(requests.total).toBe(0);
  });
});
