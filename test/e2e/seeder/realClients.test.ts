import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalStack } from '../../../src/local/index.js';
import { magnetLink, parseTorrent } from '../../../src/torrent/index.js';
import type { TorrentSummary } from '../../../src/torrent/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { fetchWhenReady, startTestStack, torrentUrl, upload } from '../../integration/flow/localStackHarness.js';
import { downloadWithAria2c, downloadWithLibtorrent, downloadWithQbittorrent, downloadWithTransmission } from '../clients/index.js';
import type { TorrentSource } from '../clients/index.js';

// Real BitTorrent clients download a published object from our seeder and tracker, on the
// local stack, all at the same time. The torrents carry no webseed here (S3TORRENT_LOCAL_WEBSEEDS
// off): every byte must come from the seeder. DHT, LSD, PEX, UPnP and NAT-PMP are off in every
// client (see test/e2e/clients).

/** 20 pieces of 256 KiB and an odd tail: the last piece is short and not block-aligned. */
const OBJECT_SIZE = 5 * 1024 * 1024 + 12_345;
const KEY = 'releases/dataset.bin';
const NAME = 'dataset.bin';
const RUN_TIMEOUT_MS = 60_000;
/** Transmission waits for its rechoke (~10 s) and ramps up slowly. */
const TRANSMISSION_TIMEOUT_MS = 90_000;

interface Published {
  readonly v1File: string;
  readonly hybridFile: string;
  readonly v1: TorrentSummary;
  readonly hybrid: TorrentSummary;
  readonly magnetHeader: string;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('Seeder and tracker with real BitTorrent clients', () => {
  let stack: LocalStack;
  let root: string;
  let cleanup: () => Promise<void>;
  let published: Published;
  const data = pseudoRandomBytes(OBJECT_SIZE, 'e2e-seeder');

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('e2e-seeder'));
    stack = await startTestStack(join(root, 'stack'), { env: { S3TORRENT_LOCAL_WEBSEEDS: 'off' } });
    await upload(stack, KEY, data);
    const v1Reply = await fetchWhenReady(torrentUrl(stack, KEY));
    const hybridReply = await fetchWhenReady(torrentUrl(stack, KEY, 'torrent&format=hybrid'));
    expect([v1Reply.status, hybridReply.status]).toEqual([200, 200]);
    const magnetHeader = v1Reply.headers.get('x-s3torrent-magnet') ?? '';
    const v1Bytes = Buffer.from(await v1Reply.arrayBuffer());
    const hybridBytes = Buffer.from(await hybridReply.arrayBuffer());
    const v1File = join(root, 'v1.torrent');
    const hybridFile = join(root, 'hybrid.torrent');
    await writeFile(v1File, v1Bytes);
    await writeFile(hybridFile, hybridBytes);
    published = { v1File, hybridFile, v1: parseTorrent(v1Bytes), hybrid: parseTorrent(hybridBytes), magnetHeader };
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await cleanup?.();
  });

  it('publishes torrents that announce our HTTP and UDP tracker and no webseed', () => {
    const seeder = stack.seeder;
    expect(seeder).toBeDefined();
    expect(published.v1.trackers).toEqual([[`http://127.0.0.1:${seeder?.trackerPort}/announce`], [`udp://127.0.0.1:${seeder?.trackerPort}`]]);
    expect(published.hybrid.trackers).toEqual(published.v1.trackers);
    expect(published.v1.webseeds).toEqual([]);
    expect(published.v1.pieceCount).toBe(21);
    expect(published.magnetHeader).toBe(magnetLink({ infoHashV1: published.v1.infoHashV1, name: NAME, trackers: published.v1.trackers }));
  });

  it('serves aria2c, Transmission, libtorrent and qBittorrent at once, by .torrent and magnet, v1 and v2, over HTTP and UDP trackers', async () => {
    const { v1, hybrid } = published;
    const trackers = v1.trackers;
    const udpOnly = trackers.filter((tier) => tier.some((url) => url.startsWith('udp:')));
    const runs: Array<{ label: string; start: (outDir: string) => Promise<string> }> = [
      { label: 'aria2c v1 .torrent', start: (outDir) => downloadWithAria2c({ torrentFile: published.v1File }, { outDir, timeoutMs: RUN_TIMEOUT_MS }) },
      { label: 'aria2c v1 magnet', start: (outDir) => downloadWithAria2c({ magnet: published.magnetHeader }, { outDir, timeoutMs: RUN_TIMEOUT_MS }) },
      {
        label: 'aria2c v1 magnet, UDP tracker only',
        start: (outDir) => downloadWithAria2c(
          { magnet: magnetLink({ infoHashV1: v1.infoHashV1, name: NAME, trackers: udpOnly }) },
          { outDir, timeoutMs: RUN_TIMEOUT_MS, useUdpTrackers: true },
        ),
      },
      { label: 'transmission v1 .torrent', start: (outDir) => downloadWithTransmission({ torrentFile: published.v1File }, { outDir, timeoutMs: TRANSMISSION_TIMEOUT_MS }) },
      { label: 'libtorrent hybrid .torrent', start: (outDir) => downloadWithLibtorrent({ torrentFile: published.hybridFile }, { outDir, timeoutMs: RUN_TIMEOUT_MS }) },
      { label: 'libtorrent v1 magnet', start: (outDir) => downloadWithLibtorrent(magnetOf(v1, 'v1'), { outDir, timeoutMs: RUN_TIMEOUT_MS }) },
      { label: 'libtorrent v2 magnet', start: (outDir) => downloadWithLibtorrent(magnetOf(hybrid, 'v2'), { outDir, timeoutMs: RUN_TIMEOUT_MS }) },
      { label: 'qbittorrent hybrid .torrent', start: (outDir) => downloadWithQbittorrent({ torrentFile: published.hybridFile }, { outDir, timeoutMs: RUN_TIMEOUT_MS }) },
      { label: 'qbittorrent v1 magnet', start: (outDir) => downloadWithQbittorrent({ magnet: published.magnetHeader }, { outDir, timeoutMs: RUN_TIMEOUT_MS }) },
    ];
    const outcomes = await Promise.all(runs.map(async (run, i) => {
      try {
        const path = await run.start(join(root, `out-${i}`));
        return { label: run.label, name: path.split('/').pop(), sha256: sha256(await readFile(path)) };
      } catch (error) {
        return { label: run.label, error: error instanceof Error ? error.message.slice(0, 2000) : String(error) };
      }
    }));
    expect(outcomes).toEqual(runs.map((run) => ({ label: run.label, name: NAME, sha256: sha256(data) })));
  }, 150_000);
});

function magnetOf(summary: TorrentSummary, version: 'v1' | 'v2'): TorrentSource {
  const hash = version === 'v1' ? { infoHashV1: summary.infoHashV1 } : { infoHashV2: summary.infoHashV2 };
  return { magnet: magnetLink({ ...hash, name: NAME, trackers: summary.trackers }) };
}
