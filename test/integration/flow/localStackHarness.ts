import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashFile } from '../../../src/hashing/index.js';
import { freeLocalStackPorts } from '../../../src/local/localConfig.js';
import { localStackConfigFrom, startLocalStack } from '../../../src/local/index.js';
import type { LocalStack, S3Backend } from '../../../src/local/index.js';
import { TorrentFormat, buildTorrent, parseTorrent, pieceLengthFor, torrentNameForKey } from '../../../src/torrent/index.js';
import { baseS3Config } from '../../../src/storage/index.js';

/** Longest a test waits for a torrent to become READY. */
const READY_TIMEOUT_MS = 60_000;

/**
 * Where the stack's own log lines go (seeder stops, handler errors): nowhere, unless
 * S3TORRENT_TEST_STACK_LOG_FILE names a file to append them to, with a timestamp each (for
 * chasing an intermittent failure without changing the timing as console output does).
 */
function stackLog(line: string): void {
  const file = process.env.S3TORRENT_TEST_STACK_LOG_FILE;
  if (file !== undefined) appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
}

/** A local stack on free loopback ports in `dataDir`, with settings a test can shrink. */
async function startTestStack(
  dataDir: string,
  options: {
    s3?: S3Backend;
    segmentBytes?: number;
    apiWaitMs?: number;
    workers?: number;
    visibilityTimeoutSeconds?: number;
    maxReceives?: number;
    /** Extra S3TORRENT_* settings for the handlers. */
    env?: Record<string, string>;
    /** Told the body of every message the hash-worker is handed (to count hash jobs). */
    onHashJob?: (body: string) => void;
  } = {},
): Promise<LocalStack> {
  const env = {
    ...(await freeLocalStackPorts()).env,
    S3TORRENT_SEGMENT_BYTES: String(options.segmentBytes ?? 256 * 1024 * 1024),
    S3TORRENT_API_WAIT_MS: String(options.apiWaitMs ?? 5_000),
    S3TORRENT_LOCAL_WORKERS: String(options.workers ?? 2),
    S3TORRENT_HASH_VISIBILITY_TIMEOUT: String(options.visibilityTimeoutSeconds ?? 120),
    S3TORRENT_HASH_MAX_RECEIVES: String(options.maxReceives ?? 5),
    ...options.env,
  };
  return startLocalStack(localStackConfigFrom({ dataDir, s3: options.s3 }, env), async () => {
    const hashWorker = (await import('../../../lambdas/hash-worker.js')).handler;
    return {
      hashWorker: (event) => {
        for (const record of event.Records) options.onHashJob?.(record.body);
        return hashWorker(event);
      },
      torrentApi: (await import('../../../lambdas/torrent-api.js')).handler,
      accessChecker: (await import('../../../lambdas/access-checker.js')).handler,
      sweep: (await import('../../../lambdas/sweep.js')).handler,
    };
  }, stackLog);
}

/** A signed S3 client of the stack's S3 (the publisher's). */
function publisherS3(stack: LocalStack): S3Client {
  return new S3Client({ ...baseS3Config(stack.aws), credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

async function upload(stack: LocalStack, key: string, bytes: Buffer, bucket = stack.demoBucket): Promise<string> {
  const reply = await publisherS3(stack).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
  return reply.ETag ?? '';
}

function torrentUrl(stack: LocalStack, key: string, query = 'torrent', bucket = stack.demoBucket): string {
  return `${stack.endpoints.api}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}?${query}`;
}

/** GETs `?torrent` until it answers something other than 202; bounded. */
async function fetchWhenReady(url: string): Promise<Response> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const reply = await fetch(url);
    if (reply.status !== 202 || Date.now() > deadline) return reply;
    await reply.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What `s3-torrent create` gives for the same bytes, name and default piece length. */
async function referenceInfoHashes(dir: string, key: string, bytes: Buffer): Promise<{ v1: string; hybridV1: string; hybridV2: string }> {
  const path = join(dir, createHash('sha256').update(key).digest('hex'));
  await writeFile(path, bytes);
  const hashes = await hashFile(path, { pieceLength: pieceLengthFor(bytes.length) });
  const name = torrentNameForKey(key);
  const v1 = buildTorrent(hashes, { name });
  const hybrid = buildTorrent(hashes, { name, format: TorrentFormat.Hybrid });
  return { v1: v1.infoHashV1, hybridV1: hybrid.infoHashV1, hybridV2: hybrid.infoHashV2 as string };
}

/** The infohashes of a .torrent body, computed from its bytes. */
async function infoHashesOf(reply: Response): Promise<{ v1: string | undefined; v2: string | undefined }> {
  const summary = parseTorrent(new Uint8Array(await reply.arrayBuffer()));
  return { v1: summary.infoHashV1, v2: summary.infoHashV2 };
}

/** Polls `check` every `intervalMs` until it gives a value; fails after `timeoutMs`. */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = READY_TIMEOUT_MS, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export { READY_TIMEOUT_MS, eventually, fetchWhenReady, infoHashesOf, publisherS3, referenceInfoHashes, startTestStack, torrentUrl, upload };
