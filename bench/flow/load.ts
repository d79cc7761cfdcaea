import { Agent, request } from 'node:http';
import { TIMEOUTS_MS } from './config.js';

/** Latencies of one load run, in milliseconds, and its throughput. */
interface LoadResult {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly perSecond: number;
  readonly seconds: number;
}

/** Nearest-rank percentile of sorted values: the smallest value with p% of them at or below it. */
function percentile(sorted: ReadonlyArray<number>, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/** Runs `count` calls of `call`, `concurrency` at a time; resolves to each call's latency (ms). */
async function timeCalls(call: () => Promise<void>, count: number, concurrency: number): Promise<number[]> {
  const latencies: number[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (started < count) {
        started += 1;
        const begin = performance.now();
        await call();
        latencies.push(performance.now() - begin);
      }
    }),
  );
  return latencies;
}

/**
 * A closed-loop load: `concurrency` callers, each sending its next request when the previous
 * one has been answered in full. Any failed call fails the run (a fast error is no latency),
 * and the whole run is bounded.
 */
async function runLoad(call: () => Promise<void>, options: { requests: number; concurrency: number }): Promise<LoadResult> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`load run exceeded ${TIMEOUTS_MS.load} ms`)), TIMEOUTS_MS.load);
  });
  try {
    return await Promise.race([
      bound,
      (async (): Promise<LoadResult> => {
        const begin = performance.now();
        const latencies = (await timeCalls(call, options.requests, options.concurrency)).sort((a, b) => a - b);
        const seconds = (performance.now() - begin) / 1000;
        return {
          requests: latencies.length,
          p50Ms: percentile(latencies, 50),
          p99Ms: percentile(latencies, 99),
          meanMs: latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length,
          maxMs: latencies.at(-1) as number,
          perSecond: latencies.length / seconds,
          seconds,
        };
      })(),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A plain HTTP/1.1 request over `agent`'s keep-alive connections, body drained; fails unless
 * the status is 200 and (when given) the body has `expectBytes` bytes. node:http rather than
 * fetch: the least client overhead, the same for every target measured.
 */
function httpCall(agent: Agent, url: string, options: { method?: 'GET' | 'HEAD'; expectBytes?: number } = {}): () => Promise<void> {
  const method = options.method ?? 'GET';
  return () =>
    new Promise<void>((resolve, reject) => {
      const outgoing = request(url, { agent, method, timeout: TIMEOUTS_MS.request }, (reply) => {
        let bytes = 0;
        reply.on('data', (chunk: Buffer) => (bytes += chunk.length));
        reply.on('error', reject);
        reply.on('end', () => {
          if (reply.statusCode !== 200) reject(new Error(`${method} ${url} answered ${String(reply.statusCode)}`));
          else if (options.expectBytes !== undefined && bytes !== options.expectBytes) {
            reject(new Error(`${method} ${url} gave ${bytes} bytes, not ${options.expectBytes}`));
          } else resolve();
        });
      });
      outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${url}: no answer within ${TIMEOUTS_MS.request} ms`)));
      outgoing.on('error', reject);
      outgoing.end();
    });
}

/** One keep-alive connection per concurrent caller, as a client pool would keep them. */
function keepAliveAgent(concurrency: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: concurrency });
}

export { httpCall, keepAliveAgent, percentile, runLoad };
export type { LoadResult };
