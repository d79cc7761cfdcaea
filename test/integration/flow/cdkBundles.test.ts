import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TABLE_NAME } from '../../../src/local/index.js';
import { freeLocalStackPorts } from '../../../src/local/localConfig.js';
import { RecordState, RecordStore } from '../../../src/records/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { decodeBencode, parseTorrent } from '../../../src/torrent/index.js';
import type { BencodeDict } from '../../../src/torrent/index.js';
import { writeCloudAssembly } from '../../helpers/cloudAssembly.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { node22Binary } from '../../helpers/node22.js';
import { projectRoot, runCliProcess } from '../../helpers/tools.js';
import { synthCloudAssembly } from './cdkSynth.js';
import { eventually } from './localStackHarness.js';
import { killStack, startStackProcess } from './stackProcess.js';
import type { RunningStack } from './stackProcess.js';

// The Lambda bundles `cdk synth` writes are what CloudFormation deploys: this runs exactly those
// files (not lambdas/*.ts) in the local stack, on the Node of Lambda's nodejs22.x, so that a
// bundle that would fail its cold start on Lambda fails here.

const MiB = 1024 * 1024;
/** Bound on the upload and on the hashing of the object. */
const STEP_TIMEOUT_MS = 90_000;
/** Small segments: the object below is hashed by fan-out, one hash-worker invocation each. */
const SEGMENT_BYTES = MiB;
/** Ten segments: 9 whole MiB and a tail. */
const OBJECT_BYTES = 9 * MiB + 54_321;
/** The default for this size (src/torrent/pieceLength.ts), passed to `create` explicitly. */
const PIECE_LENGTH = 256 * 1024;

