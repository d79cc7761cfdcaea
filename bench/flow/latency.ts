import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PublicVerdict } from '../../src/config.js';
import { BUCKET_VERDICT_TTL_MS, PublicAccess } from '../../src/storage/index.js';
import type { BenchClients } from './clients.js';
import { BUCKET, LOAD_CONCURRENCY, LOAD_REQUESTS, LOAD_WARMUP_REQUESTS, TIMEOUTS_MS, UNLOADED_REQUESTS } from './config.js';
import { httpCall, keepAliveAgent, runLoad } from './load.js';
import { cpuBetween, stackCpu } from './processCpu.js';
import type { LatencyRow } from './report.js';
import type { StackProcess } from './stack.js';

interface LatencyResults {
  /** Our cached `?torrent`. */
  readonly ours: LatencyRow;
  /** S3 serving an object of the same bytes: the baseline of the goal. */
  readonly theirs: LatencyRow;
  /** Each backend call a cached `?torrent` makes, timed alone under the same load. */
  readonly calls: ReadonlyArray<LatencyRow>;
  /** Ours and S3's one request at a time: the latency without queueing, for context. */
  readonly unloaded: ReadonlyArray<LatencyRow>;
  /** What the record that every `?torrent` reads carries, for the report. */
  readonly recordNote: string;
}

async function loadRow(label: string, stack: StackProcess, call: () => Promise<void>, concurrency = LOAD_CONCURRENCY): Promise<LatencyRow> {
  try {
    // Unmeasured first, so connections, JIT and caches are warm for every target alike.
    await runLoad(call, { requests: LOAD_WARMUP_REQUESTS, concurrency });
    const before = stackCpu(stack.pid);
    const result = await runLoad(call, { requests: concurrency === 1 ? UNLOADED_REQUESTS : LOAD_REQUESTS, concurrency });
    return { label, result, failure: undefined, cpu: cpuBetween(before, stackCpu(stack.pid)) };
  } catch (error) {
    return { label, result: undefined, failure: error instanceof Error ? error.message : String(error), cpu: undefined };
  }
}

/** Why every cached request costs what it does in DynamoDB: the size of the item it reads. */
async function describeRecord(clients: BenchClients, key: string): Promise<string> {
  const record = await clients.records.get(BUCKET, key);
  const torrents = record?.torrents;
  if (torrents === undefined) return `the record of ${key} has no torrents`;
  const where = (t: { inline?: Uint8Array | undefined; bytes: number }): string =>
    `${(t.bytes / 1024).toFixed(1)} KiB ${t.inline === undefined ? 'in the artifacts bucket' : 'inline'}`;
  return `the record read by every request holds the v1 torrent (${where(torrents.v1)}) and the hybrid one (${where(torrents.hybrid)})`;
}

/**
 * Part 2: the cached `?torrent` of a READY object under a closed-loop load, against S3 serving
 * an object of exactly the .torrent's bytes to the same client (anonymous, path style, plain
 * HTTP), then each backend call of `?torrent` alone, to see which one the difference comes from.
 */
async function measureLatency(stack: StackProcess, clients: BenchClients, key: string, torrent: Uint8Array): Promise<LatencyResults> {
  const copyKey = `${key}.torrent`;
  await clients.publisher.send(new PutObjectCommand({ Bucket: BUCKET, Key: copyKey, Body: torrent }), {
    abortSignal: AbortSignal.timeout(TIMEOUTS_MS.upload),
  });
  const path = (k: string): string => `/${BUCKET}/${encodeURIComponent(k)}`;
  const agent = keepAliveAgent(LOAD_CONCURRENCY);
  // The bench's stack runs the embedded s3rver: its verdict is the unsigned HEAD alone.
  const publicAccess = new PublicAccess(clients.anonymous, clients.publisher, BUCKET_VERDICT_TTL_MS, PublicVerdict.AnonymousHead);
  try {
    const bytes = torrent.length;
    const oursCall = httpCall(agent, `${stack.endpoints.api}${path(key)}?torrent`, { expectBytes: bytes });
    const theirsCall = httpCall(agent, `${stack.endpoints.s3}${path(copyKey)}`, { expectBytes: bytes });
    const ours = await loadRow(`ours: \`GET ${path(key)}?torrent\` (torrent API)`, stack, oursCall);
    const theirs = await loadRow(`S3: \`GET ${path(copyKey)}\` (an object of the same ${bytes} bytes)`, stack, theirsCall);
    const calls = [
      await loadRow(`S3: \`HEAD ${path(key)}\`, plain HTTP`, stack, httpCall(agent, `${stack.endpoints.s3}${path(key)}`, { method: 'HEAD' })),
      await loadRow('S3: the HEAD `?torrent` sends (PublicAccess.check as on s3rver: one unsigned SDK HeadObject)', stack, async () => {
        const readable = await publicAccess.check(BUCKET, key);
        if (readable.kind !== 'public') throw new Error(`HEAD says ${readable.kind}`);
      }),
      await loadRow('DynamoDB: the GetItem `?torrent` sends (RecordStore.get, consistent read)', stack, async () => {
        if ((await clients.records.get(BUCKET, key)) === undefined) throw new Error('record missing');
      }),
    ];
    const unloaded = [
      await loadRow('ours, one request at a time', stack, oursCall, 1),
      await loadRow('S3 (the same object), one request at a time', stack, theirsCall, 1),
    ];
    return { ours, theirs, calls, unloaded, recordNote: await describeRecord(clients, key) };
  } finally {
    agent.destroy();
  }
}

export { measureLatency };
export type { LatencyResults };
