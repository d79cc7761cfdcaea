import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalStack } from '../../../src/local/index.js';
import { parseTorrent } from '../../../src/torrent/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { fetchWhenReady, startTestStack, torrentUrl, upload } from '../../integration/flow/localStackHarness.js';
import { downloadWithAria2c, downloadWithLibtorrent, downloadWithQbittorrent } from '../clients/index.js';

// With the seeder and tracker stopped, the S3 URL in `url-list` (BEP 19) is enough: clients
// download the object from S3 itself, with HTTP Range requests.

const OBJECT_SIZE = 3 * 1024 * 1024 + 4321;
const KEY = 'webseed/only.bin';
const RUN_TIMEOUT_MS = 60_000;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('Webseed-only downloads (seeder stopped)', () => {
  let stack: LocalStack;
  let root: string;
  let cleanup: () => Promise<void>;
  const data = pseudoRandomBytes(OBJECT_SIZE, 'e2e-webseed');

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('e2e-webseed'));
    stack = await startTestStack(join(root, 'stack'));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await cleanup?.();
  });

  it('lets aria2c, libtorrent and qBittorrent download from S3 alone', async () => {
    await upload(stack, KEY, data);
    const v1Reply = await fetchWhenReady(torrentUrl(stack, KEY));
    const hybridReply = await fetchWhenReady(torrentUrl(stack, KEY, 'torrent&format=hybrid'));
    const v1 = Buffer.from(await v1Reply.arrayBuffer());
    const hybrid = Buffer.from(await hybridReply.arrayBuffer());
    expect(parseTorrent(v1).webseeds).toEqual([`${stack.endpoints.s3}/${stack.demoBucket}/${KEY}`]);
    await writeFile(join(root, 'v1.torrent'), v1);
    await writeFile(join(root, 'hybrid.torrent'), hybrid);

    await stack.seeder?.stop();
    const runs = [
      downloadWithAria2c({ torrentFile: join(root, 'v1.torrent') }, { outDir: join(root, 'aria2c'), timeoutMs: RUN_TIMEOUT_MS }),
      downloadWithLibtorrent({ torrentFile: join(root, 'hybrid.torrent') }, { outDir: join(root, 'libtorrent'), timeoutMs: RUN_TIMEOUT_MS }),
      downloadWithQbittorrent({ torrentFile: join(root, 'v1.torrent') }, { outDir: join(root, 'qbittorrent'), timeoutMs: RUN_TIMEOUT_MS }),
    ];
    const digests = await Promise.all(runs.map(async (run) => sha256(await readFile(await run))));
    expect(digests).toEqual([sha256(data), sha256(data), sha256(data)]);
  }, 150_000);
});
