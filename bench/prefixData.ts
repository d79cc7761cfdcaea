// The data sets of the prefix bench: written to local disk (for the reference tools), uploaded
// under a prefix of the local stack's S3 (for ours), and the polling that times a prefix torrent.
import { DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { pseudoRandomBytes, writeLargeTestFile } from '../test/helpers/files.js';
import { forEachBounded } from '../src/withdrawal/recheckRecords.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Pause between two `?torrent` polls (one in flight at a time): the timing's granularity. */
const POLL_INTERVAL_MS = 20;
/** Uploads and pre-warm requests in flight at once: enough to keep the stack busy, not a flood. */
const CONCURRENCY = 8;
/** Bounds: a hung stack fails the bench, it never stalls it. */
const TIMEOUTS_MS = { request: 30_000, ready: 900_000, upload: 180_000 } as const;
/** DeleteObjects takes at most this many keys per call (S3's limit). */
const DELETE_BATCH = 1000;

/** One file of a data set: path under the set's directory, size, and the seed of its bytes. */
interface DataFile {
  readonly path: string;
  readonly size: number;
}

/** A directory of files: `name` is its last segment, the torrent's name. */
interface DataSet {
  readonly name: string;
  readonly label: string;
  readonly files: readonly DataFile[];
  readonly totalBytes: number;
}

/**
 * `count` small objects of a few KiB each, every size different (1–8 KiB, none a multiple of a
 * block), spread over folders of 100 as a dataset of many small files is.
 */
function smallSet(count: number): DataSet {
  const files = Array.from({ length: count }, (_, i) => ({
    path: `d${String(Math.floor(i / 100)).padStart(3, '0')}/f${String(i).padStart(5, '0')}.bin`,
    size: KiB + ((i * 2_654_435_761) % (7 * KiB + 1)),
  }));
  return { name: 'small', label: `${count} small objects (1–8 KiB)`, files, totalBytes: files.reduce((sum, f) => sum + f.size, 0) };
}

/** `count` objects of `mib` MiB each. */
function largeSet(count: number, mib: number): DataSet {
  const files = Array.from({ length: count }, (_, i) => ({ path: `part-${String(i).padStart(3, '0')}.bin`, size: mib * MiB }));
  return { name: 'large', label: `${count} × ${mib} MiB`, files, totalBytes: count * mib * MiB };
}

/** Writes the set under `parent/<name>/`; returns that directory. */
async function writeDataSet(parent: string, set: DataSet): Promise<string> {
  const root = join(parent, set.name);
  for (const file of set.files) {
    const path = join(root, ...file.path.split('/'));
    await mkdir(dirname(path), { recursive: true });
    const seed = `${set.name}/${file.path}`;
    // The streaming writer allocates a 16 MiB block per call: a thousand small files write faster whole.
    if (file.size < MiB) await writeFile(path, pseudoRandomBytes(file.size, seed));
    else await writeLargeTestFile(path, file.size, seed);
  }
  return root;
}

/** Uploads the set's files from `localDir` as `<prefix><path>` (prefix ends in '/'); returns the keys. */
async function uploadDataSet(s3: S3Client, bucket: string, prefix: string, set: DataSet, localDir: string): Promise<string[]> {
  await forEachBounded(set.files, CONCURRENCY, async (file) => {
    await s3.send(new PutObjectCommand({
      Bucket: bucket,
      Key: `${prefix}${file.path}`,
      Body: createReadStream(join(localDir, ...file.path.split('/'))),
      ContentLength: file.size,
    }), { abortSignal: AbortSignal.timeout(TIMEOUTS_MS.upload) });
  });
  return set.files.map((file) => `${prefix}${file.path}`);
}

async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_BATCH) {
    const batch = keys.slice(i, i + DELETE_BATCH).map((Key) => ({ Key }));
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
  }
}

const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/** GETs `url` until 200 (202: not ready), one request at a time; anything else is a failure. */
async function pollUntilReady(url: string, onProgress?: (body: string) => void): Promise<{ seconds: number; polls: number; body: Uint8Array; excluded: string | null }> {
  const started = performance.now();
  for (let polls = 1; ; polls += 1) {
    const reply = await fetch(url, { signal: AbortSignal.timeout(TIMEOUTS_MS.request) });
    if (reply.status === 200) {
      const seconds = (performance.now() - started) / 1000;
      return { seconds, polls, body: new Uint8Array(await reply.arrayBuffer()), excluded: reply.headers.get('x-s3torrent-excluded-objects') };
    }
    const text = await reply.text();
    if (reply.status !== 202) throw new Error(`${url} answered ${reply.status}: ${text.slice(0, 300)}`);
    onProgress?.(text);
    if (performance.now() - started > TIMEOUTS_MS.ready) throw new Error(`${url} not ready within ${TIMEOUTS_MS.ready} ms: ${text.slice(0, 300)}`);
    await sleep(POLL_INTERVAL_MS);
  }
}

/** Pre-warms every key: `GET /bucket/key?torrent` until 200, as a publisher's `prewarm` would. */
async function prewarmKeys(api: string, bucket: string, keys: readonly string[]): Promise<void> {
  await forEachBounded(keys, CONCURRENCY, async (key) => {
    await pollUntilReady(`${api}/${bucket}/${encodeKey(key)}?torrent`);
  });
}

/** The prefix's `?torrent` URL (the key ends in '/'). */
function prefixTorrentUrl(api: string, bucket: string, prefix: string, format: 'v1' | 'hybrid'): string {
  return `${api}/${bucket}/${encodeKey(prefix)}?torrent${format === 'hybrid' ? '&format=hybrid' : ''}`;
}

/** The 202 body of a prefix request (documented: {state, membersDone, membersTotal, excluded}). */
interface PrefixProgress {
  readonly state: string;
  readonly membersDone: number;
  readonly membersTotal: number;
}

function prefixProgressOf(body: string): PrefixProgress | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<PrefixProgress>;
    if (typeof parsed.state !== 'string') return undefined;
    return { state: parsed.state, membersDone: Number(parsed.membersDone ?? 0), membersTotal: Number(parsed.membersTotal ?? 0) };
  } catch {
    return undefined;
  }
}

export { deleteKeys, largeSet, pollUntilReady, prefixProgressOf, prefixTorrentUrl, prewarmKeys, smallSet, uploadDataSet, writeDataSet };
export type { DataFile, DataSet, PrefixProgress };
