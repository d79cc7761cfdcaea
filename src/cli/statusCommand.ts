import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EnvReader, awsConfigFrom } from '../config.js';
import { S3TorrentError } from '../errors.js';
import { DEFAULT_PORTS } from '../local/localConfig.js';
import { RecordStore, egressTotals, piecesProgress, recordsUnder } from '../records/index.js';
import type { EgressTotals, ObjectRecord } from '../records/index.js';
import { LOCAL_CREDENTIALS } from '../service/credentials.js';
import type { CliOutput } from './commands.js';
import { egressLines, egressViewOf } from './egressView.js';
import type { EgressView } from './egressView.js';
import { StatusError, UsageError } from './errors.js';
import { prefixTextLines, prefixViewOf } from './prefixStatus.js';
import { parseS3Url } from './s3Url.js';

/** The records table of the local stack, and the seeder's default (S3TORRENT_TABLE). */
const DEFAULT_TABLE = 's3-torrent';

/** DynamoDB Local of the local stack, on its default port: what status reads unless told. */
const LOCAL_DYNAMODB_ENDPOINT = `http://127.0.0.1:${DEFAULT_PORTS.dynamoDb}`;

/** An endpoint that does not accept a connection in this long is not there (wrong port, firewall). */
const CONNECT_TIMEOUT_MS = 3_000;

/** One read of a few records; longer means the endpoint is stuck. */
const REQUEST_TIMEOUT_MS = 10_000;

/** One retry for a blip; an endpoint that is down fails in seconds, not after the SDK's backoff. */
const MAX_ATTEMPTS = 2;

/** Width of the state column of `--recursive` lines: the longest state (HASHING, REVOKED) and a space. */
const STATE_COLUMN = 8;

interface StatusArgs {
  readonly targets: ReadonlyArray<string>;
  readonly json: boolean;
  /** Treat each target as a prefix and list every record under it. */
  readonly recursive: boolean;
  readonly table?: string | undefined;
  readonly dynamoDbEndpoint?: string | undefined;
}

/** A record as status shows it (`--json` prints exactly this). */
interface StatusView {
  readonly bucket: string;
  readonly key: string;
  readonly state: ObjectRecord['state'];
  readonly reason: string | null;
  /** When the record last changed (ISO 8601). */
  readonly changedAt: string;
  readonly etag: string;
  readonly size: number;
  readonly piecesDone: number;
  readonly piecesTotal: number;
  /** The v1 torrent's infohash, and the hybrid torrent's v1 and v2 ones (null until hashed). */
  readonly infoHashes: { readonly v1: string | null; readonly hybridV1: string | null; readonly hybridV2: string | null };
  /**
   * What BitTorrent delivered of this version, as the seeders counted it (null: nothing counted
   * yet). Read for single objects only, not for `--recursive` lists.
   */
  readonly egress?: EgressView | null;
}

function viewOf(record: ObjectRecord, egress?: EgressTotals | null): StatusView {
  return {
    bucket: record.bucket,
    key: record.key,
    state: record.state,
    reason: record.reason ?? null,
    changedAt: record.updatedAt,
    etag: record.etag,
    size: record.size,
    ...piecesProgress(record),
    infoHashes: {
      v1: record.torrents?.v1.infoHashV1 ?? null,
      hybridV1: record.torrents?.hybrid.infoHashV1 ?? null,
      hybridV2: record.torrents?.hybrid.infoHashV2 ?? null,
    },
    ...(egress === undefined ? {} : { egress: egress === null ? null : egressViewOf(egress) }),
  };
}

function textLines(view: StatusView): string[] {
  const lines = [
    `object:       s3://${view.bucket}/${view.key}`,
    `state:        ${view.state}`,
    `reason:       ${view.reason ?? '(none)'}`,
    `changed:      ${view.changedAt}`,
    `etag:         ${view.etag}`,
    `size:         ${view.size} bytes`,
    `pieces:       ${view.piecesDone}/${view.piecesTotal}`,
  ];
  if (view.infoHashes.v1 !== null) lines.push(`infohash v1:  ${view.infoHashes.v1}`);
  if (view.infoHashes.hybridV1 !== null) lines.push(`hybrid v1:    ${view.infoHashes.hybridV1}`);
  if (view.infoHashes.hybridV2 !== null) lines.push(`hybrid v2:    ${view.infoHashes.hybridV2}`);
  if (view.egress !== undefined) lines.push(...egressLines(view.egress));
  return lines;
}

/** One `--recursive` line: state, pieces, when, v1 infohash, object, reason. */
function listLine(view: StatusView): string {
  const columns = [
    view.state.padEnd(STATE_COLUMN),
    `${view.piecesDone}/${view.piecesTotal}`.padEnd(12),
    view.changedAt,
    view.infoHashes.v1 ?? '-'.padEnd(40),
    `s3://${view.bucket}/${view.key}`,
  ];
  return `${columns.join(' ')}${view.reason === null ? '' : ` (${view.reason})`}`;
}

