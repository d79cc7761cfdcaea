import { randomBytes } from 'node:crypto';
import { SpanCache } from '../../../src/storage/index.js';
import type { CachedObject } from '../../../src/storage/index.js';

/** An object in memory that counts its fetches: stands in for S3 so coalescing can be counted. */
function memoryObject(data: Buffer, spanBytes: number, id = 'b/k@e'): CachedObject & { fetches: number } {
  const object = {
    id,
    size: data.length,
    spanBytes,
    fetches: 0,
    async fetch(offset: number, length: number): Promise<Buffer> {
      object.fetches += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return Buffer.from(data.subarray(offset, offset + length));
    },
  };
  return object;
}

describe('Class: SpanCache', () => {
  const data = randomBytes(1024 * 1024 + 123);

  it('returns the bytes asked for, within and across spans', async () => {
    const cache = new SpanCache({ maxBytes: 4 * 1024 * 1024, maxFetches: 4 });
    const object = memoryObject(data, 256 * 1024);
    for (const [offset, length] of [[0, 16_384], [262_000, 16_384], [data.length - 100, 100], [100, 700_000]] as const) {
      expect((await cache.read(object, offset, length)).equals(data.subarray(offset, offset + length))).toBe(true);
    }
  });

  it('shares one fetch among concurrent reads of the same span', async () => {
    const cache = new SpanCache({ maxBytes: 4 * 1024 * 1024, maxFetches: 4 });
    const object = memoryObject(data, 256 * 1024);
    await Promise.all(Array.from({ length: 16 }, (_, i) => cache.read(object, i * 16_384, 16_384)));
    expect(object.fetches).toBe(1);
  });

  it('keeps no more than its budget, whatever is read', async () => {
    const cache = new SpanCache({ maxBytes: 512 * 1024, maxFetches: 2 });
    const object = memoryObject(data, 128 * 1024);
    for (let offset = 0; offset < data.length; offset += 100_000) {
      await cache.read(object, offset, 1000);
      expect(cache.cachedBytes).toBeLessThanOrEqual(512 * 1024);
    }
  });

  it('never mixes versions, and forgets one on request', async () => {
    const cache = new SpanCache({ maxBytes: 4 * 1024 * 1024, maxFetches: 4 });
    const other = randomBytes(data.length);
    const v1 = memoryObject(data, 256 * 1024, 'b/k@v1');
    const v2 = memoryObject(other, 256 * 1024, 'b/k@v2');
    expect((await cache.read(v1, 0, 10)).equals(data.subarray(0, 10))).toBe(true);
    expect((await cache.read(v2, 0, 10)).equals(other.subarray(0, 10))).toBe(true);
    cache.forget('b/k@v1');
    await cache.read(v1, 0, 10);
    expect(v1.fetches).toBe(2);
  });

  it('passes a failed fetch to every reader and caches nothing for it', async () => {
    const cache = new SpanCache({ maxBytes: 4 * 1024 * 1024, maxFetches: 4 });
    const failing: CachedObject = { id: 'x', size: 100, spanBytes: 64, fetch: () => Promise.reject(new Error('412')) };
    await expect(Promise.all([cache.read(failing, 0, 10), cache.read(failing, 5, 10)])).rejects.toThrow('412');
    expect(cache.cachedBytes).toBe(0);
  });
});
