import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

import { freeLoopbackPort } from '../../../src/local/ports.js';
import { ClientError } from './ClientError.js';
import { pollUntil, startProcess, superviseClient, within } from './process.js';
import type { ClientRun, TorrentSource } from './types.js';

const CLIENT = 'qbittorrent-nox';

/** How often the WebUI API is polled. */
const POLL_MS = 150;

/** Each API call; the WebUI answers in milliseconds on loopback. */
const REQUEST_TIMEOUT_MS = 3_000;

/** qBittorrent announces "stopped" to its trackers on shutdown; after this it is killed. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * States that mean "complete and checked" (qBittorrent 4.5 names). `checkingUP` is left out:
 * progress is already 1 while it re-verifies.
 */
const SEEDING_STATES: ReadonlySet<string> = new Set(['uploading', 'stalledUP', 'queuedUP', 'forcedUP', 'pausedUP', 'stoppedUP']);

/**
 * The WebUI and peer ports are picked free (src/local/ports.ts) and bound by qBittorrent a
 * moment later; in that gap another process may take one, and qBittorrent exits with "Unable to
 * bind". That is the harness's race, not the client's: it starts again on new ports, this often.
 */
const MAX_START_ATTEMPTS = 3;
/** What qBittorrent prints when the WebUI port was taken. */
const BIND_FAILURE = /Unable to bind to IP/;

/** States that will not finish by waiting. */
const FAILED_STATES: ReadonlySet<string> = new Set(['error', 'missingFiles']);

/** The part of `/api/v2/torrents/info` entries used here. */
interface TorrentInfo {
  readonly name: string;
  readonly progress: number;
  readonly state: string;
  readonly content_path?: string;
  readonly num_seeds?: number;
  readonly num_leechs?: number;
  readonly tracker?: string;
}

/**
 * The profile, written before the first start: a default profile turns on DHT, LSD and UPnP on
 * every interface. Transports and encryption stay as a user has them ("TCP and µTP", uTP tried
 * first). Only what loopback needs changes: several connections per IP (every peer is
 * 127.0.0.1); SSRF mitigation off (it refuses webseeds on localhost with a query string, such
 * as presigned URLs); queueing off (a queued torrent never starts). The WebUI answers loopback
 * without login.
 */
function config(outDir: string, peerPort: number, webUiPort: number): string {
  return [
    '[LegalNotice]',
    'Accepted=true',
    '',
    '[BitTorrent]',
    'Session\\DHTEnabled=false',
    'Session\\LSDEnabled=false',
    'Session\\PeXEnabled=false',
    `Session\\Port=${peerPort}`,
    'Session\\Interface=lo',
    'Session\\InterfaceName=lo',
    'Session\\InterfaceAddress=127.0.0.1',
    `Session\\DefaultSavePath=${outDir}`,
    'Session\\TempPathEnabled=false',
    'Session\\MultiConnectionsPerIp=true',
    'Session\\SSRFMitigation=false',
    'Session\\QueueingSystemEnabled=false',
    '',
    '[Preferences]',
    'Connection\\UPnP=false',
    'Connection\\ResolvePeerCountries=false',
    'WebUI\\Address=127.0.0.1',
    `WebUI\\Port=${webUiPort}`,
    'WebUI\\LocalHostAuth=false',
    'WebUI\\CSRFProtection=false',
    'WebUI\\HostHeaderValidation=false',
    '',
  ].join('\n');
}

/** A WebUI API call; non-2xx replies throw with the body. */
async function api(base: string, path: string, body?: FormData | URLSearchParams): Promise<string> {
  const init: RequestInit = { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  if (body !== undefined) Object.assign(init, { method: 'POST', body });
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text}`);
  return text;
}

/** The add-torrent form: the .torrent as a file part, or the magnet in `urls`. */
async function addForm(source: TorrentSource, outDir: string): Promise<FormData> {
  const form = new FormData();
  if ('torrentFile' in source) {
    const bytes = await readFile(source.torrentFile);
    form.append('torrents', new Blob([bytes], { type: 'application/x-bittorrent' }), basename(source.torrentFile));
  } else {
    form.append('urls', source.magnet);
  }
  form.append('savepath', outDir);
  form.append('paused', 'false');
  return form;
}

/**
 * Downloads with qbittorrent-nox 4.5 (libtorrent 2.0 inside): v1, hybrid and v2 .torrent files
 * and magnets, from trackers and webseeds. It runs in a fresh profile with its WebUI on
 * loopback; done means progress 1 in a seeding state, after which it is shut down through the
 * API and its process tree killed.
 *
 * @returns the path of the downloaded file (`outDir/<torrent name>`).
 * @throws ClientError on timeout, early exit or an error state, with qBittorrent's output tail.
 */
async function downloadWithQbittorrent(source: TorrentSource, run: ClientRun): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await downloadOnce(source, run);
    } catch (error) {
      const lostPort = error instanceof ClientError && BIND_FAILURE.test(error.outputTail);
      if (!lostPort || attempt >= MAX_START_ATTEMPTS) throw error;
    }
  }
}

/** One qBittorrent process from start to shutdown (downloadWithQbittorrent's attempts). */
async function downloadOnce(source: TorrentSource, run: ClientRun): Promise<string> {
  const outDir = resolve(run.outDir);
  const profile = await mkdtemp(join(tmpdir(), 's3t-qbittorrent-'));
  try {
    const webUiPort = await freeLoopbackPort();
    const base = `http://127.0.0.1:${webUiPort}`;
    await mkdir(outDir, { recursive: true });
    await mkdir(join(profile, 'qBittorrent', 'config'), { recursive: true });
    await writeFile(join(profile, 'qBittorrent', 'config', 'qBittorrent.conf'), config(outDir, await freeLoopbackPort(), webUiPort));
    const proc = startProcess(CLIENT, [`--profile=${profile}`]);
    // Its console says nothing useful after start-up: a failure reports the last API view.
    let last: TorrentInfo | undefined;
    return await superviseClient(CLIENT, run, proc, async (signal) => {
      await pollUntil(() => api(base, '/api/v2/app/version').catch(() => undefined), POLL_MS, signal);
      const added = await api(base, '/api/v2/torrents/add', await addForm(source, outDir));
      if (added.trim() !== 'Ok.') throw new Error(`torrents/add answered ${JSON.stringify(added)}`);
      const done = await pollUntil(async () => {
        const [torrent] = JSON.parse(await api(base, '/api/v2/torrents/info')) as TorrentInfo[];
        last = torrent;
        if (torrent !== undefined && FAILED_STATES.has(torrent.state)) throw new Error(`torrent state ${torrent.state}`);
        return torrent !== undefined && torrent.progress === 1 && SEEDING_STATES.has(torrent.state) ? torrent : undefined;
      }, POLL_MS, signal);
      return done.content_path ?? join(outDir, done.name);
    }, {
      lastState: () => (last === undefined ? undefined : JSON.stringify({
        state: last.state, progress: last.progress, seeds: last.num_seeds, leechers: last.num_leechs, tracker: last.tracker,
      })),
      // A clean shutdown first; the process-tree kill that follows is the fallback.
      shutdown: async () => {
        await api(base, '/api/v2/app/shutdown', new URLSearchParams());
        await within(proc.exited, SHUTDOWN_GRACE_MS);
      },
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

export { downloadWithQbittorrent };
