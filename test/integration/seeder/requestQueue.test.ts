import { join } from 'node:path';
import type { LocalStack } from '../../../src/local/index.js';
import { encode } from '../../../src/wire/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { BLOCK, PeerClient } from '../../helpers/peerClient.js';
import type { TorrentInfo } from '../../helpers/peerClient.js';
import { startTestStack } from '../flow/localStackHarness.js';
import { publish, seederOf } from './seederFixture.js';

const MiB = 1024 * 1024;

/**
 * What python3-libtorrent (and qBittorrent) advertise as `reqq` themselves: a libtorrent client
 * keeps up to the seeder's `reqq` requests outstanding (3 s of its download rate), so a seeder
 * that advertises less caps how fast libtorrent downloads from it.
 */
const LIBTORRENT_REQUEST_QUEUE = 2000;

/** Bound of each wait: a few thousand blocks from the cache on loopback take well under a second. */
const PEER_TIMEOUT_MS = 30_000;

describe('Seeder: request queue (reqq) as deep as libtorrent clients use', () => {
  let stack: LocalStack;
  let torrent: TorrentInfo;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('seeder-reqq'));
    stack = await startTestStack(join(dir, 'data'), { env: { S3TORRENT_LOCAL_WEBSEEDS: 'off' } });
    // 64 blocks, 4 pieces of 256 KiB.
    torrent = await publish(stack, 'reqq/object.bin', pseudoRandomBytes(MiB, 'seeder-reqq'));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await cleanup?.();
  });

  it(`advertises reqq ≥ ${LIBTORRENT_REQUEST_QUEUE} and answers that many requests sent at once, rejecting none`, async () => {
    // Prepare
    const opened = await PeerClient.open({ port: seederOf(stack).peerPort, torrent, timeoutMs: PEER_TIMEOUT_MS });
    if (!opened.ok) throw new Error(`no connection: ${opened.detail}`);
    const client = opened.client;
    const extended = await client.until(() => client.extensions !== undefined, 'extension handshake');
    expect(extended.ok).toBe(true);
    const advertised = client.extensions?.requestQueue ?? 0;
    client.interested();
    expect((await client.waitForUnchoke()).ok).toBe(true);

    // Act: the whole advertised queue in one burst, as a libtorrent client fills it (every block
    // of the object, over and over).
    const blocks = torrent.size / BLOCK;
    for (let i = 0; i < advertised; i += 1) {
      const block = i % blocks;
      client.send(encode.request({ index: Math.floor((block * BLOCK) / torrent.pieceLength), begin: (block * BLOCK) % torrent.pieceLength, length: BLOCK }));
    }
    const answered = () => client.blocksReceived + (client.received.get('reject') ?? 0);
    const done = await client.until(() => answered() >= advertised, `answers to ${advertised} requests`);

    // Assess
    expect(advertised).toBeGreaterThanOrEqual(LIBTORRENT_REQUEST_QUEUE);
    expect(done.ok).toBe(true);
    expect({ blocks: client.blocksReceived, rejects: client.received.get('reject') ?? 0 }).toEqual({ blocks: advertised, rejects: 0 });
    client.close();
  }, 60_000);
});
