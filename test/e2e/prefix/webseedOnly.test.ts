import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { LocalStack } from '../../../src/local/index.js';
import { tempDir } from '../../helpers/files.js';
import type { RecordingProxy } from '../../helpers/recordingProxy.js';
import { publisherS3, startTestStack } from '../../integration/flow/localStackHarness.js';
import { createDirectoryTorrent } from './directoryTorrent.js';
import { PREFIX_CLIENTS } from './downloadPrefix.js';
import { AWKWARD_TREE, PREFIX_PIECE_LENGTH, treeDigests, uploadTree, writeTree } from './prefixTree.js';
import { describeOutcomes, expectedSummary, runAllClients, summaryOf } from './webseedRuns.js';

// A multi-file torrent's only source is S3 itself (BEP 19, multi-file form): the url-list entry
// is the prefix's PARENT URL, ending in '/', so that url + name + '/' + path is each object's
// public URL — the form the prefix API emits. The torrents here are python3-libtorrent's own
// (no tracker) for the directory the objects were uploaded from. Each real client downloads the
// whole tree from the webseed alone, through its own loopback proxy in front of the stack's S3
// that records every request it sends (the url-list is outside the info dict: pointing it at
// the proxy changes no infohash).

const SEED = 'e2e-prefix-webseed';
const PREFIX = 'data/set1/';
/** A webseed-only download of the ~14 MiB tree takes seconds; this bounds a stalled client. */
const RUN_TIMEOUT_MS = 120_000;

describe('Prefix torrent from the webseed alone (multi-file url-list = the prefix\'s parent URL)', () => {
  let stack: LocalStack;
  let root: string;
  let cleanup: () => Promise<void>;
  const proxies: RecordingProxy[] = [];
  const torrents = new Map<'v1' | 'hybrid', Uint8Array>();
  const digests = treeDigests(AWKWARD_TREE, SEED);

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('e2e-prefix-webseed'));
    stack = await startTestStack(join(root, 'stack'), { env: { S3TORRENT_LOCAL_SEEDER: 'off' } });
    await uploadTree(publisherS3(stack), stack.demoBucket, PREFIX, AWKWARD_TREE, SEED);
    const source = await writeTree(join(root, 'source', 'set1'), AWKWARD_TREE, SEED);
    const urlList = [`${stack.endpoints.s3}/${stack.demoBucket}/data/`];
    for (const format of ['v1', 'hybrid'] as const) {
      const made = await createDirectoryTorrent(source, join(root, `set1.${format}.torrent`), { format, pieceLength: PREFIX_PIECE_LENGTH, urlList });
      torrents.set(format, await readFile(made.torrentFile));
    }
  }, 180_000);

  afterAll(async () => {
    for (const proxy of proxies) await proxy.stop();
    await stack?.stop();
    await cleanup?.();
  });

  it('lets libtorrent and qBittorrent (hybrid), aria2c and Transmission (v1) download every file, with anonymous GETs of the objects only', async () => {
    // Act: all four at once, each from the webseed alone.
    const outcomes = await runAllClients(
      { torrents, digests, outRoot: root, timeoutMs: RUN_TIMEOUT_MS },
      { kind: 'webseed', s3Endpoint: stack.endpoints.s3, bucket: stack.demoBucket, prefix: PREFIX, proxies },
    );
    console.log(describeOutcomes('webseed-only downloads of a libtorrent-made prefix torrent:', outcomes));

    // Assess: every non-empty file matches, pads (if written at all) are zeros, and S3 saw only
    // unsigned GETs of the members' own URLs, every non-empty member at least once.
    expect(outcomes.map((outcome) => summaryOf(outcome, digests)))
      .toEqual(PREFIX_CLIENTS.map((client) => expectedSummary(client, AWKWARD_TREE, true)));
  }, 300_000);
});
