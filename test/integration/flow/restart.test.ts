import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { hashFile } from '../../../src/hashing/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { TABLE_NAME } from '../../../src/local/index.js';
import { freeLocalStackPorts } from '../../../src/local/localConfig.js';
import { RecordState, RecordStore } from '../../../src/records/index.js';
import { buildTorrent, parseTorrent, pieceLengthFor } from '../../../src/torrent/index.js';
import { tempDir, writeLargeTestFile } from '../../helpers/files.js';
import { eventually } from './localStackHarness.js';
import { killStack, startStackProcess } from './stackProcess.js';
import type { RunningStack } from './stackProcess.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** Bound on each wait below: upload, hashing (start-up has its own, in startStackProcess). */
const STEP_TIMEOUT_MS = 90_000;

describe('Flow: a 1 GiB object through fan-out, with the local stack killed mid-hash', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let stack: RunningStack | undefined;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('restart'));
  });
  afterAll(async () => {
    if (stack !== undefined) await killStack(stack, 'SIGKILL');
    await cleanup();
  });

  it('resumes after SIGKILL and serves exactly the one-pass torrent', async () => {
    // Prepare: a 1 GiB file, a stack with one slow-ish worker and 16 MiB segments (64 of them).
    const file = join(dir, 'big.bin');
    await writeLargeTestFile(file, GiB, 'restart');
    const ports = await freeLocalStackPorts();
    const env = {
      ...ports.env,
      S3TORRENT_SEGMENT_BYTES: String(16 * MiB),
      S3TORRENT_LOCAL_WORKERS: '1',
      S3TORRENT_API_WAIT_MS: '0',
    };
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

    // Act 1: upload (the upload event starts the hashing), then kill everything mid-hash.
    await s3.send(new PutObjectCommand({ Bucket: 'public', Key: 'big.bin', Body: createReadStream(file), ContentLength: GiB }));
    const midway = await eventually(async () => {
      const record = await records.get('public', 'big.bin');
      const done = record?.segmentsDone ?? 0;
      return record?.state === RecordState.Hashing && done >= 2 && done < (record.segmentsTotal ?? 0) ? record : undefined;
    }, STEP_TIMEOUT_MS, 50);
    await killStack(stack, 'SIGKILL');

    // Act 2: start again on the same data directory and ask for the torrent.
    stack = await startStackProcess(dataDir, env);
    const url = `http://127.0.0.1:${ports.api}/public/big.bin?torrent`;
    const body = await eventually(async () => {
      const reply = await fetch(url);
      return reply.status === 200 ? new Uint8Array(await reply.arrayBuffer()) : (await reply.arrayBuffer(), undefined);
    }, STEP_TIMEOUT_MS);

    // Assess: it had really stopped half-way, it resumed, and the result is the one-pass torrent.
    expect(midway.segmentsTotal).toBe(64);
    expect(stack.output.join('\n')).toMatch(/resumed 1 unfinished hashing job/);
    const oneShot = buildTorrent(await hashFile(file, { pieceLength: pieceLengthFor(GiB) }), { name: 'big.bin' });
    expect(parseTorrent(body).infoHashV1).toBe(oneShot.infoHashV1);

    await killStack(stack, 'SIGTERM');
    expect(stack.child.exitCode).toBe(0);
    stack = undefined;
  }, 300_000);
});
