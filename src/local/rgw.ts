import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LocalStackError, RgwStartError } from './errors.js';

const run = promisify(execFile);

/**
 * `scripts/rgw.sh` bounds its own start at about 60 s and reports why it gave up; this outer
 * bound only catches a script that hangs regardless. A normal start takes about 2 s.
 */
const RGW_START_TIMEOUT_MS = 80_000;
/** `rgw.sh stop` KILLs whatever has not exited 5 s after TERM; in order they need under 1 s. */
const RGW_STOP_TIMEOUT_MS = 15_000;
/**
 * The smallest capacity `rgw.sh` accepts (its MIN_CAPACITY): below it a cluster holds too little
 * to try anything. Its default, when none is given, is 64 GiB (less on a fuller disk).
 */
const MIN_RGW_CAPACITY_BYTES = 16 * 1024 * 1024;
/** What `rgwAvailable` looks for on PATH: the daemons and tools `rgw.sh` runs. */
const RGW_BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'ceph', 'python3'] as const;

/** The package whose `scripts/rgw.sh` starts the gateway: the one this module belongs to. */
const PACKAGE_NAME = 's3-torrent';
/** Where the script sits in that package. */
const RGW_SCRIPT_IN_PACKAGE = join('scripts', 'rgw.sh');

/** The package.json's `name` in `dir`, or undefined when there is none (or it is unreadable). */
async function packageNameIn(dir: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return typeof parsed.name === 'string' ? parsed.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `scripts/rgw.sh` of this package. This module runs from two places: src/local/ (tsx, jest) and
 * an esbuild chunk in dist/ (`npm start`, `npx s3-torrent`), at different depths below the
 * package root, so a fixed relative URL is right for one of them only. Walking up to the
 * package.json named s3-torrent finds the root from both, and from any later layout of dist/.
 * (The script is not copied into dist/: it stays the one file users run by hand.)
 */
async function findRgwScript(): Promise<string> {
  const start = dirname(fileURLToPath(import.meta.url));
  // Ends at the filesystem root, where dirname(dir) === dir.
  for (let dir = start; ; dir = dirname(dir)) {
    if ((await packageNameIn(dir)) === PACKAGE_NAME) {
      const script = join(dir, RGW_SCRIPT_IN_PACKAGE);
      await access(script).catch((error: unknown) => {
        throw new LocalStackError(`${script} is missing from the ${PACKAGE_NAME} package at ${dir}`, { cause: error });
      });
      return script;
    }
    if (dirname(dir) === dir) throw new LocalStackError(`no package.json named ${PACKAGE_NAME} above ${start}: cannot find ${RGW_SCRIPT_IN_PACKAGE}`);
  }
}

let rgwScript: Promise<string> | undefined;
/** `findRgwScript`, searched once per process (a failed search is tried again). */
function rgwScriptPath(): Promise<string> {
  rgwScript ??= findRgwScript().catch((error: unknown) => {
    rgwScript = undefined;
    throw error;
  });
  return rgwScript;
}

interface StartRgwOptions {
  /** S3 port on 127.0.0.1 (not 0: the gateway is a child process). The mon takes the next free one. */
  readonly port: number;
  /**
   * Directory for the cluster's configuration, mon store, OSD file, sockets and logs (`log/`);
   * created if missing, left in place by `stop()` (its logs explain failures) but for the OSD's
   * file: each start begins with an empty cluster, so nothing survives a stop. Must not contain
   * whitespace.
   */
  readonly dataDir: string;
  /**
   * Bytes of objects the S3 user may store (an RGW user quota: past it, uploads are refused with
   * 403 QuotaExceeded). At least MIN_RGW_CAPACITY_BYTES; less is granted when the data
   * directory's disk has too little free space (see `RgwHandle.capacityBytes`).
   * @default 64 GiB
   */
  readonly capacityBytes?: number | undefined;
  /**
   * Upper bound on the whole start.
   * @default 80 s
   */
  readonly timeoutMs?: number;
}

interface RgwHandle {
  /** `http://127.0.0.1:<port>`. Sign with access key `test`, secret `test`; use path-style URLs. */
  readonly endpoint: string;
  /** Bytes of objects the S3 user may store: as asked, or less if the disk had less room. */
  readonly capacityBytes: number;
  /** RGW's ops log: a Unix socket streaming one JSON entry per request (see rgwOpsLog.ts). */
  readonly opsLogSocket: string;
  /** Stops the mon, OSD and radosgw (TERM, then KILL). Safe to call more than once. */
  stop(): Promise<void>;
}

/** What a failed `execFile` carries. */
interface ExecFailure {
  readonly code?: number | string | null;
  readonly killed?: boolean;
  readonly signal?: string | null;
  readonly stdout?: string;
  readonly stderr?: string;
}

async function stopRgw(dataDir: string): Promise<void> {
  try {
    await run('bash', [await rgwScriptPath(), 'stop', dataDir], { timeout: RGW_STOP_TIMEOUT_MS });
  } catch (error) {
    const failure = error as ExecFailure;
    throw new LocalStackError(`rgw.sh stop ${dataDir} failed: ${(failure.stderr ?? '').trim() || String(error)}`, { cause: error });
  }
}

/**
 * Starts a single-node Ceph cluster (one mon, one OSD on a sparse file) and a RADOS Gateway on
 * `127.0.0.1:port` through `scripts/rgw.sh`, with the S3 user `test`/`test`. Unlike s3rver, the
 * gateway enforces object ACLs, bucket policies and Public Access Block, so anonymous reads of
 * private objects are refused (403) as on AWS. Objects go to disk (a sparse file in the data
 * directory); an upload past `capacityBytes` is refused at once with 403 QuotaExceeded, never
 * left waiting on a full cluster (`watchRgwStorage` reports such refusals).
 *
 * Needs the Debian packages radosgw, ceph-mon, ceph-osd and ceph-common (see `rgwAvailable`).
 * Bucket names must be 3–63 characters.
 *
 * @throws RgwStartError when the gateway is not ready in time, a daemon fails or the disk has
 *   no room for even the smallest capacity; whatever had started is stopped first.
 * @example
 * const rgw = await startRgw({ port: 7480, dataDir: '/tmp/rgw' });
 * const s3 = new S3Client({ endpoint: rgw.endpoint, forcePathStyle: true, region: 'us-east-1',
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
 * // …
 * await rgw.stop();
 */
async function startRgw(options: StartRgwOptions): Promise<RgwHandle> {
  const { port } = options;
  const dataDir = resolve(options.dataDir);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new RgwStartError(port, dataDir, 'the port must be an integer from 1 to 65535');
  }
  const capacity = options.capacityBytes;
  if (capacity !== undefined && (!Number.isSafeInteger(capacity) || capacity < MIN_RGW_CAPACITY_BYTES)) {
    throw new RgwStartError(port, dataDir, `the capacity must be a whole number of bytes, at least ${MIN_RGW_CAPACITY_BYTES}, not ${capacity}`);
  }
  let script: string;
  try {
    script = await rgwScriptPath();
  } catch (error) {
    throw new RgwStartError(port, dataDir, error instanceof Error ? error.message : String(error), { cause: error });
  }
  let stdout: string;
  try {
    // SIGKILL on timeout: a TERMed script would first finish its current (bounded) step, and
    // could still spawn a daemon after the `stop` below has run.
    ({ stdout } = await run('bash', [script, 'start', dataDir, String(port), ...(capacity === undefined ? [] : [String(capacity)])], {
      timeout: options.timeoutMs ?? RGW_START_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    }));
  } catch (error) {
    const failure = error as ExecFailure;
    // The script stops what it started when it fails by itself, but not when it is killed.
    await stopRgw(dataDir).catch(() => undefined);
    const problem = failure.killed === true
      ? `rgw.sh start did not finish within ${options.timeoutMs ?? RGW_START_TIMEOUT_MS} ms`
      : `rgw.sh start exited with ${String(failure.code ?? failure.signal)}`;
    const output = (failure.stderr ?? '').trim();
    throw new RgwStartError(port, dataDir, output === '' ? problem : `${problem}\n${output}`, { cause: error });
  }
  const ready = /^rgw ready (http:\/\/\S+)$/m.exec(stdout)?.[1];
  const granted = Number(/^rgw capacity (\d+)$/m.exec(stdout)?.[1]);
  const opsLogSocket = /^rgw ops-log (\S+)$/m.exec(stdout)?.[1];
  if (ready === undefined || !Number.isSafeInteger(granted) || opsLogSocket === undefined) {
    await stopRgw(dataDir).catch(() => undefined);
    throw new RgwStartError(port, dataDir, `rgw.sh start did not print its "rgw capacity", "rgw ops-log" and "rgw ready" lines: ${stdout.trim()}`);
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint: ready,
    capacityBytes: granted,
    opsLogSocket,
    stop: () => (stopping ??= stopRgw(dataDir)),
  };
}

/** Whether the Ceph daemons and tools `startRgw` runs are installed (on PATH). */
async function rgwAvailable(): Promise<boolean> {
  try {
    // One name at a time: bash's `command -v a b` succeeds when any one of them is found.
    const script = 'for b in "$@"; do command -v "$b" >/dev/null || exit 1; done';
    await run('bash', ['-c', script, 'bash', ...RGW_BINARIES], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export { MIN_RGW_CAPACITY_BYTES, rgwAvailable, startRgw };
export type { RgwHandle, StartRgwOptions };
