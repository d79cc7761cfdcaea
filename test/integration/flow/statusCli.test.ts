import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { join } from 'node:path';
import { TABLE_NAME } from '../../../src/local/index.js';
import type { LocalStack } from '../../../src/local/index.js';
import { freeLoopbackPort } from '../../../src/local/ports.js';
import { RecordStore, addEgress } from '../../../src/records/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { runCliProcess } from '../../helpers/tools.js';
import { fetchWhenReady, referenceInfoHashes, startTestStack, torrentUrl, upload } from './localStackHarness.js';

// `s3-torrent status`, the built CLI (dist/) as a user runs it, against the local stack's table.

const MiB = 1024 * 1024;

describe('CLI: s3-torrent status (local stack)', () => {
  let stack: LocalStack;
  let dir: string;
  let cleanup: () => Promise<void>;
  /** The options that point the CLI at this stack's DynamoDB Local (free ports, not the defaults). */
  let at: string[];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('status-cli'));
    stack = await startTestStack(join(dir, 'data'), { env: { S3TORRENT_LOCAL_SEEDER: 'off' } });
    at = ['--dynamodb-endpoint', stack.endpoints.dynamoDb];
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await cleanup?.();
  });

  /** Uploads `bytes` under `key` and waits for its torrent (READY). */
  async function publish(key: string, bytes: Buffer): Promise<void> {
    await upload(stack, key, bytes);
    const reply = await fetchWhenReady(torrentUrl(stack, key));
    await reply.arrayBuffer();
    expect(reply.status).toBe(200);
  }

  it('shows a READY object: its state, ETag, pieces and the infohashes of its torrents', async () => {
    // Prepare
    const key = 'status/ready.bin';
    const bytes = pseudoRandomBytes(3 * MiB + 5, 'status-ready');
    await publish(key, bytes);
    const expected = await referenceInfoHashes(dir, key, bytes);

    // Act
    const result = await runCliProcess(['status', `s3://${stack.demoBucket}/${key}`, ...at]);

    // Assess
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('state:        READY');
    expect(lines).toContain(`infohash v1:  ${expected.v1}`);
    expect(lines).toContain(`hybrid v1:    ${expected.hybridV1}`);
    expect(lines).toContain(`hybrid v2:    ${expected.hybridV2}`);
    expect(lines).toContain('pieces:       13/13');
    expect(lines).toContain(`size:         ${bytes.length} bytes`);
    expect(lines.find((line) => line.startsWith('etag:'))).toMatch(/^etag: {9}"[0-9a-f]{32}"$/);
    expect(lines.find((line) => line.startsWith('changed:'))).toMatch(/^changed: {6}\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  });

  it('prints one JSON object with a state field with --json, and the reason of a REVOKED record', async () => {
    // Prepare: revoked as the access checker would revoke it.
    const key = 'status/revoked.bin';
    await publish(key, pseudoRandomBytes(MiB, 'status-revoked'));
    const records = new RecordStore({
      client: new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamoDb, credentials: { ...LOCAL_CREDENTIALS } }),
      tableName: TABLE_NAME,
    });
    await records.markRevoked(stack.demoBucket, key, 'no longer anonymously readable');

    // Act
    const result = await runCliProcess(['status', `s3://${stack.demoBucket}/${key}`, '--json', ...at]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const view = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(view).toMatchObject({
      bucket: stack.demoBucket,
      key,
      state: 'REVOKED',
      reason: 'no longer anonymously readable',
      piecesDone: 4,
      piecesTotal: 4,
      infoHashes: { v1: expect.stringMatching(/^[0-9a-f]{40}$/) },
    });
  });

  it('shows a prefix snapshot and what the seeders served of it: nothing at first, then what a seeder flushed', async () => {
    // Prepare: two objects under a prefix and its torrent (a snapshot READY).
    const prefix = 'status/set/';
    await upload(stack, `${prefix}a.bin`, pseudoRandomBytes(MiB, 'status-set-a'));
    await upload(stack, `${prefix}b/c.bin`, pseudoRandomBytes(MiB + 7, 'status-set-c'));
    const reply = await fetchWhenReady(torrentUrl(stack, prefix));
    await reply.arrayBuffer();
    expect(reply.status).toBe(200);
    const target = `s3://${stack.demoBucket}/${prefix}`;

    // Act: before any seeder counted, and after one flushed a count for the snapshot.
    const fresh = await runCliProcess(['status', target, ...at]);
    const { snapshotId } = JSON.parse((await runCliProcess(['status', target, '--json', ...at])).stdout) as { snapshotId: string };
    const records = new RecordStore({
      client: new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamoDb, credentials: { ...LOCAL_CREDENTIALS } }),
      tableName: TABLE_NAME,
    });
    await addEgress(records, {
      bucket: stack.demoBucket, key: prefix, etag: snapshotId, size: 2 * MiB + 7,
      servedBytes: MiB, peerDownloadedBytes: 2 * MiB, completions: 0, swarm: { seeds: 0, leechers: 1 },
    });
    const text = await runCliProcess(['status', target, ...at]);
    const json = await runCliProcess(['status', target, '--json', ...at]);
    const withoutSlash = await runCliProcess(['status', target.slice(0, -1), ...at]);

    // Assess
    expect(fresh).toMatchObject({ code: 0, stderr: '' });
    expect(fresh.stdout).toContain('state:        READY\n');
    expect(fresh.stdout).toContain('served:       nothing counted yet (no seeder has reported this version)\n');
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toContain(`snapshot:     ${snapshotId}\n`);
    expect(text.stdout).toContain('served:       served by us 1 MiB; 0 completed downloads reported\n');
    expect(text.stdout).toContain('swarm:        0 seeds and 1 leecher besides the seeder');
    expect(JSON.parse(json.stdout)).toMatchObject({ snapshotId, members: 2, egress: { servedBytes: MiB, peerDownloadedBytes: 2 * MiB, completions: 0 } });
    // The folder's name typed as a key: no such object, and where its prefix torrent is.
    expect(withoutSlash).toMatchObject({ code: 1, stdout: '' });
    expect(withoutSlash.stderr.trim().split('\n')).toEqual([
      `s3-torrent: no record of ${target.slice(0, -1)} in table ${TABLE_NAME} at ${stack.endpoints.dynamoDb} (${target} has a prefix torrent: ask for that, with its trailing /)`,
    ]);
  });

  it('lists every record under a prefix with --recursive, one line each, and as JSON lines', async () => {
    // Prepare
    const keys = ['status/many/a.bin', 'status/many/b.bin', 'status/many/sub/c.bin'];
    for (const key of keys) await publish(key, pseudoRandomBytes(MiB / 2, key));

    // Act
    const text = await runCliProcess(['status', '--recursive', `s3://${stack.demoBucket}/status/many/`, ...at]);
    const json = await runCliProcess(['status', '-r', `s3://${stack.demoBucket}/status/many/`, '--json', ...at]);

    // Assess
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^READY +2/2 +\\S+Z [0-9a-f]{40} s3://${stack.demoBucket}/${keys[i]}$`)));
    expect(json.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { key: string; state: string })))
      .toEqual(keys.map((key) => expect.objectContaining({ key, state: 'READY' })));
  });

  it('exits 1 with one line for an object that has no record, or a prefix with none', async () => {
    // Act
    const unknown = await runCliProcess(['status', `s3://${stack.demoBucket}/status/never-uploaded.bin`, ...at]);
    const empty = await runCliProcess(['status', '--recursive', `s3://${stack.demoBucket}/status/nothing/`, ...at]);

    // Assess
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr.trim().split('\n')).toEqual([
      `s3-torrent: no record of s3://${stack.demoBucket}/status/never-uploaded.bin in table ${TABLE_NAME} at ${stack.endpoints.dynamoDb} (never asked for: prewarm it)`,
    ]);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['a target that is not an s3:// URL', 2, ['status', 'public/key.bin'], 's3-torrent: expected s3://bucket/key, not "public/key.bin"'],
    ['a bucket name S3 refuses', 2, ['status', 's3://Not_A_Bucket/key.bin'], 's3-torrent: "Not_A_Bucket" is not a valid S3 bucket name'],
    ['an unknown option', 2, ['status', 's3://public/key.bin', '--bogus'], "s3-torrent: Unknown option '--bogus'"],
    ['no target', 2, ['status'], 's3-torrent: status needs at least one s3://bucket/key'],
    ['an endpoint that is not a URL', 2, ['status', 's3://public/key.bin', '--dynamodb-endpoint', 'localhost'], 's3-torrent: --dynamodb-endpoint expects an http(s) URL'],
    ['a table that does not exist', 1, ['status', 's3://public/key.bin', '--table', 'no-such-table', 'ENDPOINT'], 's3-torrent: no table no-such-table at http://'],
  ])('refuses %s: one line, exit %d, no stack trace', async (_name, code, args, message) => {
    // Prepare
    const argv = args.flatMap((arg) => (arg === 'ENDPOINT' ? at : [arg]));

    // Act
    const result = await runCliProcess(argv);

    // Assess
    expect(result.code).toBe(code);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });

  it('reports an endpoint nothing listens on in one line, within seconds', async () => {
    // Prepare: a loopback port free right now.
    const port = await freeLoopbackPort();
    const startedAt = Date.now();

    // Act
    const result = await runCliProcess(['status', 's3://public/key.bin', '--dynamodb-endpoint', `http://127.0.0.1:${port}`]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([`s3-torrent: cannot read table s3-torrent at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`]);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });
});