describe('Flow: the Lambda bundles of cdk synth, run by the local stack on Node 22', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let node22: string;
  let stack: RunningStack | undefined;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cdk-bundles'));
    node22 = await node22Binary();
  }, 360_000);
  afterAll(async () => {
    if (stack !== undefined) await killStack(stack, 'SIGKILL');
    await cleanup();
  });

  it('serves ?torrent through the shipped bundles, hashed in segments as on Lambda', async () => {
    // Prepare: synthesise with the CDK CLI as a user does, publishing the local stack's bucket.
    const assembly = await synthCloudAssembly(join(dir, 'cdk.out'), ['public']);
    const ports = await freeLocalStackPorts();
    stack = await startStackProcess(join(dir, 'data'), {
      ...ports.env,
      S3TORRENT_SEGMENT_BYTES: String(SEGMENT_BYTES),
      // Ignored with --handlers (the function's own setting wins): a Lambda bundle has no
      // hashWorker.cjs beside it, so a thread would fail to start and no torrent would come.
      S3TORRENT_HASH_THREADS: '2',
    }, { node: node22, args: ['--handlers', assembly] });
    const key = 'shipped/bundles.bin';
    const bytes = pseudoRandomBytes(OBJECT_BYTES, 'cdk-bundles');
    const s3 = new S3Client({
      region: 'us-east-1', endpoint: `http://127.0.0.1:${ports.s3}`, forcePathStyle: true, credentials: { ...LOCAL_CREDENTIALS },
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });

    // Act: upload (the upload event queues the hashing), then ask for the torrent until it is ready.
    await s3.send(new PutObjectCommand({ Bucket: 'public', Key: key, Body: bytes }));
    const reply = await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${ports.api}/public/${key}?torrent`);
      if (response.status === 200) return response;
      await response.arrayBuffer();
      return undefined;
    }, STEP_TIMEOUT_MS);
    const body = new Uint8Array(await reply.arrayBuffer());

    // Assess: what a user checks, against `s3-torrent create` of the same bytes and name.
    const file = join(dir, 'bundles.bin');
    await writeFile(file, bytes);
    const reference = join(dir, 'reference.torrent');
    const created = await runCliProcess(['create', file, '--name', 'bundles.bin', '--piece-length', String(PIECE_LENGTH), '-o', reference]);
    expect(created.code).toBe(0);
    const expected = JSON.parse((await runCliProcess(['inspect', reference, '--json'])).stdout) as { infoHashV1: string };
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/x-bittorrent');
    expect(parseTorrent(body).infoHashV1).toBe(expected.infoHashV1);
    expect(reply.headers.get('x-s3torrent-infohash-v1')).toBe(expected.infoHashV1);
    // Both bundles ran: the hash-worker bundle planned and hashed ten segments.
    const records = new RecordStore({
      client: new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${ports.dynamoDb}`, credentials: { ...LOCAL_CREDENTIALS } }),
      tableName: TABLE_NAME,
    });
    const record = await records.get('public', key);
    expect(record).toMatchObject({ state: RecordState.Ready, segmentsTotal: 10, segmentsDone: 10 });
    // ...from the synthesised assembly, in the Node 22 process, with the function's 0 threads.
    const handlersLine = stack.output.find((line) => line.startsWith('handlers from '));
    const bundle = (role: string): string => ` ${role}=S3Torrent\\/\\S+ \\(asset [0-9a-f]{12}, nodejs22\\.x\\)`;
    expect(handlersLine).toMatch(new RegExp(`${['hash-worker', 'torrent-api', 'access-checker', 'sweep'].map(bundle).join('')}; node v22\\.\\d+\\.\\d+, hash threads 0$`));

    // A prefix torrent through the same bundles: the API bundle lists the prefix and queues the
    // prefix job, the hash-worker bundle builds the multi-file torrent.
    for (const name of ['b.csv', 'a.csv']) await s3.send(new PutObjectCommand({ Bucket: 'public', Key: `shipped/set/${name}`, Body: pseudoRandomBytes(1000, name) }));
    const prefixReply = await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${ports.api}/public/shipped/set/?torrent`);
      if (response.status === 200) return response;
      await response.arrayBuffer();
      return undefined;
    }, STEP_TIMEOUT_MS);
    const info = (decodeBencode(new Uint8Array(await prefixReply.arrayBuffer())) as BencodeDict).get('info') as BencodeDict;
    const paths = (info.get('files') as BencodeDict[]).filter((file) => !file.has('attr')).map((file) => (file.get('path') as Uint8Array[]).map((p) => Buffer.from(p).toString()).join('/'));
    expect(Buffer.from(info.get('name') as Uint8Array).toString()).toBe('set');
    expect(paths).toEqual(['a.csv', 'b.csv']);

    await killStack(stack, 'SIGTERM');
    expect(stack.child.exitCode).toBe(0);
    stack = undefined;
  }, 600_000);

  it('stops with one line and exit 1 when a bundle fails to load, as its cold start would on Lambda', async () => {
    // Prepare: the hash-worker bundle imports the AWS SDK, which Lambda's runtime provides; the
    // torrent-api bundle imports a package that is neither bundled nor provided.
    const assembly = await writeCloudAssembly(join(dir, 'broken.out'), [
      {
        logicalId: 'HashWorker', role: 'hash-worker', assetHash: 'a'.repeat(64),
        files: { 'index.mjs': "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const handler = async () => ({ batchItemFailures: [], client: SQSClient.name });\n" },
      },
      {
        logicalId: 'TorrentApi', role: 'torrent-api', assetHash: 'b'.repeat(64),
        files: { 'index.mjs': "import bencode from 'bencode';\nexport const handler = async () => bencode;\n" },
      },
      { logicalId: 'AccessChecker', role: 'access-checker', assetHash: 'c'.repeat(64), files: { 'index.mjs': 'export const handler = async () => ({ batchItemFailures: [] });\n' } },
      { logicalId: 'Sweep', role: 'sweep', assetHash: 'd'.repeat(64), files: { 'index.mjs': 'export const handler = async () => undefined;\n' } },
    ]);
    const ports = await freeLocalStackPorts();

    // Act
    const result = await runCliProcess(['local', '--handlers', assembly, '--data-dir', join(dir, 'data-broken')], projectRoot, { node: node22, env: ports.env });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(/^ready /m);
    const bundle = join(assembly, `asset.${'b'.repeat(64)}`, 'index.mjs');
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^s3-torrent: torrent-api handler: .* failed to load on Node v22\.\d+\.\d+: Error: Cannot find package 'bencode' imported from /),
    ]);
    expect(result.stderr).toContain(bundle);
  }, 180_000);
});
