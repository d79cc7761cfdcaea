import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalStack } from '../../../src/local/index.js';
import { magnetLink } from '../../../src/torrent/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { node22Binary } from '../../helpers/node22.js';
import { fetchWhenReady, startTestStack, torrentUrl, upload } from '../../integration/flow/localStackHarness.js';
import { downloadWithAria2c, downloadWithLibtorrent } from '../clients/index.js';
import { startSeederService } from './seederService.js';

// The seeder service as the container runs it (`node --enable-source-maps dist/seeder.js`,
// configured only by its environment), in its own process next to a local stack that runs none:
// clients given only its tracker (magnet links) download a published object from it. Under this
// machine's Node and under Node 22, the Node of the container image (seeder/Dockerfile).

const OBJECT_SIZE = 2 * 1024 * 1024 + 777;
const KEY = 'service/object.bin';
const RUN_TIMEOUT_MS = 60_000;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('The seeder service process (dist/seeder.js)', () => {
  let stack: LocalStack;
  let root: string;
  let cleanup: () => Promise<void>;
  let service: ChildProcess | undefined;

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('e2e-service'));
    stack = await startTestStack(join(root, 'stack'), { env: { S3TORRENT_LOCAL_SEEDER: 'off', S3TORRENT_LOCAL_WEBSEEDS: 'off' } });
  }, 120_000);

  afterAll(async () => {
    service?.kill('SIGKILL');
    await stack?.stop();
    await cleanup?.();
  });

  it.each([
    ['this machine\'s Node', 'machine', async () => process.execPath],
    ['Node 22 (the image\'s)', 'node22', node22Binary],
  ])('seeds from its environment alone and stops cleanly on SIGTERM, under %s', async (_runtime, slug, nodeBinary) => {
    const node = await nodeBinary();
    const key = `${KEY}.${slug}`;
    const data = pseudoRandomBytes(OBJECT_SIZE, `e2e-service-${slug}`);
    await upload(stack, key, data);
    // aria2 reads only v1 torrents: it gets the v1 torrent's infohash, libtorrent the hybrid's v2.
    const v1Reply = await fetchWhenReady(torrentUrl(stack, key));
    const hybridReply = await fetchWhenReady(torrentUrl(stack, key, 'torrent&format=hybrid'));
    expect([v1Reply.status, hybridReply.status]).toEqual([200, 200]);
    const v1 = v1Reply.headers.get('x-s3torrent-infohash-v1') ?? '';
    const v2 = hybridReply.headers.get('x-s3torrent-infohash-v2') ?? '';
    const started = await startSeederService(stack, node);
    service = started.child;
    const trackers = [[`http://127.0.0.1:${started.trackerPort}/announce`]];
    const [byAria2c, byLibtorrent] = await Promise.all([
      downloadWithAria2c({ magnet: magnetLink({ infoHashV1: v1, trackers }) }, { outDir: join(root, `aria2c-${slug}`), timeoutMs: RUN_TIMEOUT_MS }),
      downloadWithLibtorrent({ magnet: magnetLink({ infoHashV2: v2, trackers }) }, { outDir: join(root, `libtorrent-${slug}`), timeoutMs: RUN_TIMEOUT_MS }),
    ]);
    expect(sha256(await readFile(byAria2c))).toBe(sha256(data));
    expect(sha256(await readFile(byLibtorrent))).toBe(sha256(data));

    const exited = new Promise<number | null>((resolve) => started.child.once('exit', resolve));
    started.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    service = undefined;
  }, 400_000);
});
