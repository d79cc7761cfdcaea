import { LRUCache } from 'lru-cache';

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
  fetch(offset: number, length: number): Promise<Buffer>;
}

interface SpanCacheOptions {
  /** Bytes of spans kept; fetches in flight come on top (at most `maxFetches` spans). */
  readonly maxBytes: number;
  /** S3 GETs in flight at once, across every object. */
  readonly maxFetches: number;
}

/**
 * A bounded cache of fixed-size spans of objects in front of S3. Concurrent reads of the same
 * span share one GET; memory never exceeds `maxBytes` of cached spans plus `maxFetches` spans in
 * flight, whatever the peers ask for.
 */
class SpanCache {
  private readonly spans: LRUCache<string, Buffer>;
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private readonly waiting: Array<() => void> = [];
  private fetching = 0;

  public constructor(private readonly options: SpanCacheOptions) {
    this.spans = new LRUCache<string, Buffer>({ maxSize: options.maxBytes, sizeCalculation: (span) => Math.max(1, span.length) });
  }

  /** Bytes of spans the cache may keep. */
  public get capacityBytes(): number {
    return this.options.maxBytes;
  }

  /** Bytes currently cached (not counting fetches in flight). */
  public get cachedBytes(): number {
    return this.spans.calculatedSize;
  }

  /** `length` bytes at `offset`; the range may cross spans. Rejects with the fetch's error. */
  public async read(object: CachedObject, offset: number, length: number): Promise<Buffer> {
    const span = object.spanBytes;
    const first = Math.floor(offset / span);
    const last = Math.floor((offset + length - 1) / span);
    if (first === last) {
      const data = await this.span(object, first);
      return data.subarray(offset - first * span, offset - first * span + length);
    }
    const parts: Buffer[] = [];
    for (let index = first; index <= last; index += 1) {
      const data = await this.span(object, index);
      const start = Math.max(offset, index * span) - index * span;
      const end = Math.min(offset + length, (index + 1) * span) - index * span;
      parts.push(data.subarray(start, end));
    }
    return Buffer.concat(parts);
  }

  /** Starts fetching the span after `offset`'s when a fetch slot is free: sequential readers find it ready. */
  public prefetchAfter(object: CachedObject, offset: number): void {
    const next = Math.floor(offset / object.spanBytes) + 1;
    if (next * object.spanBytes >= object.size || this.fetching >= this.options.maxFetches) return;
    const key = `${object.id}#${next}`;
    if (this.spans.has(key) || this.inFlight.has(key)) return;
    this.span(object, next).catch(() => undefined); // a later read() of that span reports the error
  }

  /** Drops every span of an object version (it changed or was revoked). */
  public forget(objectId: string): void {
    for (const key of [...this.spans.keys()]) if (key.startsWith(`${objectId}#`)) this.spans.delete(key);
  }

  private span(object: CachedObject, index: number): Promise<Buffer> {
    const key = `${object.id}#${index}`;
    const cached = this.spans.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const offset = index * object.spanBytes;
    const length = Math.min(object.spanBytes, object.size - offset);
    const fetched = this.withFetchSlot(() => object.fetch(offset, length)).then(
      (data) => {
        this.inFlight.delete(key);
        this.spans.set(key, data);
        return data;
      },
      (error: unknown) => {
        this.inFlight.delete(key);
        throw error;
      },
    );
    this.inFlight.set(key, fetched);
    return fetched;
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
