import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { freeLoopbackPort } from '../../../src/local/ports.js';
import { pollUntil, startProcess, superviseClient } from './process.js';
import type { ClientRun } from './types.js';

const CLIENT = 'transmission-cli';

/** How often the completion marker is looked for. */
const POLL_MS = 100;

/**
 * A fresh profile: no DHT, LPD, PEX, uTP or port mapping, bound to loopback. Partial files
 * keep their final name so the marker's path is the file itself.
 */
function settings(outDir: string, peerPort: number): string {
  return JSON.stringify({
    'dht-enabled': false,
    'lpd-enabled': false,
    'pex-enabled': false,
    'utp-enabled': false,
    'port-forwarding-enabled': false,
    'blocklist-enabled': false,
    'rpc-enabled': false,
    'bind-address-ipv4': '127.0.0.1',
    'bind-address-ipv6': '::1',
    'peer-port': peerPort,
    'download-dir': outDir,
    'incomplete-dir-enabled': false,
    'rename-partial-files': false,
    'start-added-torrents': true,
  }, null, 2);
}

/**
 * Downloads a v1 .torrent with transmission-cli 3.00 (it rejects hybrid and v2 torrents: it
 * refuses any dict with a `""` key, which BEP 52's `file tree` has).
 *
 * Transmission never dials tracker peers on 127.0.0.0/8 (it treats them as martians): on
 * loopback it downloads only when the seeder connects to it. It announces its listen port to
 * the tracker, so the seeder must re-announce and dial the peers it learns. Webseeds (url-list)
 * work without any peer.
 *
 * transmission-cli never exits on its own: completion is the `-f` script writing a marker,
 * after which the process is killed.
 *
 * @returns the path of the downloaded file (`outDir/<torrent name>`).
 * @throws ClientError on timeout or early exit, with Transmission's output tail.
 */
async function downloadWithTransmission(source: { readonly torrentFile: string }, run: ClientRun): Promise<string> {
  const outDir = resolve(run.outDir);
  const configDir = await mkdtemp(join(tmpdir(), 's3t-transmission-'));
  try {
    const peerPort = await freeLoopbackPort();
    await mkdir(outDir, { recursive: true });
    await writeFile(join(configDir, 'settings.json'), settings(outDir, peerPort));
    const marker = join(configDir, 'done.txt');
    const script = join(configDir, 'done.sh');
    // Written then renamed, so that the poller never reads a half-written path.
    await writeFile(script, `#!/bin/sh\nprintf '%s' "$TR_TORRENT_DIR/$TR_TORRENT_NAME" > '${marker}.tmp' && mv '${marker}.tmp' '${marker}'\n`);
    await chmod(script, 0o755);
    const args = ['-g', configDir, '-w', outDir, '-M', '-p', String(peerPort), '-f', script, resolve(source.torrentFile)];
    const proc = startProcess(CLIENT, args);
    return await superviseClient(CLIENT, run, proc, (signal) =>
      pollUntil(() => readFile(marker, 'utf8').catch(() => undefined), POLL_MS, signal));
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}

export { downloadWithTransmission };
