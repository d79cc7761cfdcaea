import { LRUCache } from 'lru-cache';
import { SpanBuffers } from './spanBuffers.js';

/** One version of one object, readable by byte range (an anonymous ranged GET with If-Match). */
interface CachedObject {
  /** Identifies the version: bucket, key and ETag. Spans of different versions never mix. */
  readonly id: string;
  readonly size: number;
  /**
   * Bytes per cached span of this object: its piece length, clamped. Peers ask for whole pieces
   * in any order, so a span of one piece is fetched once however random the order.
   */
  readonly spanBytes: number;
  /**
   * The `length` bytes at `offset`, best read into `into` (exactly `length` bytes, reused once
   * the cache drops the span): the buffer returned is then `into` or a view of all of it.
   */
  fetch(offset: number, length: number, into: Buffer): Promise<Buffer>;
}

interface SpanCacheOptions {
  /** Bytes of spans kept; fetches in flight come on top (at most `maxFetches` spans). */
  readonly maxBytes: number;
  /** S3 GETs in flight at once, across every object. */
  readonly maxFetches: number;
}

/** Called with a span once it is cached or fetched; its bytes are valid during the call only. */
interface SpanWaiter {
  readonly use: (span: Buffer) => void;
  readonly fail: (error: unknown) => void;
}

/**
 * A bounded cache of fixed-size spans of objects in front of S3. Concurrent reads of the same
 * span share one GET; memory never exceeds `maxBytes` of cached spans plus `maxFetches` spans in
 * flight or idle (kept for the next fetch), whatever the peers ask for.
 *
 * A span's buffer is reused for another span once evicted (SpanBuffers): readers therefore get
 * its bytes only inside a synchronous callback, during which nothing can evict it.
 */
class SpanCache {
  private readonly spans: LRUCache<string, Buffer>;
  private readonly buffers = new SpanBuffers();
  private readonly inFlight = new Map<string, SpanWaiter[]>();
  private readonly waiting: Array<() => void> = [];
  private fetching = 0;
  /** Span buffers held by fetches in flight. */
  private lent = 0;

  public constructor(private readonly options: SpanCacheOptions) {
    this.spans = new LRUCache<string, Buffer>({
      maxSize: options.maxBytes,
      sizeCalculation: (span) => Math.max(1, span.length),
      // Evicted or deleted: no reader holds it (see read), so the next fetch may reuse it. Idle
      // and lent buffers together stay within maxFetches spans, the bound in flight had before.
      dispose: (span) => this.buffers.give(span, this.options.maxFetches - this.lent),
    });
  }

  /** Bytes of spans the cache may keep. */
  public get capacityBytes(): number {
    return this.options.maxBytes;
  }

  /** Bytes currently cached (not counting fetches in flight). */
  public get cachedBytes(): number {
    return this.spans.calculatedSize;
  }

  /** Span buffers allocated and reused so far, and idle now. */
  public get bufferStats(): SpanBuffers['stats'] {
    return this.buffers.stats;
  }

  /**
   * Calls `use` with the `length` bytes at `offset` (the range may cross spans) and resolves
   * with what it returns. The bytes are valid only during the call: copy what must outlive it.
   * `use` must not read from the cache itself. Rejects with the fetch's error, or `use`'s.
   */
  public read<T>(object: CachedObject, offset: number, length: number, use: (bytes: Buffer) => T): Promise<T> {
    const span = object.spanBytes;
    const first = Math.floor(offset / span);
    const last = Math.floor((offset + length - 1) / span);
    return new Promise<T>((resolve, reject) => {
      const settle = (bytes: Buffer): void => {
        try {
          resolve(use(bytes));
        } catch (error) {
          reject(error);
        }
      };
      if (first === last) {
        const start = offset - first * span;
        this.withSpan(object, first, { use: (data) => settle(data.subarray(start, start + length)), fail: reject });
        return;
      }
      // Across spans (a block over a span boundary, rare): each part is copied as it comes.
      const joined = Buffer.allocUnsafe(length);
      let missing = last - first + 1;
      let failed = false;
      for (let index = first; index <= last; index += 1) {
        const start = Math.max(offset, index * span);
        const end = Math.min(offset + length, (index + 1) * span);
        this.withSpan(object, index, {
          use: (data) => {
            data.copy(joined, start - offset, start - index * span, end - index * span);
            missing -= 1;
            if (missing === 0 && !failed) settle(joined);
          },
          fail: (error) => {
            failed = true;
            reject(error);
          },
        });
      }
    });
  }

  /** Starts fetching the span after `offset`'s when a fetch slot is free: sequential readers find it ready. */
  public prefetchAfter(object: CachedObject, offset: number): void {
    const next = Math.floor(offset / object.spanBytes) + 1;
    if (next * object.spanBytes >= object.size || this.fetching >= this.options.maxFetches) return;
    const key = `${object.id}#${next}`;
    if (this.spans.has(key) || this.inFlight.has(key)) return;
    // A later read of that span reports an error, with a fetch of its own.
    this.withSpan(object, next, { use: () => undefined, fail: () => undefined });
  }

  /** Drops every span of an object version (it changed or was revoked). */
  public forget(objectId: string): void {
    for (const key of [...this.spans.keys()]) if (key.startsWith(`${objectId}#`)) this.spans.delete(key);
  }

  /** Serves `waiter` from the cache at once, else once the span's (shared) fetch completes. */
  private withSpan(object: CachedObject, index: number, waiter: SpanWaiter): void {
    const key = `${object.id}#${index}`;
    const cached = this.spans.get(key);
    if (cached !== undefined) {
      waiter.use(cached);
      return;
    }
    const waiters = this.inFlight.get(key);
    if (waiters !== undefined) {
      waiters.push(waiter);
      return;
    }
    this.inFlight.set(key, [waiter]);
    const offset = index * object.spanBytes;
    const length = Math.min(object.spanBytes, object.size - offset);
    // The buffer is taken once a slot is (fetches queued for a slot hold none), and the span is
    // cached before the slot is freed: the next fetch then finds an evicted span's buffer idle.
    void this.withFetchSlot(async () => {
      const into = this.buffers.take(length);
      this.lent += 1;
      let data: Buffer;
      try {
        data = await object.fetch(offset, length, into);
      } catch (error) {
        // `into` is not reused: a failed connection is not known to be done writing to it.
        this.lent -= 1;
        this.settle(key, { fail: error });
        return;
      }
      this.lent -= 1;
      this.settle(key, { data });
    });
  }

  /** Serves the waiters of a fetch that completed, then caches its span. */
  private settle(key: string, outcome: { readonly data: Buffer } | { readonly fail: unknown }): void {
    const served = this.inFlight.get(key) ?? [];
    this.inFlight.delete(key);
    if (!('data' in outcome)) {
      for (const each of served) each.fail(outcome.fail);
      return;
    }
    // Readers first: caching it may evict others, never this one before they are done.
    for (const each of served) each.use(outcome.data);
    this.spans.set(key, outcome.data);
  }

  private async withFetchSlot<T>(work: () => Promise<T>): Promise<T> {
    while (this.fetching >= this.options.maxFetches) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.fetching += 1;
    try {
      return await work();
    } finally {
      this.fetching -= 1;
      this.waiting.shift()?.();
    }
  }
}

export { SpanCache };
export type { CachedObject, SpanCacheOptions };
