// The prefix e2e tests of the integrated prefix API and seeder, defined here as a function that
// test/e2e/prefix/fromApi.test.ts calls (describePrefixFromApi), and the API reply helpers the
// withdrawal e2e (test/e2e/prefix/withdrawal.test.ts, a stack of its own) shares.
import { join } from 'node:path';

import type { LocalStack } from '../../../src/local/index.js';
import { tempDir } from '../../helpers/files.js';
import type { RecordingProxy } from '../../helpers/recordingProxy.js';
import { fetchWhenReady, publisherS3, startTestStack, torrentUrl } from '../../integration/flow/localStackHarness.js';
import { seederOf } from '../../integration/seeder/seederFixture.js';
import { createDirectoryTorrent } from './directoryTorrent.js';
import { PREFIX_CLIENTS } from './downloadPrefix.js';
import { AWKWARD_TREE, PREFIX_PIECE_LENGTH, treeDigests, uploadTree, writeTree } from './prefixTree.js';
import { torrentFiles } from './torrentFiles.js';
import { infoDictDigests } from './torrentRewrite.js';
import { describeOutcomes, expectedSummary, runAllClients, summaryOf } from './webseedRuns.js';

const PREFIX = 'data/set1/';
/** The header every prefix reply carries: how many objects under the prefix were left out. */
const EXCLUDED_HEADER = 'x-s3torrent-excluded-objects';
/** A download of the ~14 MiB tree takes seconds; Transmission waits ~10 s for its rechoke first. */
const RUN_TIMEOUT_MS = 120_000;

/** The prefix's torrent in `format` from the API, once ready (bounded); its excluded count too. */
async function prefixTorrent(stack: LocalStack, format: 'v1' | 'hybrid', bucket = stack.demoBucket): Promise<{ status: number; excluded: string | null; body: Uint8Array }> {
  const reply = await fetchWhenReady(torrentUrl(stack, PREFIX, format === 'hybrid' ? 'torrent&format=hybrid' : 'torrent', bucket));
  return { status: reply.status, excluded: reply.headers.get(EXCLUDED_HEADER), body: new Uint8Array(await reply.arrayBuffer()) };
}

/**
 * (i) The four real clients download the prefix torrent the API serves for `data/set1/`
 * (hybrid for libtorrent and qBittorrent, v1 for aria2c and Transmission), from our seeder alone
 * (url-list taken out) and from the webseed alone (seeder stopped, trackers taken out); the
 * torrent itself is libtorrent's for the same directory. The hybrid torrent's webseed is the
 * prefix's parent URL on S3; the v1 torrent's is the same path on the API, which answers the pad
 * files that aria2c 1.36 and Transmission 3.00 ask a webseed for and redirects the rest to S3.
 */
function describePrefixFromApi(): void {
  describe('Prefix torrent from the API: four real clients, from the seeder alone and from the webseed alone', () => {
    const SEED = 'e2e-prefix-api';
    let stack: LocalStack;
    let root: string;
    let cleanup: () => Promise<void>;
    const proxies: RecordingProxy[] = [];
    const torrents = new Map<'v1' | 'hybrid', Uint8Array>();
    const digests = treeDigests(AWKWARD_TREE, SEED);

    beforeAll(async () => {
      ({ dir: root, cleanup } = await tempDir('e2e-prefix-api'));
      stack = await startTestStack(join(root, 'stack'));
      await uploadTree(publisherS3(stack), stack.demoBucket, PREFIX, AWKWARD_TREE, SEED);
      for (const format of ['v1', 'hybrid'] as const) {
        const reply = await prefixTorrent(stack, format);
        expect({ format, status: reply.status, excluded: reply.excluded }).toEqual({ format, status: 200, excluded: '0' });
        torrents.set(format, reply.body);
      }
    }, 180_000);

    afterAll(async () => {
      for (const proxy of proxies) await proxy.stop();
      await stack?.stop();
      await cleanup?.();
    });

    it('serves libtorrent\'s own torrent of the directory, named after the prefix, with the prefix\'s parent URL as webseed', async () => {
      const source = await writeTree(join(root, 'source', 'set1'), AWKWARD_TREE, SEED);
      const v1 = torrentFiles(torrents.get('v1') as Uint8Array);
      expect(v1.name).toBe('set1');
      expect(v1.webseeds).toEqual([`${stack.endpoints.api}/${stack.demoBucket}/data/`]);
      expect(torrentFiles(torrents.get('hybrid') as Uint8Array).webseeds).toEqual([`${stack.endpoints.s3}/${stack.demoBucket}/data/`]);
      expect([...v1.paths].sort()).toEqual(AWKWARD_TREE.map((file) => file.path).sort());
      const reference = {
        v1: await createDirectoryTorrent(source, join(root, 'ref.v1.torrent'), { format: 'v1', pieceLength: PREFIX_PIECE_LENGTH }),
        hybrid: await createDirectoryTorrent(source, join(root, 'ref.hybrid.torrent'), { format: 'hybrid', pieceLength: PREFIX_PIECE_LENGTH }),
      };
      expect(infoDictDigests(torrents.get('v1') as Uint8Array).sha1).toBe(reference.v1.infoHashV1);
      expect(infoDictDigests(torrents.get('hybrid') as Uint8Array).sha256).toBe(reference.hybrid.infoHashV2);
    }, 60_000);

    it('lets libtorrent and qBittorrent (hybrid), aria2c and Transmission (v1) download every file from our seeder alone', async () => {
      const outcomes = await runAllClients(
        { torrents, digests, outRoot: join(root, 'seeder'), timeoutMs: RUN_TIMEOUT_MS },
        { kind: 'seeder', peer: { host: '127.0.0.1', port: seederOf(stack).peerPort } },
      );
      console.log(describeOutcomes('seeder-only downloads of the API\'s prefix torrent:', outcomes));
      expect(outcomes.map((outcome) => summaryOf(outcome, digests)))
        .toEqual(PREFIX_CLIENTS.map((client) => expectedSummary(client, AWKWARD_TREE, false)));
    }, 300_000);

    // aria2c 1.36 and Transmission 3.00 know no BEP 47 pad files: from a webseed they ask for
    // `<url>set1/.pad/<n>`. S3 has no such object (a 404 stalls them); the API's webseed answers zeros.
    it('lets all four clients download every file from the webseed alone, with anonymous GETs of the objects (and, from the API, of pad files) only', async () => {
      await stack.seeder?.stop();
      const outcomes = await runAllClients(
        { torrents, digests, outRoot: join(root, 'webseed'), timeoutMs: RUN_TIMEOUT_MS },
        { kind: 'webseed', bucket: stack.demoBucket, prefix: PREFIX, proxies },
      );
      console.log(describeOutcomes('webseed-only downloads of the API\'s prefix torrent:', outcomes));
      expect(outcomes.map((outcome) => summaryOf(outcome, digests)))
        .toEqual(PREFIX_CLIENTS.map((client) => expectedSummary(client, AWKWARD_TREE, true)));
    }, 300_000);
  });
}

export { PREFIX, describePrefixFromApi, prefixTorrent };
