import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { freeLoopbackPort } from '../../../src/local/ports.js';
import { ClientError } from './ClientError.js';
import { describeExit, startProcess, superviseClient } from './process.js';
import { sourceArgument, torrentName } from './torrentName.js';
import type { ClientRun, TorrentSource } from './types.js';

const CLIENT = 'aria2c';

/** aria2c's log line for each finished download (metadata of a magnet included). */
const DOWNLOAD_COMPLETE = /Download complete: (.+)$/gm;

/** Options of one aria2c run. */
interface Aria2cRun extends ClientRun {
  /**
   * Use the torrent's `udp://` trackers. aria2 1.36 speaks UDP trackers only with DHT on, so
   * this turns DHT on with a fresh routing-table file and no bootstrap node: it stays silent.
   * @default false
   */
  readonly useUdpTrackers?: boolean;
  /** Download rate cap (bytes per second), e.g. to keep a download going while a test acts. @default none */
  readonly maxDownloadBytesPerSecond?: number;
}

/** Where aria2c saved a magnet's payload: the last "Download complete" that is not metadata. */
function completedPath(output: string): string | undefined {
  const paths = [...output.matchAll(DOWNLOAD_COMPLETE)].map((match) => (match[1] ?? '').trim());
  return paths.filter((path) => !path.startsWith('[MEMORY]')).at(-1);
}

/**
 * Downloads with aria2c on loopback (no DHT unless asked, no LPD, no PEX, IPv4 only). aria2c
 * exits 0 once every piece has passed its hash check (`--seed-time=0`).
 *
 * @returns the path of the downloaded file (`outDir/<torrent name>`).
 * @throws ClientError on a non-zero exit or timeout, with aria2c's output tail.
 */
async function downloadWithAria2c(source: TorrentSource, run: Aria2cRun): Promise<string> {
  const outDir = resolve(run.outDir);
  const stateDir = await mkdtemp(join(tmpdir(), 's3t-aria2c-'));
  try {
    const dht = run.useUdpTrackers === true
      ? ['--enable-dht=true', `--dht-listen-port=${await freeLoopbackPort()}`, `--dht-file-path=${join(stateDir, 'dht.dat')}`]
      : ['--enable-dht=false'];
    const args = [
      `--dir=${outDir}`,
      // Binds the BitTorrent listener, DHT socket and outgoing connections to loopback.
      '--interface=127.0.0.1',
      '--disable-ipv6=true',
      ...dht,
      '--enable-dht6=false',
      '--bt-enable-lpd=false',
      '--enable-peer-exchange=false',
      `--listen-port=${await freeLoopbackPort()}`,
      '--seed-time=0',
      ...(run.maxDownloadBytesPerSecond === undefined ? [] : [`--max-download-limit=${run.maxDownloadBytesPerSecond}`]),
      // Gives up on its own when nothing arrives for the whole run (the harness kills it anyway).
      `--bt-stop-timeout=${Math.max(1, Math.ceil(run.timeoutMs / 1000))}`,
      // Preallocation costs seconds on large files and proves nothing here.
      '--file-allocation=none',
      '--allow-overwrite=true',
      '--auto-file-renaming=false',
      '--summary-interval=0',
      '--enable-color=false',
      '--console-log-level=notice',
      // A second safety net: aria2c stops by itself if the test process dies.
      `--stop-with-process=${process.pid}`,
      sourceArgument(source),
    ];
    const proc = startProcess(CLIENT, args);
    return await superviseClient(CLIENT, run, proc, async () => {
      const status = await proc.exited;
      if (status.code !== 0) throw new Error(describeExit(status));
      if ('torrentFile' in source) return join(outDir, await torrentName(source.torrentFile));
      const path = completedPath(proc.outputTail());
      if (path === undefined) throw new ClientError(CLIENT, run.label, 'no "Download complete" line', proc.outputTail());
      return path;
    }, { exitIsFailure: false });
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

export { downloadWithAria2c };
export type { Aria2cRun };
