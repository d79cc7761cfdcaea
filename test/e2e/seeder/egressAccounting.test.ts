import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TABLE_NAME } from '../../../src/local/index.js';
import type { LocalStack } from '../../../src/local/index.js';
import { RecordStore, egressTotals } from '../../../src/records/index.js';
import type { EgressTotals } from '../../../src/records/index.js';
import { PEER_CREDIT_SIZES } from '../../../src/seeding/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { METRICS_NAMESPACE, SeederMetrics } from '../../../src/service/metricNames.js';
import { magnetLink } from '../../../src/torrent/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { runCliProcess } from '../../helpers/tools.js';
import { eventually, fetchWhenReady, startTestStack, torrentUrl, upload } from '../../integration/flow/localStackHarness.js';
import { escapeBytes, httpGet } from '../../integration/tracker/trackerClients.js';
import { downloadWithAria2c } from '../clients/index.js';
import { startSeederService, stopSeederService } from './seederService.js';
import type { SeederService } from './seederService.js';

// What BitTorrent saved, as the operator reads it: the seeder service (dist/seeder.js, as the
// container runs it) counts what it served and what peers reported per object, emits it as EMF
// metrics on stdout and adds it to the object's totals in DynamoDB, which the built CLI's
// `s3-torrent status` shows. Webseeds are off: every byte a client gets comes from the seeder.

const OBJECT_SIZE = 2 * 1024 * 1024 + 777;
const RUN_TIMEOUT_MS = 60_000;
/** Far longer than the test: the only flush is the one on SIGTERM. */
const NO_PERIODIC_FLUSH_MS = '3600000';
/** Short enough for the test to see several periodic flushes. */
const QUICK_FLUSH_MS = '200';
/** A `downloaded` no peer of a 2 MiB object can have got: just under 2^53. */
const ABSURD_BYTES = 9_007_199_254_740_000;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** An EMF line as CloudWatch Logs reads it: the `_aws` directive and the values beside it. */
interface EmfLine {
  readonly _aws: { readonly CloudWatchMetrics: ReadonlyArray<{ readonly Namespace: string; readonly Dimensions: string[][]; readonly Metrics: Array<{ Name: string; Unit: string }> }> };
  readonly [field: string]: unknown;
}

function emfLines(stdout: readonly string[]): EmfLine[] {
  return stdout.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as EmfLine);
}

