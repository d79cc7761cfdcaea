import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { TABLE_NAME } from '../../../src/local/index.js';
import { freeLocalStackPorts } from '../../../src/local/localConfig.js';
import { RecordState, RecordStore } from '../../../src/records/index.js';
import type { ObjectRecord } from '../../../src/records/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { eventually, referenceInfoHashes } from './localStackHarness.js';
import { killStack, startStackProcess } from './stackProcess.js';
import type { RunningStack } from './stackProcess.js';

const MiB = 1024 ** 2;
/** Bound on each wait below (stack start-up has its own, in startStackProcess). */
const STEP_TIMEOUT_MS = 60_000;
const BUCKET = 'public';
const KEY = 'a-b-a.bin';

describe('Flow: upload A, B, then A again to one key, with the local stack killed and restarted', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let stack: RunningStack | undefined;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('reupload'));
  });
  afterAll(async () => {
    if (stack !== undefined) await killStack(stack, 'SIGKILL');
    await cleanup();
  });

  it('hashes A again in full, counting every segment, serves it after a restart, and never from the cache while not READY', async () => {
    // Prepare: 1 MiB segments, so A and B (a few MiB each) are hashed by fan-out.
    const a = pseudoRandomBytes(4 * MiB + 4_321, 'reupload-a');
    const b = pseudoRandomBytes(3 * MiB + 1_234, 'reupload-b');
    const [referenceA, referenceB] = [await referenceInfoHashes(dir, KEY, a), await referenceInfoHashes(dir, KEY, b)];
    const ports = await freeLocalStackPorts();
    const env = { ...ports.env, S3TORRENT_SEGMENT_BYTES: String(MiB), S3TORRENT_LOCAL_WORKERS: '2', S3TORRENT_API_WAIT_MS: '1000' };
    const dataDir = join(dir, 'data');
    stack = await startStackProcess(dataDir, env);
    const s3 = new S3Client({
      region: 'us-east-1', endpoint: `http://127.0.0.1:${ports.s3}`, forcePathStyle: true, credentials: { ...LOCAL_CREDENTIALS },
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const records = new RecordStore({
      client: new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${ports.dynamoDb}`, credentials: { ...LOCAL_CREDENTIALS } }),
      tableName: TABLE_NAME,
    });
    const url = `http://127.0.0.1:${ports.api}/${BUCKET}/${KEY}?torrent`;
    const put = async (body: Buffer): Promise<string> => (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: body }))).ETag ?? '';
    /** `?torrent` until it answers 200 (bounded); the v1 infohash it names. */
    const servedInfoHash = (): Promise<string> => eventually(async () => {
      const reply = await fetch(url);
      await reply.arrayBuffer();
      return reply.status === 200 ? reply.headers.get('x-s3torrent-infohash-v1') ?? '' : undefined;
    }, STEP_TIMEOUT_MS);

    // Act 1: A, then B, then A again, each served once READY. The API process has A cached
    // from the first round while A's second hashing runs.
    const etagA = await put(a);
    const firstA = await servedInfoHash();
    await put(b);
    const servedB = await servedInfoHash();
    const etagAgain = await put(a);
    const secondA = await servedInfoHash();
    const afterSecondA = await records.get(BUCKET, KEY);

    // Act 2: kill the whole stack (the API's cache goes with it), start it on the same data.
    await killStack(stack, 'SIGKILL');
    stack = await startStackProcess(dataDir, env);
    const afterRestart = await servedInfoHash();
    const record = await records.get(BUCKET, KEY);
    // Act 3: the restarted API has A cached now. A is made private and public again before it
    // had torrents, as the access checker does (REVOKED, then PENDING for A; no job queued here):
    // the cache must not answer for a record that is not READY.
    await records.markRevoked(BUCKET, KEY, 'made private (test)');
    await records.ensurePending(BUCKET, KEY, etagA, a.length, { reinstateRevoked: true });
    const whilePending = await fetch(url);

    // Assess: the second hashing of A counted all its segments (not HASHING 0/N behind a cached
    // 200), and the restarted stack serves A from its READY record.
    expect(etagAgain).toBe(etagA);
    expect([firstA, servedB, secondA, afterRestart]).toEqual([referenceA.v1, referenceB.v1, referenceA.v1, referenceA.v1]);
    for (const seen of [afterSecondA, record]) expect(progressOf(seen)).toEqual({ etag: etagA, state: RecordState.Ready, segmentsDone: 5, segmentsTotal: 5 });
    // The READY record also keeps what a prefix torrent needs of A's short last piece, from the
    // last of its segments: SHA-1 of the tail and the zeros of a BEP 47 pad.
    const pieceLength = record?.pieceLength ?? 0;
    const tail = a.subarray(a.length - (a.length % pieceLength));
    const paddedTail = createHash('sha1').update(tail).update(Buffer.alloc(pieceLength - tail.length)).digest('hex');
    expect(Buffer.from(record?.v1PaddedTail ?? []).toString('hex')).toBe(paddedTail);
    expect(whilePending.status).toBe(202);
    expect(await whilePending.json()).toMatchObject({ state: RecordState.Pending });

    await killStack(stack, 'SIGTERM');
    expect(stack.child.exitCode).toBe(0);
    stack = undefined;
  }, 300_000);
});

function progressOf(record: ObjectRecord | undefined): Partial<ObjectRecord> | undefined {
  return record === undefined ? undefined : { etag: record.etag, state: record.state, segmentsDone: record.segmentsDone, segmentsTotal: record.segmentsTotal };
}
