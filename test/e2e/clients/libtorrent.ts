import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SYSTEM_PYTHON } from '../../helpers/tools.js';
import { ClientError } from './ClientError.js';
import { describeExit, startProcess, superviseClient, within } from './process.js';
import { sourceArgument } from './torrentName.js';
import type { ClientRun, RunningSeeder, TorrentSource } from './types.js';

const CLIENT = 'libtorrent';

/** The seeder is up within a second; this only bounds a broken start. */
const SEEDER_START_TIMEOUT_MS = 15_000;

const here = dirname(fileURLToPath(import.meta.url));

/** A JSON line the Python scripts print on stdout. */
interface ScriptEvent {
  readonly event: string;
  readonly port?: number;
  readonly path?: string;
  readonly seconds?: number;
}

function parseEvent(line: string): ScriptEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as ScriptEvent;
  } catch {
    return undefined;
  }
}

/** A promise for the first script event named `name`, and the line handler that feeds it. */
function eventWaiter(name: string): { readonly onLine: (line: string) => void; readonly event: Promise<ScriptEvent> } {
  let deliver: (event: ScriptEvent) => void = () => undefined;
  const event = new Promise<ScriptEvent>((resolve) => {
    deliver = resolve;
  });
  const onLine = (line: string): void => {
    const parsed = parseEvent(line);
    if (parsed?.event === name) deliver(parsed);
  };
  return { onLine, event };
}

/** How libtorrent may connect: its defaults (uTP tried first, then TCP), TCP only, or uTP only. */
type LibtorrentTransport = 'default' | 'tcp' | 'utp';

/** Options of {@link downloadWithLibtorrent}. */
interface LibtorrentDownloadOptions {
  /** @default 'default' (as a user has it) */
  readonly transport?: LibtorrentTransport;
  /** A peer to connect to at once (127.0.0.1 and its port). */
  readonly peer?: { readonly host: string; readonly port: number };
  /**
   * Drops the .torrent's trackers (the infohash stays the same), so `peer` is the only one:
   * nothing dials the client and nothing else competes with the transport being measured.
   * @default false
   */
  readonly noTrackers?: boolean;
}

/** A finished download, timed by the client from the moment the torrent was added. */
interface LibtorrentDownload {
  readonly path: string;
  /** When the first payload byte arrived. */
  readonly firstByteSeconds: number;
  /** When every piece had passed its hash check. */
  readonly doneSeconds: number;
}

/**
 * Downloads with python3-libtorrent 2.0 (test/e2e/clients/libtorrent_download.py): v1, hybrid
 * and v2 .torrent files, v1 magnets (`urn:btih:`) and v2 magnets (`urn:btmh:1220…`), peers from
 * trackers and webseeds (url-list). It reports done once every piece has passed its hash check.
 *
 * @returns the path of the downloaded file (`outDir/<torrent name>`).
 * @throws ClientError on timeout or early exit, with the script's alert log.
 */
async function downloadWithLibtorrent(source: TorrentSource, run: ClientRun, options: LibtorrentDownloadOptions = {}): Promise<string> {
  return (await timedLibtorrentDownload(source, run, options)).path;
}

/**
 * {@link downloadWithLibtorrent}, also reporting when the first payload byte arrived.
 * @throws ClientError on timeout or early exit, with the script's alert log.
 */
async function timedLibtorrentDownload(source: TorrentSource, run: ClientRun, options: LibtorrentDownloadOptions = {}): Promise<LibtorrentDownload> {
  const outDir = resolve(run.outDir);
  await mkdir(outDir, { recursive: true });
  const argument = 'torrentFile' in source ? resolve(source.torrentFile) : sourceArgument(source);
  const flags = [`--transport=${options.transport ?? 'default'}`];
  if (options.peer !== undefined) flags.push(`--peer=${options.peer.host}:${options.peer.port}`);
  if (options.noTrackers === true) flags.push('--no-trackers');
  const done = eventWaiter('done');
  const firstByte = eventWaiter('first_byte');
  const onLine = (line: string): void => {
    done.onLine(line);
    firstByte.onLine(line);
  };
  const proc = startProcess(SYSTEM_PYTHON, [join(here, 'libtorrent_download.py'), argument, outDir, ...flags], { onStdoutLine: onLine });
  return superviseClient(CLIENT, run, proc, async () => {
    const event = await done.event;
    if (event.path === undefined) throw new Error('done event without a path');
    // The script reports first_byte before done, always.
    const first = await firstByte.event;
    return { path: event.path, firstByteSeconds: first.seconds ?? Number.NaN, doneSeconds: event.seconds ?? Number.NaN };
  });
}

/** Options of {@link seedWithLibtorrent}. */
interface LibtorrentSeedOptions {
  /**
   * TCP port to listen on (127.0.0.1).
   * @default 0 (the kernel picks a free one; the chosen port is returned)
   */
  readonly port?: number;
}

/**
 * Seeds `torrentFile` with python3-libtorrent from the data already in `dataDir` (the file at
 * `dataDir/<torrent name>`), trusted without a full recheck (seed mode). When the torrent has
 * trackers, this resolves only after every infohash it announces (v1 and v2 for a hybrid) got
 * a tracker reply, so a leecher started afterwards finds it at once. It re-announces every
 * second and dials the leechers it learns of, which Transmission needs.
 *
 * @returns the listen port and a `stop()` that kills the seeder's process tree.
 * @throws ClientError if it exits or does not start in time.
 */
async function seedWithLibtorrent(
  torrentFile: string,
  dataDir: string,
  options: LibtorrentSeedOptions = {},
): Promise<RunningSeeder> {
  const listening = eventWaiter('listening');
  const args = [join(here, 'libtorrent_seed.py'), resolve(torrentFile), resolve(dataDir), String(options.port ?? 0)];
  const proc = startProcess(SYSTEM_PYTHON, args, { onStdoutLine: listening.onLine });
  const started = await within(Promise.race([listening.event, proc.exited]), SEEDER_START_TIMEOUT_MS);
  if (started === undefined || !('event' in started) || started.port === undefined) {
    const reason = started === undefined ? `no listening event within ${SEEDER_START_TIMEOUT_MS} ms`
      : 'event' in started ? 'listening event without a port' : describeExit(started);
    await proc.stop();
    throw new ClientError(`${CLIENT} seeder`, torrentFile, reason, proc.outputTail());
  }
  return { port: started.port, pid: proc.pid, stop: () => proc.stop() };
}

export { downloadWithLibtorrent, seedWithLibtorrent, timedLibtorrentDownload };
export type { LibtorrentDownload, LibtorrentDownloadOptions, LibtorrentSeedOptions, LibtorrentTransport };
