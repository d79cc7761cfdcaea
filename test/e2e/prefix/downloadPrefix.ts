import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

import { decodeBencode } from '../../../src/torrent/index.js';
import { downloadWithAria2c, downloadWithLibtorrent, downloadWithQbittorrent, downloadWithTransmission } from '../clients/index.js';
import type { ClientRun } from '../clients/index.js';
import { withoutTrackers, withoutWebseeds } from './torrentRewrite.js';

/**
 * The real clients a prefix torrent is downloaded with. libtorrent and qBittorrent read hybrid
 * torrents; aria2c 1.36 and Transmission 3.00 read only v1 (see the clients' notes).
 */
type PrefixClient = 'libtorrent' | 'qbittorrent' | 'aria2c' | 'transmission';
const PREFIX_CLIENTS: readonly PrefixClient[] = ['libtorrent', 'qbittorrent', 'aria2c', 'transmission'];

/** Which torrent format a client is given. */
const FORMAT_OF: Readonly<Record<PrefixClient, 'hybrid' | 'v1'>> = {
  libtorrent: 'hybrid',
  qbittorrent: 'hybrid',
  aria2c: 'v1',
  transmission: 'v1',
};

/**
 * Where the bytes may come from.
 * - `webseed`: the torrent's url-list alone; its trackers are taken out.
 * - `seeder`: peers alone; the url-list is taken out, the trackers stay (aria2c, qBittorrent and
 *   Transmission find the seeder through them; Transmission only when the seeder dials it),
 *   and libtorrent is also handed `peer` directly.
 * Either way only keys outside the info dict change: the infohashes stay the same.
 */
type PrefixSource = { readonly kind: 'webseed' } | { readonly kind: 'seeder'; readonly peer: { readonly host: string; readonly port: number } };

/** A pad file a client wrote to disk (BEP 47 says it should not). */
interface PadFileOnDisk {
  readonly path: string;
  readonly size: number;
  /** Whether it holds only zeros, as a pad must. */
  readonly allZeros: boolean;
}

/** A finished download, checked file by file. */
interface PrefixDownload {
  readonly client: PrefixClient;
  /** The directory the client saved the torrent in (`outDir/<torrent name>`). */
  readonly root: string;
  /** Files whose sha-256 matched the source. */
  readonly matched: readonly string[];
  /** Files missing or different (non-empty ones), or present but not in the source: each a reason. */
  readonly problems: readonly string[];
  /** Zero-byte source files the client did not create (a choice some clients make, reported apart). */
  readonly missingEmptyFiles: readonly string[];
  readonly padFiles: readonly PadFileOnDisk[];
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Every regular file under `root`, as '/'-separated paths relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** The info dict's `name`: the directory every client saves a multi-file torrent in. */
function torrentNameOf(torrent: Uint8Array): string {
  const root = decodeBencode(torrent);
  const info = root instanceof Map ? root.get('info') : undefined;
  const name = info instanceof Map ? info.get('name') : undefined;
  if (!(name instanceof Uint8Array)) throw new TypeError('no info.name');
  return Buffer.from(name).toString('utf8');
}

/** Whether a path under the torrent's root is a BEP 47 pad file (libtorrent names them `.pad/<n>`). */
const isPadPath = (path: string): boolean => path.startsWith('.pad/');

/**
 * Compares what is on disk under `root` with `digests` (sha-256 hex by '/'-separated path):
 * every source file present with the same bytes, nothing else but pad files, which must be zeros.
 */
async function checkTree(client: PrefixClient, root: string, digests: ReadonlyMap<string, string>): Promise<PrefixDownload> {
  const onDisk = await filesUnder(root).catch(() => [] as string[]);
  const matched: string[] = [];
  const problems: string[] = [];
  const missingEmptyFiles: string[] = [];
  const padFiles: PadFileOnDisk[] = [];
  const emptyDigest = sha256(new Uint8Array());
  for (const [path, digest] of digests) {
    if (!onDisk.includes(path)) {
      if (digest === emptyDigest) missingEmptyFiles.push(path);
      else problems.push(`${path}: missing`);
      continue;
    }
    const actual = sha256(await readFile(join(root, ...path.split('/'))));
    if (actual === digest) matched.push(path);
    else problems.push(`${path}: sha-256 ${actual}, expected ${digest}`);
  }
  for (const path of onDisk.filter((p) => !digests.has(p))) {
    if (!isPadPath(path)) {
      problems.push(`${path}: not in the source`);
      continue;
    }
    const bytes = await readFile(join(root, ...path.split('/')));
    padFiles.push({ path, size: bytes.length, allZeros: bytes.every((byte) => byte === 0) });
  }
  return { client, root, matched, problems, missingEmptyFiles, padFiles };
}

/** Options of {@link downloadPrefix}: a bounded client run. */
interface PrefixRun extends ClientRun {
  /** aria2c only: its download rate cap (bytes per second), to keep a download going while a test acts. */
  readonly maxDownloadBytesPerSecond?: number;
}

/**
 * Downloads a multi-file torrent with one real client, from `source` alone, into
 * `run.outDir/<name>`, then checks every file against `digests` (sha-256 hex by path under the
 * torrent's root) and records what the client did with BEP 47 pad files. The run is bounded by
 * `run.timeoutMs`; discovery (DHT, LSD, PEX, UPnP, NAT-PMP) is off in every client.
 *
 * @throws ClientError when the client fails or times out (the check is not reached).
 */
async function downloadPrefix(
  client: PrefixClient,
  torrent: Uint8Array,
  source: PrefixSource,
  digests: ReadonlyMap<string, string>,
  run: PrefixRun,
): Promise<PrefixDownload> {
  const outDir = resolve(run.outDir);
  const only = source.kind === 'webseed' ? withoutTrackers(torrent) : withoutWebseeds(torrent);
  await mkdir(outDir, { recursive: true });
  // Kept out of outDir: the check reads every file there.
  const torrentFile = `${outDir}.${source.kind}.torrent`;
  await writeFile(torrentFile, only);
  const { maxDownloadBytesPerSecond, ...rest } = run;
  const clientRun: ClientRun = { ...rest, outDir, label: run.label ?? `${client} ${source.kind}` };
  switch (client) {
    case 'libtorrent':
      await downloadWithLibtorrent({ torrentFile }, clientRun, source.kind === 'seeder' ? { peer: source.peer } : {});
      break;
    case 'qbittorrent':
      await downloadWithQbittorrent({ torrentFile }, clientRun);
      break;
    case 'aria2c':
      await downloadWithAria2c({ torrentFile }, maxDownloadBytesPerSecond === undefined ? clientRun : { ...clientRun, maxDownloadBytesPerSecond });
      break;
    case 'transmission':
      await downloadWithTransmission({ torrentFile }, clientRun);
      break;
  }
  return checkTree(client, join(outDir, torrentNameOf(torrent)), digests);
}

export { FORMAT_OF, PREFIX_CLIENTS, checkTree, downloadPrefix, torrentNameOf };
export type { PadFileOnDisk, PrefixClient, PrefixDownload, PrefixRun, PrefixSource };
