import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { LocalStack } from '../../../src/local/index.js';
import { tempDir } from '../../helpers/files.js';
import { startRecordingProxy } from '../../helpers/recordingProxy.js';
import type { RecordingProxy } from '../../helpers/recordingProxy.js';
import { publisherS3, startTestStack } from '../../integration/flow/localStackHarness.js';
import { createDirectoryTorrent } from './directoryTorrent.js';
import { FORMAT_OF, PREFIX_CLIENTS, downloadPrefix } from './downloadPrefix.js';
import type { PrefixClient, PrefixDownload } from './downloadPrefix.js';
import { AWKWARD_TREE, PREFIX_PIECE_LENGTH, treeDigests, uploadTree, writeTree } from './prefixTree.js';
import { withWebseeds } from './torrentRewrite.js';
import { sortWebseedRequests } from './webseedRequests.js';
import type { WebseedRequests } from './webseedRequests.js';

// A multi-file torrent's only source is S3 itself (BEP 19, multi-file form): the url-list entry
// is the prefix's PARENT URL, ending in '/', so that url + name + '/' + path is each object's
// public URL — the form the prefix API emits. The torrents here are python3-libtorrent's own
// (no tracker) for the directory the objects were uploaded from. Each real client downloads the
// whole tree from the webseed alone, through its own loopback proxy in front of the stack's S3
// that records every request it sends (the url-list is outside the info dict: pointing it at
// the proxy changes no infohash).

const SEED = 'e2e-prefix-webseed';
const PREFIX = 'data/set1/';
/** A webseed-only download of the ~14 MiB tree takes seconds; Transmission ramps up slowest. */
const RUN_TIMEOUT_MS = 120_000;

interface Outcome {
  readonly client: PrefixClient;
  readonly download: PrefixDownload | string;
  readonly requests: WebseedRequests;
}

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
    // Act: all four at once, each from the webseed alone, each through its own recording proxy.
    const outcomes = await Promise.all(PREFIX_CLIENTS.map(async (client): Promise<Outcome> => {
      const proxy = await startRecordingProxy(stack.endpoints.s3);
      proxies.push(proxy);
      const torrent = withWebseeds(torrents.get(FORMAT_OF[client]) as Uint8Array, [`${proxy.endpoint}/${stack.demoBucket}/data/`]);
      let download: PrefixDownload | string;
      try {
        download = await downloadPrefix(client, torrent, { kind: 'webseed' }, digests, { outDir: join(root, client), timeoutMs: RUN_TIMEOUT_MS });
      } catch (error) {
        download = error instanceof Error ? error.message.slice(0, 3000) : String(error);
      }
      return { client, download, requests: sortWebseedRequests(proxy.requests, stack.demoBucket, PREFIX) };
    }));
    console.log(describeOutcomes(outcomes));

    // Assess: every non-empty file matches, pads (if written at all) are zeros, and S3 saw only
    // unsigned GETs of the members' own URLs, every non-empty member at least once.
    const nonEmpty = AWKWARD_TREE.filter((file) => file.size > 0).map((file) => file.path).sort();
    expect(outcomes.map(({ client, download, requests }) => (typeof download === 'string' ? { client, failed: download } : {
      client,
      problems: download.problems,
      nonEmptyMatched: download.matched.filter((path) => digests.get(path) !== EMPTY_SHA256).sort(),
      padsNotZero: download.padFiles.filter((pad) => !pad.allZeros).map((pad) => pad.path),
      objectsRequested: [...requests.getsPerMember.keys()],
      otherRequests: requests.other,
    }))).toEqual(PREFIX_CLIENTS.map((client) => ({
      client, problems: [], nonEmptyMatched: nonEmpty, padsNotZero: [], objectsRequested: nonEmpty, otherRequests: [],
    })));
  }, 300_000);
});

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The record printed with the run: per client, what it saved, its pad files and its requests. */
function describeOutcomes(outcomes: readonly Outcome[]): string {
  const lines = ['webseed-only prefix downloads:'];
  for (const { client, download, requests } of outcomes) {
    const gets = [...requests.getsPerMember.values()].reduce((a, b) => a + b, 0);
    const perMember = [...requests.getsPerMember].map(([path, count]) => `${path}×${count}`).join(' ');
    const other = requests.other.length === 0 ? '' : `; ${requests.other.length} other requests, e.g. ${requests.other.slice(0, 3).join(', ')}`;
    if (typeof download === 'string') {
      lines.push(`  ${client}: FAILED ${download.split('\n')[0] ?? ''}; ${gets} member GETs [${perMember}]${other}`);
      continue;
    }
    const pads = download.padFiles;
    lines.push(`  ${client}: ${download.matched.length} files match; empty files not created: [${download.missingEmptyFiles.join(', ')}]; `
      + `pad files on disk: ${pads.length}${pads.length > 0 ? ` (${pads.every((pad) => pad.allZeros) ? 'all zeros' : 'NOT all zeros'})` : ''}; `
      + `${gets} member GETs [${perMember}]${other}`);
  }
  return lines.join('\n');
}
