import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { failureOf, runBounded } from '../run.js';
import { POLL_INTERVAL_MS, TIMEOUTS_MS } from './config.js';
import { cpuBetween, stackCpu } from './processCpu.js';
import type { StackCpu } from './processCpu.js';

/** One change of the record as the 202 replies show it, at `seconds` after the upload returned. */
interface ProgressStep {
  readonly seconds: number;
  readonly state: string;
  readonly piecesDone: number;
  readonly piecesTotal: number;
}

interface ReadyResult {
  /** From the upload call's return to the first 200 of `?torrent` (its headers). */
  readonly seconds: number;
  /** The .torrent served then. */
  readonly torrent: Uint8Array;
  /** Every change of state or progress the polls saw, in order. */
  readonly steps: ReadonlyArray<ProgressStep>;
  readonly polls: number;
  /** What the stack's processes used meanwhile. */
  readonly cpu: StackCpu | undefined;
}

const seconds = (sinceMs: number): number => (performance.now() - sinceMs) / 1000;

/**
 * Writes every dirty page to disk. The kernel writes an upload back ~30 s later (or once dirty
 * pages pass 10% of memory), which would land in the middle of a later run; flushing before each
 * run gives every run the same start: the previous objects on disk, nothing being written.
 */
async function flushWrites(): Promise<void> {
  const result = await runBounded('sync', []);
  const failure = failureOf(result);
  if (failure !== undefined) throw new Error(`sync failed: ${failure}`);
}

/** Uploads a file streamed from disk (never in memory), as `aws s3 cp` would; returns seconds taken. */
async function uploadFile(s3: S3Client, target: { bucket: string; key: string }, file: string, size: number): Promise<number> {
  const started = performance.now();
  await s3.send(
    new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: createReadStream(file), ContentLength: size }),
    { abortSignal: AbortSignal.timeout(TIMEOUTS_MS.upload) },
  );
  return seconds(started);
}

function progressOf(body: string): { state: string; piecesDone: number; piecesTotal: number } {
  const parsed: unknown = JSON.parse(body);
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  return {
    state: typeof record['state'] === 'string' ? record['state'] : '?',
    piecesDone: typeof record['piecesDone'] === 'number' ? record['piecesDone'] : 0,
    piecesTotal: typeof record['piecesTotal'] === 'number' ? record['piecesTotal'] : 0,
  };
}

/**
 * Polls `?torrent` (one request in flight, then POLL_INTERVAL_MS of pause) until it answers 200.
 * The stack answers at once (S3TORRENT_API_WAIT_MS=0): 202 with the record's state and
 * progress, which give the timeline of planning and segments without asking DynamoDB ourselves.
 * Anything but 200 or 202 is a failure: a fast wrong answer is no result.
 */
async function waitReady(url: string, stackPid: number): Promise<ReadyResult> {
  const started = performance.now();
  const cpuBefore = stackCpu(stackPid);
  const steps: ProgressStep[] = [];
  for (let polls = 1; ; polls += 1) {
    const reply = await fetch(url, { signal: AbortSignal.timeout(TIMEOUTS_MS.request) });
    const at = seconds(started);
    if (reply.status === 200) {
      const cpu = cpuBetween(cpuBefore, stackCpu(stackPid));
      return { seconds: at, torrent: new Uint8Array(await reply.arrayBuffer()), steps, polls, cpu };
    }
    const body = await reply.text();
    if (reply.status !== 202) throw new Error(`GET ${url} answered ${reply.status}: ${body.slice(0, 300)}`);
    const progress = progressOf(body);
    const last = steps.at(-1);
    if (last === undefined || last.state !== progress.state || last.piecesDone !== progress.piecesDone) {
      steps.push({ seconds: at, ...progress });
    }
    if (at * 1000 > TIMEOUTS_MS.ready) throw new Error(`not READY ${TIMEOUTS_MS.ready} ms after the upload (last: ${body})`);
    await sleep(POLL_INTERVAL_MS);
  }
}

/** Reads `length` bytes at `offset` with one GetObject (the whole object by default), draining the body. */
async function readObject(s3: S3Client, target: { bucket: string; key: string }, range?: { offset: number; length: number }): Promise<number> {
  const reply = await s3.send(
    new GetObjectCommand({
      Bucket: target.bucket,
      Key: target.key,
      ...(range === undefined ? {} : { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` }),
    }),
    { abortSignal: AbortSignal.timeout(TIMEOUTS_MS.read) },
  );
  const body = reply.Body as AsyncIterable<Uint8Array> | undefined;
  if (body === undefined) throw new Error(`GetObject ${target.key} returned no body`);
  let bytes = 0;
  for await (const chunk of body) bytes += chunk.length;
  return bytes;
}

/** Time of one GetObject of the whole object, and the stack's CPU meanwhile. */
async function readOnce(s3: S3Client, target: { bucket: string; key: string }, size: number, stackPid: number): Promise<{ seconds: number; cpu: StackCpu | undefined }> {
  const cpuBefore = stackCpu(stackPid);
  const started = performance.now();
  const bytes = await readObject(s3, target);
  const took = seconds(started);
  if (bytes !== size) throw new Error(`GetObject of ${target.key} gave ${bytes} bytes, not ${size}`);
  return { seconds: took, cpu: cpuBetween(cpuBefore, stackCpu(stackPid)) };
}

/**
 * The fan-out's reads without its hashing: every segment as a ranged GetObject, `workers` at a
 * time, drained. Tells whether S3 (s3rver) serving the segments is what bounds a round.
 */
async function readSegments(
  s3: S3Client,
  target: { bucket: string; key: string },
  size: number,
  segmentBytes: number,
  workers: number,
): Promise<number> {
  const ranges: Array<{ offset: number; length: number }> = [];
  for (let offset = 0; offset < size; offset += segmentBytes) ranges.push({ offset, length: Math.min(segmentBytes, size - offset) });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let mine = next++; mine < ranges.length; mine = next++) {
        const range = ranges[mine] as { offset: number; length: number };
        const bytes = await readObject(s3, target, range);
        if (bytes !== range.length) throw new Error(`ranged GetObject gave ${bytes} bytes, not ${range.length}`);
      }
    }),
  );
  return seconds(started);
}

/** Longest a benchmark waits for a 1 GiB object's torrent (hashing on this machine takes seconds). */
const TORRENT_READY_TIMEOUT_MS = 300_000;

/** `GET /bucket/key?torrent` until it answers 200 (bounded); any answer but 200 or 202 throws. */
async function fetchReadyTorrent(api: string, bucket: string, key: string): Promise<Buffer> {
  const deadline = Date.now() + TORRENT_READY_TIMEOUT_MS;
  for (;;) {
    const reply = await fetch(`${api}/${bucket}/${key}?torrent`);
    if (reply.status === 200) return Buffer.from(await reply.arrayBuffer());
    if (reply.status !== 202 || Date.now() > deadline) throw new Error(`?torrent answered ${reply.status}: ${await reply.text()}`);
    await reply.arrayBuffer();
    await sleep(POLL_INTERVAL_MS);
  }
}

export { fetchReadyTorrent, flushWrites, readOnce, readSegments, uploadFile, waitReady };
export type { ProgressStep, ReadyResult };
