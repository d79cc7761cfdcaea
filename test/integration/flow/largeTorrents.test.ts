import { join } from 'node:path';
import { ARTIFACTS_BUCKET, TABLE_NAME } from '../../../src/local/index.js';
import type { LocalStack } from '../../../src/local/index.js';
import { RecordState, RecordStore } from '../../../src/records/index.js';
import { awsClients } from '../../../src/service/awsClients.js';
import { parseTorrent } from '../../../src/torrent/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { eventually, referenceInfoHashes, startTestStack, torrentUrl, upload } from './localStackHarness.js';

const MiB = 1024 * 1024;

// Real torrents reach the artifacts bucket only above ~64 GiB objects and the redirect above
// ~4 MiB torrents; the thresholds are lowered here so those paths run on small objects.
describe('Flow: torrents too large for the record or for a response', () => {
  let stack: LocalStack;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('large'));
    stack = await startTestStack(join(dir, 'data'), {
      env: { S3TORRENT_INLINE_TORRENT_MAX_BYTES: '1024', S3TORRENT_MAX_RESPONSE_TORRENT_BYTES: '2048' },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await cleanup();
  });

  it('serves a torrent kept in the artifacts bucket, and redirects to a presigned URL when it is too large to return', async () => {
    // Prepare: 40 pieces: the v1 torrent (~0.9 KB) stays inline, the hybrid one (~2.2 KB) does not.
    const key = 'big-torrent.bin';
    const bytes = pseudoRandomBytes(10 * MiB, 'large');
    await upload(stack, key, bytes);
    const reference = await referenceInfoHashes(dir, key, bytes);
    // Act
    const v1 = await fetch(torrentUrl(stack, key));
    const hybrid = await fetch(torrentUrl(stack, key, 'torrent&format=hybrid'), { redirect: 'manual' });
    // Assess
    expect(v1.status).toBe(200);
    expect(parseTorrent(new Uint8Array(await v1.arrayBuffer())).infoHashV1).toBe(reference.v1);
    expect(hybrid.status).toBe(307);
    expect(hybrid.headers.get('x-s3torrent-infohash-v2')).toBe(reference.hybridV2);
    const location = hybrid.headers.get('location') ?? '';
    expect(location).toContain('X-Amz-Signature=');
    expect(location).toContain('/s3-torrent-artifacts/torrents/public/big-torrent.bin/');
    const followed = await fetch(location);
    expect(followed.status).toBe(200);
    const summary = parseTorrent(new Uint8Array(await followed.arrayBuffer()));
    expect({ v1: summary.infoHashV1, v2: summary.infoHashV2 }).toEqual({ v1: reference.hybridV1, v2: reference.hybridV2 });
  });

  it('makes no record of the stack\'s own artifacts: S3 events of the artifacts bucket are not hash jobs', async () => {
    // Prepare: a hybrid torrent too large for the record goes to the artifacts bucket (s3rver
    // reports every bucket's uploads); then a canary object in the published bucket, uploaded after it.
    const key = 'artifact-maker.bin';
    await upload(stack, key, pseudoRandomBytes(10 * MiB, 'artifact-maker'));
    const hybrid = await fetch(torrentUrl(stack, key, 'torrent&format=hybrid'), { redirect: 'manual' });
    expect(hybrid.status).toBe(307);
    const artifactKey = decodeURIComponent(new URL(hybrid.headers.get('location') ?? '').pathname).replace(`/${ARTIFACTS_BUCKET}/`, '');
    await upload(stack, 'canary.bin', pseudoRandomBytes(MiB, 'canary'));
    const records = new RecordStore({ client: awsClients(stack.aws).documents, tableName: TABLE_NAME });

    // Act: the canary's upload event is hashed, so the events before it were taken too.
    await eventually(async () => ((await records.get(stack.demoBucket, 'canary.bin'))?.state === RecordState.Ready ? true : undefined));

    // Assess
    expect(artifactKey).toMatch(/^torrents\/public\/artifact-maker\.bin\//);
    expect(await records.get(ARTIFACTS_BUCKET, artifactKey)).toBeUndefined();
  }, 120_000);
});
