import { objectUrl } from '../storage/index.js';
import { progressFor } from './progress.js';
import type { Progress } from './progress.js';
import type { CliOutput } from './commands.js';
import { PrewarmError, UsageError } from './errors.js';
import { parseS3Url } from './s3Url.js';

/** How long prewarm waits for one object by default: a 5 TiB object takes minutes on AWS. */
const DEFAULT_PREWARM_TIMEOUT_S = 3600;

/** The API tells clients when to come back; never poll faster than this. */
const MIN_POLL_MS = 500;

interface PrewarmArgs {
  readonly targets: ReadonlyArray<string>;
  readonly api: string;
  readonly format?: string | undefined;
  readonly timeoutSeconds?: string | undefined;
  /** Treat each target as a prefix and prewarm every object under it. */
  readonly recursive: boolean;
  /** S3 endpoint to list prefixes from (local stacks); unset: AWS. */
  readonly s3Endpoint?: string | undefined;
}

/**
 * Every key under `prefix`, listed with the caller's own S3 credentials (listing is usually
 * not public, unlike the objects). Empty "directory" placeholders (keys ending in `/`, size 0)
 * are skipped: they have nothing to seed.
 */
async function keysUnder(s3Endpoint: string | undefined, bucket: string, prefix: string): Promise<string[]> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const { awsClients } = await import('../service/awsClients.js');
  const { EnvReader, awsConfigFrom } = await import('../config.js');
  const aws = { ...awsConfigFrom(new EnvReader()), ...(s3Endpoint === undefined ? {} : { s3Endpoint }) };
  const clients = awsClients(aws);
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined && !(object.Key.endsWith('/') && (object.Size ?? 0) === 0)) keys.push(object.Key);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  } finally {
    clients.destroy();
  }
  return keys;
}

/**
 * The API URL, checked before any request: fetch would otherwise fail with a bare TypeError.
 *
 * @throws UsageError unless `api` is an http or https URL.
 */
function assertApiUrl(api: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(api).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new UsageError(`--api must be an http or https URL, not "${api}"`);
}

/** Why a request never got a reply, in words: fetch says only "fetch failed" and keeps the reason in `cause`. */
const UNREACHABLE_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** fetch, with a failure to connect turned into a PrewarmError that names the API and the reason. */
async function fetchApi(api: string, url: string): Promise<Response> {
  try {
    return await fetch(url, { method: 'GET' });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    const message = typeof cause?.message === 'string' ? cause.message : (error as Error).message;
    const reason =
      (code === undefined ? undefined : UNREACHABLE_REASONS[code]) ??
      code ??
      // fetch never connects to ports such as 1, 25 or 6000 (the WHATWG "bad port" list).
      (message === 'bad port' ? `fetch does not connect to port ${new URL(url).port}` : message);
    throw new PrewarmError(`cannot reach the torrent API at ${api}: ${reason}`, { cause: error });
  }
}

/** The API's count of objects under a prefix left out of its torrent because S3 does not serve them to the public. */
const EXCLUDED_HEADER = 'x-s3torrent-excluded-objects';

function excludedNote(excluded: string | null): string {
  const count = Number(excluded ?? '0');
  return count > 0 ? ` (${count} object${count === 1 ? '' : 's'} under the prefix left out: not public)` : '';
}

function torrentUrl(api: string, bucket: string, key: string, format: string | undefined): string {
  return `${objectUrl(api, bucket, key)}?torrent${format === undefined ? '' : `&format=${format}`}`;
}

/**
 * What to add to the API's NoSuchKey for a key without a trailing `/`: the name may be a folder
 * of objects, whose one torrent is asked for as a prefix (a user types `s3://b/data` for `data/`).
 */
function prefixHint(code: string, bucket: string, key: string): string {
  return code === 'NoSuchKey' && !key.endsWith('/') ? ` (if it is a folder of objects, their one torrent is the prefix s3://${bucket}/${key}/, with the trailing /)` : '';
}

/** Asks the API for one object's (or prefix's) torrent until it is READY, showing progress from the 202s. */
async function prewarmOne(api: string, target: { bucket: string; key: string }, format: string | undefined, deadline: number, io: CliOutput): Promise<void> {
  const url = torrentUrl(api, target.bucket, target.key, format);
  let progress: Progress | undefined;
  try {
    for (;;) {
      const reply = await fetchApi(api, url);
      if (reply.status === 200) {
        io.out(`ready ${url} infohash ${reply.headers.get('x-s3torrent-infohash-v1') ?? '?'}${excludedNote(reply.headers.get(EXCLUDED_HEADER))}`);
        return;
      }
      const text = await reply.text();
      if (reply.status !== 202) {
        const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP ${reply.status}`;
        const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200);
        throw new PrewarmError(`${url}: ${code}: ${message}${prefixHint(code, target.bucket, target.key)}`);
      }
      const body = JSON.parse(text) as { piecesDone?: number; piecesTotal?: number; membersDone?: number; membersTotal?: number };
      // A prefix reports its objects hashed at its piece length; an object, its pieces.
      const [kind, done, total] = body.membersTotal !== undefined
        ? (['objects', body.membersDone, body.membersTotal] as const)
        : (['pieces', body.piecesDone, body.piecesTotal] as const);
      if (total !== undefined && total > 0) {
        progress ??= await progressFor(kind, total);
        progress.update(done ?? 0, total);
      }
      if (Date.now() > deadline) throw new PrewarmError(`${url}: not ready before the timeout`);
      const retryAfter = Number(reply.headers.get('retry-after') ?? '1') * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(MIN_POLL_MS, Math.min(retryAfter, deadline - Date.now()))));
    }
  } finally {
    progress?.stop();
  }
}

/**
 * `s3-torrent prewarm s3://bucket/key…`: has the deployment hash the objects now, so that the
 * first real downloader gets the .torrent at once. Exits when every object is READY. A target
 * ending in `/` (without `--recursive`) is a prefix: its one multi-file torrent is prewarmed.
 */
async function prewarmCommand(args: PrewarmArgs, io: CliOutput): Promise<void> {
  if (args.targets.length === 0) throw new UsageError('prewarm needs at least one s3://bucket/key');
  if (args.s3Endpoint !== undefined && !args.recursive) throw new UsageError('--s3-endpoint is only used with --recursive');
  if (args.format !== undefined && args.format !== 'v1' && args.format !== 'hybrid') {
    throw new UsageError(`--format expects v1 or hybrid, not "${args.format}"`);
  }
  assertApiUrl(args.api);
  const timeout = Number(args.timeoutSeconds ?? DEFAULT_PREWARM_TIMEOUT_S);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout expects seconds, not "${args.timeoutSeconds}"`);
  const deadline = Date.now() + timeout * 1000;
  for (const target of args.targets) {
    const { bucket, key } = parseS3Url(target, args.recursive);
    const keys = args.recursive ? await keysUnder(args.s3Endpoint, bucket, key) : [key];
    if (keys.length === 0) throw new PrewarmError(`no objects under ${target}`);
    for (const each of keys) await prewarmOne(args.api, { bucket, key: each }, args.format, deadline, io);
  }
}

export { prewarmCommand, torrentUrl };
export type { PrewarmArgs };