describe('Egress accounting of the seeder service (dist/seeder.js)', () => {
  let stack: LocalStack;
  let root: string;
  let cleanup: () => Promise<void>;
  let records: RecordStore;
  let service: SeederService | undefined;

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('e2e-egress'));
    stack = await startTestStack(join(root, 'stack'), { env: { S3TORRENT_LOCAL_SEEDER: 'off', S3TORRENT_LOCAL_WEBSEEDS: 'off' } });
    records = new RecordStore({
      client: new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamoDb, credentials: { ...LOCAL_CREDENTIALS } }),
      tableName: TABLE_NAME,
    });
  }, 120_000);

  afterAll(async () => {
    service?.child.kill('SIGKILL');
    await stack?.stop();
    await cleanup?.();
  });

  /** Publishes `data` under `key`; its v1 infohash and ETag. */
  const publish = async (key: string, data: Buffer): Promise<{ infoHash: string; etag: string }> => {
    const etag = await upload(stack, key, data);
    const reply = await fetchWhenReady(torrentUrl(stack, key));
    await reply.arrayBuffer();
    expect(reply.status).toBe(200);
    return { infoHash: reply.headers.get('x-s3torrent-infohash-v1') ?? '', etag };
  };

  const start = async (flushMs: string): Promise<SeederService> => {
    // The local stack turns Powertools metrics off in this process's environment; the service emits them.
    service = await startSeederService({ ...stack, env: { S3TORRENT_SEEDER_EGRESS_FLUSH_MS: flushMs, POWERTOOLS_METRICS_DISABLED: 'false' } }, process.execPath);
    return service;
  };

  const status = async (key: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    runCliProcess(['status', `s3://${stack.demoBucket}/${key}`, '--dynamodb-endpoint', stack.endpoints.dynamoDb]);

  it('counts a real download: the object size served, one completion, kept by the flush on SIGTERM and shown by status', async () => {
    // Prepare
    const key = 'egress/download.bin';
    const data = pseudoRandomBytes(OBJECT_SIZE, 'e2e-egress-download');
    const { infoHash, etag } = await publish(key, data);
    const started = await start(NO_PERIODIC_FLUSH_MS);
    const trackers = [[`http://127.0.0.1:${started.trackerPort}/announce`]];

    // Act: aria2c announces started, completed and stopped (it exits once it has every piece).
    const path = await downloadWithAria2c({ magnet: magnetLink({ infoHashV1: infoHash, trackers }) }, { outDir: join(root, 'aria2c'), timeoutMs: RUN_TIMEOUT_MS });
    expect(await stopSeederService(started)).toBe(0);
    service = undefined;
    const text = await status(key);
    const json = await runCliProcess(['status', `s3://${stack.demoBucket}/${key}`, '--json', '--dynamodb-endpoint', stack.endpoints.dynamoDb]);

    // Assess: one peer, no webseed, loopback: every block was asked of us exactly once.
    expect(sha256(await readFile(path))).toBe(sha256(data));
    expect(await egressTotals(records, stack.demoBucket, key, etag)).toMatchObject({ servedBytes: OBJECT_SIZE, completions: 1, peerDownloadedBytes: OBJECT_SIZE });
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toContain('served:       served by us 2.00 MiB of 2.00 MiB delivered (100%), 1 completed download\n');
    expect(text.stdout).toContain('reported:     peers reported 2.00 MiB downloaded (from us, each other and the webseed)\n');
    expect(JSON.parse(json.stdout)).toMatchObject({ egress: { servedBytes: OBJECT_SIZE, deliveredBytes: OBJECT_SIZE, completions: 1, peerDownloadedBytes: OBJECT_SIZE } });
    // The metrics: one EMF line for the object, in the namespace and under the names the dashboard graphs.
    const lines = emfLines(started.stdout).filter((line) => line['object'] === `s3://${stack.demoBucket}/${key}`);
    expect(lines).toHaveLength(1);
    const [line] = lines as [EmfLine];
    expect(line._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: METRICS_NAMESPACE, Dimensions: [['service']] });
    expect(line).toMatchObject({
      service: SeederMetrics.service,
      etag,
      [SeederMetrics.names.ServedBytes]: OBJECT_SIZE,
      [SeederMetrics.names.Completions]: 1,
      [SeederMetrics.names.DeliveredBytes]: OBJECT_SIZE,
      [SeederMetrics.names.PeerDownloadedBytes]: OBJECT_SIZE,
    });
  }, RUN_TIMEOUT_MS + 60_000);

  it('starts a new version of the object from zero: the totals belong to the ETag they were counted for', async () => {
    // Prepare: the object counted in the first test, overwritten.
    const key = 'egress/download.bin';
    const before = await status(key);
    expect(before.stdout).toContain('1 completed download');
    const { etag } = await publish(key, pseudoRandomBytes(OBJECT_SIZE, 'e2e-egress-new-version'));

    // Act
    const after = await status(key);

    // Assess
    expect(after).toMatchObject({ code: 0, stderr: '' });
    expect(after.stdout).toContain(`etag:         ${etag}\n`);
    expect(after.stdout).toContain('served:       nothing counted yet (no seeder has reported this version)\n');
  }, 120_000);

  it('bounds what peers claim: absurd downloaded counts and repeated completions add at most the clamped amounts', async () => {
    // Prepare
    const key = 'egress/claims.bin';
    const data = pseudoRandomBytes(OBJECT_SIZE, 'e2e-egress-claims');
    const { infoHash, etag } = await publish(key, data);
    const started = await start(QUICK_FLUSH_MS);
    const announce = async (port: number, event: string, downloaded: number, left: number): Promise<void> => {
      const query = [
        `info_hash=${escapeBytes(Buffer.from(infoHash, 'hex'))}`,
        `peer_id=${escapeBytes(Buffer.alloc(20, port % 256))}`,
        `port=${port}`, 'uploaded=0', `downloaded=${downloaded}`, `left=${left}`, 'compact=1',
        ...(event === '' ? [] : [`event=${event}`]),
      ].join('&');
      const reply = await httpGet('127.0.0.1', started.trackerPort, `/announce?${query}`);
      expect(reply.status).toBe(200);
    };

    // Act
    // A peer seen from its start claims far more than the object, completes twice, restarts
    // (its count back to 0) and claims it all again, twice: credited PEER_CREDIT_SIZES sizes, one completion.
    await announce(40001, 'started', 0, OBJECT_SIZE);
    await announce(40001, 'completed', ABSURD_BYTES, 0);
    await announce(40001, 'completed', ABSURD_BYTES, 0);
    for (let restart = 0; restart < 2; restart += 1) {
      await announce(40001, 'started', 0, OBJECT_SIZE);
      await announce(40001, '', ABSURD_BYTES, 0);
    }
    // A peer first heard from mid-session (a seeder restart, say): what it had is not ours to credit.
    await announce(40002, '', ABSURD_BYTES, 0);
    // A leecher 1000 bytes in; then another starts: the second leecher is the sign that every
    // announce before it has been flushed (one flush at a time, in order).
    await announce(40003, 'started', 0, OBJECT_SIZE);
    await announce(40003, '', 1000, OBJECT_SIZE - 1000);
    await announce(40004, 'started', 0, OBJECT_SIZE);
    const expected = { servedBytes: 0, completions: 1, peerDownloadedBytes: PEER_CREDIT_SIZES * OBJECT_SIZE + 1000 };
    const totals = await eventually(async () => {
      const now = await egressTotals(records, stack.demoBucket, key, etag);
      return now?.swarm.leechers === 2 ? now : undefined;
    });
    const text = await status(key);
    expect(await stopSeederService(started)).toBe(0);
    service = undefined;

    // Assess: the totals stay as the periodic flushes left them, with nothing added at SIGTERM.
    expect(totals).toMatchObject<Partial<EgressTotals>>({ ...expected, swarm: { seeds: 2, leechers: 2, seenAt: expect.any(String) as string } });
    expect(await egressTotals(records, stack.demoBucket, key, etag)).toMatchObject(expected);
    expect(text.stdout).toContain('served:       served by us 0 B of 2.00 MiB delivered (0%), 1 completed download\n');
    expect(text.stdout).toMatch(/\nswarm: {8}2 seeds and 2 leechers besides the seeder, at \d{4}-\d\d-\d\dT[\d:.]+Z\n/);
    const delivered = emfLines(started.stdout)
      .filter((line) => line['object'] === `s3://${stack.demoBucket}/${key}`)
      .reduce((sum, line) => sum + Number(line[SeederMetrics.names.DeliveredBytes]), 0);
    expect(delivered).toBe(OBJECT_SIZE);
  }, 120_000);
});
