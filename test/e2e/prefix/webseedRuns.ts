import { join } from 'node:path';

import { startRecordingProxy } from '../../helpers/recordingProxy.js';
import type { RecordingProxy } from '../../helpers/recordingProxy.js';
import { FORMAT_OF, PREFIX_CLIENTS, downloadPrefix } from './downloadPrefix.js';
import type { PrefixClient, PrefixDownload, PrefixSource } from './downloadPrefix.js';
import type { TreeFile } from './prefixTree.js';
import { torrentFiles } from './torrentFiles.js';
import { withWebseeds } from './torrentRewrite.js';
import { sortWebseedRequests } from './webseedRequests.js';
import type { WebseedRequests } from './webseedRequests.js';

/** sha-256 of no bytes: a zero-byte file's digest. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** One client's run: its checked download (or why it failed) and, from the webseed, what it asked the webseed. */
interface ClientOutcome {
  readonly client: PrefixClient;
  readonly download: PrefixDownload | string;
  readonly requests?: WebseedRequests;
}

/** Where a run of all four clients takes the bytes from. */
interface AllClientsRun {
  /** The torrent each client gets, by format (url-list `<S3 or API>/<bucket>/<parent>/`). */
  readonly torrents: ReadonlyMap<'v1' | 'hybrid', Uint8Array>;
  readonly digests: ReadonlyMap<string, string>;
  /** Each client saves into `<outRoot>/<client>`. */
  readonly outRoot: string;
  readonly timeoutMs: number;
}

/**
 * The four clients at once. From the webseed: each through its own recording proxy in front of
 * the torrent's own url-list host (S3 for hybrid, the API for v1; the url-list points at the
 * proxy, same path: the infohash stays), so every request is known to be that client's. From
 * the seeder: `source` as given.
 */
async function runAllClients(
  run: AllClientsRun,
  source: { readonly kind: 'webseed'; readonly bucket: string; readonly prefix: string; readonly proxies: RecordingProxy[] }
    | Extract<PrefixSource, { kind: 'seeder' }>,
  clients: readonly PrefixClient[] = PREFIX_CLIENTS,
): Promise<ClientOutcome[]> {
  return Promise.all(clients.map(async (client): Promise<ClientOutcome> => {
    let torrent = run.torrents.get(FORMAT_OF[client]) as Uint8Array;
    let proxy: RecordingProxy | undefined;
    if (source.kind === 'webseed') {
      const [webseed] = torrentFiles(torrent).webseeds;
      if (webseed === undefined) throw new Error(`the ${FORMAT_OF[client]} torrent has no url-list`);
      const url = new URL(webseed);
      proxy = await startRecordingProxy(url.origin);
      source.proxies.push(proxy);
      torrent = withWebseeds(torrent, [`${proxy.endpoint}${url.pathname}`]);
    }
    let download: PrefixDownload | string;
    try {
      const from: PrefixSource = source.kind === 'webseed' ? { kind: 'webseed' } : source;
      download = await downloadPrefix(client, torrent, from, run.digests, { outDir: join(run.outRoot, client), timeoutMs: run.timeoutMs });
    } catch (error) {
      download = error instanceof Error ? error.message.slice(0, 3000) : String(error);
    }
    if (proxy === undefined || source.kind !== 'webseed') return { client, download };
    return { client, download, requests: sortWebseedRequests(proxy.requests, source.bucket, source.prefix) };
  }));
}

/** What a test compares: per client, what is wrong with its download and what it asked S3. */
function summaryOf(outcome: ClientOutcome, digests: ReadonlyMap<string, string>): Record<string, unknown> {
  const { client, download, requests } = outcome;
  if (typeof download === 'string') return { client, failed: download };
  return {
    client,
    problems: download.problems,
    nonEmptyMatched: download.matched.filter((path) => digests.get(path) !== EMPTY_SHA256).sort(),
    padsNotZero: download.padFiles.filter((pad) => !pad.allZeros).map((pad) => pad.path),
    ...(requests === undefined ? {} : { objectsRequested: [...requests.getsPerMember.keys()], otherRequests: requests.other }),
  };
}

/** The summary of a download that went right: every non-empty file, and from the webseed only GETs of them. */
function expectedSummary(client: PrefixClient, tree: readonly TreeFile[], fromWebseed: boolean): Record<string, unknown> {
  const nonEmpty = tree.filter((file) => file.size > 0).map((file) => file.path).sort();
  return { client, problems: [], nonEmptyMatched: nonEmpty, padsNotZero: [], ...(fromWebseed ? { objectsRequested: nonEmpty, otherRequests: [] } : {}) };
}

/** The record printed with a run: per client, what it saved, its pad files and its requests. */
function describeOutcomes(title: string, outcomes: readonly ClientOutcome[]): string {
  const lines = [title];
  for (const { client, download, requests } of outcomes) {
    let fetched = '';
    if (requests !== undefined) {
      const gets = [...requests.getsPerMember.values()].reduce((a, b) => a + b, 0);
      const perMember = [...requests.getsPerMember].map(([path, count]) => `${path}×${count}`).join(' ');
      const other = requests.other.length === 0 ? '' : `; ${requests.other.length} other requests, e.g. ${requests.other.slice(0, 3).join(', ')}`;
      fetched = `; ${gets} member GETs [${perMember}]; ${requests.padGets} pad GETs${other}`;
    }
    if (typeof download === 'string') {
      lines.push(`  ${client}: FAILED ${download.split('\n')[0] ?? ''}${fetched}`);
      continue;
    }
    const pads = download.padFiles;
    lines.push(`  ${client}: ${download.matched.length} files match; zero-byte files not created: [${download.missingEmptyFiles.join(', ')}]; `
      + `pad files on disk: ${pads.length}${pads.length > 0 ? ` (${pads.every((pad) => pad.allZeros) ? 'all zeros' : 'NOT all zeros'})` : ''}${fetched}`);
  }
  return lines.join('\n');
}

export { EMPTY_SHA256, describeOutcomes, expectedSummary, runAllClients, summaryOf };
export type { AllClientsRun, ClientOutcome };
