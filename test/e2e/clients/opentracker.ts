import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freeLoopbackPort } from '../../../src/local/ports.js';
import { ClientError } from './ClientError.js';
import { describeExit, pollUntil, startProcess, within } from './process.js';

/** opentracker binds in milliseconds; this bounds a broken start. */
const START_TIMEOUT_MS = 5_000;

/** A running opentracker. */
interface RunningTracker {
  /** `http://127.0.0.1:P/announce` */
  readonly httpAnnounce: string;
  /** `udp://127.0.0.1:P/announce` (same port number, UDP) */
  readonly udpAnnounce: string;
  stop(): Promise<void>;
}

/** Options of {@link startOpentracker}. */
interface OpentrackerOptions {
  /**
   * Port for both HTTP (TCP) and UDP; pass one when the torrents naming this tracker must be
   * written before the tracker can start (the whitelist needs their infohashes).
   * @default a free loopback port
   */
  readonly port?: number;
}

async function acceptsConnections(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

/**
 * Starts Debian's opentracker on loopback. That build is whitelist-only: every announce for an
 * infohash not listed is refused, so `infoHashes` lists every hash clients will announce (for
 * a hybrid torrent, the v1 hash and the first 40 hex digits of the v2 hash). It chroots into a
 * fresh directory and drops to `nobody`, so that directory and the whitelist are made readable
 * for all; the whitelist path is given relative to the chroot.
 *
 * Note: opentracker hands an announcing peer back its own address among the peers.
 */
async function startOpentracker(infoHashes: readonly string[], options: OpentrackerOptions = {}): Promise<RunningTracker> {
  const dir = await mkdtemp(join(tmpdir(), 's3t-opentracker-'));
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'whitelist.txt'), infoHashes.map((hash) => `${hash.toLowerCase()}\n`).join(''), { mode: 0o644 });
  const port = options.port ?? await freeLoopbackPort();
  const proc = startProcess('opentracker', ['-i', '127.0.0.1', '-p', String(port), '-P', String(port), '-d', dir, '-w', 'whitelist.txt']);
  const stop = async (): Promise<void> => {
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const timeout = new AbortController();
  const ready = await within(Promise.race([pollUntil(() => acceptsConnections(port), 50, timeout.signal), proc.exited]), START_TIMEOUT_MS);
  timeout.abort();
  if (ready !== true) {
    const reason = ready === undefined ? `not listening on ${port} after ${START_TIMEOUT_MS} ms` : describeExit(ready);
    await stop();
    throw new ClientError('opentracker', undefined, reason, proc.outputTail());
  }
  return { httpAnnounce: `http://127.0.0.1:${port}/announce`, udpAnnounce: `udp://127.0.0.1:${port}/announce`, stop };
}

export { startOpentracker };
export type { OpentrackerOptions, RunningTracker };