/** The message of a failed read, whatever shape the SDK or Node gave it (a refused connection may be an AggregateError with none). */
function failureText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = (error as { errors?: unknown[] }).errors?.[0];
  const text = error.message.trim() !== '' ? error.message : nested instanceof Error ? nested.message : ((error as { code?: string }).code ?? error.name);
  return text.split('\n')[0] ?? text;
}

/** The table, its endpoint and region as the user sees them; the client to read it with. */
function openTable(args: StatusArgs): { documents: DynamoDBDocumentClient; table: string; where: string; destroy(): void } {
  // On AWS, the user names the deployed table and no endpoint; with neither, the local stack.
  const endpoint = args.dynamoDbEndpoint ?? (args.table === undefined ? LOCAL_DYNAMODB_ENDPOINT : undefined);
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) throw new UsageError(`--dynamodb-endpoint expects an http(s) URL, not "${endpoint}"`);
  const { region } = awsConfigFrom(new EnvReader());
  const client = new DynamoDBClient({
    region,
    // An emulator takes any key; AWS gets the SDK's own credential chain.
    ...(endpoint === undefined ? {} : { endpoint, credentials: { ...LOCAL_CREDENTIALS } }),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
  });
  const table = args.table ?? DEFAULT_TABLE;
  return {
    documents: DynamoDBDocumentClient.from(client),
    table,
    where: `table ${table} at ${endpoint ?? `DynamoDB in ${region}`}`,
    destroy: () => client.destroy(),
  };
}

/** Runs a read of the table; any failure but our own becomes one line naming the table and endpoint. */
async function reading<T>(where: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof S3TorrentError) throw error;
    if (error instanceof Error && error.name === 'ResourceNotFoundException') throw new StatusError(`no ${where}`, { cause: error });
    throw new StatusError(`cannot read ${where}: ${failureText(error)}`, { cause: error });
  }
}

/**
 * `s3-torrent status s3://bucket/key…`: what the records table says of each object (state,
 * reason, when it changed, ETag, infohashes, pieces hashed, and for a single object what the
 * seeders served of its version against what peers got), read with the caller's own AWS
 * credentials, or from the local stack's DynamoDB. `--recursive` lists every record under a
 * prefix, one line each; `--json` prints one object per record, one per line. A target ending in
 * `/` without `--recursive` is a prefix torrent: its snapshot's state, objects, objects left out
 * and infohashes.
 *
 * @throws UsageError for a malformed target or endpoint; StatusError for an object with no
 *   record, nothing under a prefix, or a table that cannot be read.
 */
async function statusCommand(args: StatusArgs, io: CliOutput): Promise<void> {
  if (args.targets.length === 0) throw new UsageError(`status needs at least one s3://bucket/${args.recursive ? 'prefix' : 'key'}`);
  const targets = args.targets.map((target) => ({ target, ...parseS3Url(target, args.recursive) }));
  const { documents, table, where, destroy } = openTable(args);
  const store = new RecordStore({ client: documents, tableName: table });
  const show = (record: ObjectRecord, egress?: EgressTotals | null): void => {
    const view = viewOf(record, egress);
    if (args.json) io.out(JSON.stringify(view));
    else if (args.recursive) io.out(listLine(view));
    else textLines(view).forEach((line) => io.out(line));
  };
  try {
    for (const { target, bucket, key } of targets) {
      if (!args.recursive && key.endsWith('/')) {
        // A prefix: its multi-file torrent's snapshot, not the objects under it (that is --recursive).
        const snapshot = await reading(where, () => store.prefixes.get(bucket, key));
        if (snapshot === undefined) throw new StatusError(`no prefix torrent of ${target} in ${where} (never asked for: prewarm it)`);
        // What the seeders served of this snapshot: kept under the prefix, by snapshot id.
        const egress = await reading(where, () => egressTotals(store, bucket, key, snapshot.snapshotId));
        const view = prefixViewOf(snapshot, egress ?? null);
        if (args.json) io.out(JSON.stringify(view));
        else prefixTextLines(view).forEach((line) => io.out(line));
        continue;
      }
      if (!args.recursive) {
        const record = await reading(where, () => store.get(bucket, key));
        if (record === undefined) {
          // `s3://b/data` typed for the folder `data/`: say where its prefix torrent is, if it has one.
          const asPrefix = key.endsWith('/') ? undefined : await reading(where, () => store.prefixes.get(bucket, `${key}/`));
          const hint = asPrefix === undefined ? 'never asked for: prewarm it' : `s3://${bucket}/${key}/ has a prefix torrent: ask for that, with its trailing /`;
          throw new StatusError(`no record of ${target} in ${where} (${hint})`);
        }
        const egress = await reading(where, () => egressTotals(store, bucket, key, record.etag));
        show(record, egress ?? null);
        continue;
      }
      let found = 0;
      await reading(where, async () => {
        for await (const record of recordsUnder(documents, table, bucket, key)) {
          show(record);
          found += 1;
        }
      });
      if (found === 0) throw new StatusError(`no records under ${target} in ${where}`);
    }
  } finally {
    destroy();
  }
}

export { DEFAULT_TABLE, LOCAL_DYNAMODB_ENDPOINT, statusCommand };
export type { EgressView, StatusArgs, StatusView };
