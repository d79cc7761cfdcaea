import { randomBytes } from 'node:crypto';
import { SpanCache } from '../../../src/storage/index.js';
import { PIECE_HEADER_LENGTH, PieceMessages } from '../../../src/wire/pieceMessages.js';
import type { CachedObject } from '../../../src/storage/index.js';

/** An object in memory that counts its fetches: stands in for S3 so coalescing can be counted. */
function memoryObject(data: Buffer, spanBytes: number, id = 'b/k@e'): CachedObject & { fetches: number } {
  const object = {
    id,
    size: data.length,
    spanBytes,
    fetches: 0,
    async fetch(offset: number, length: number, into: Buffer): Promise<Buffer> {
      object.fetches += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      // As the S3 reader does: the bytes go into the buffer the cache lends.
      data.copy(into, 0, offset, offset + length);
      return into;
    },
  };
  return object;
}

/** What a reader that keeps the bytes does: copy them while the cache lends them. */
const copy = (bytes: Buffer): Buffer => Buffer.from(bytes);

describe('Class: SpanCache', () => {
  const data = randomBytes(1024 * 1024 + 123);

  it('returns the bytes asked for, within and across spans', async () => {
    const cache = new SpanCache({ maxBytes: 4 * 1024 * 1024, maxFetches: 4 });
    const object = memoryObject(data, 256 * 1024);
    for (const [offset, length] of [[0, 16_384], [262_000, 16_384], [data.length - 100, 100], [100, 700_000]] as const) {
      expect((await cache.read(object, offset, length, copy)).equals(data.subarray(offset, offset + length))).toBe(true);
    }
  });

  it('shares one fetch among concurrent reads of the same span', async () => {
    const cache = new SpanCache({ maxBytes: 4 * 1024 * 1024, maxFetches: 4 });
    const object = memoryObject(data, 256 * 1024);
    await Promise.all(Array.from({ length: 16 }, (_, i) => cache.read(object, i * 16_384, 16_384, copy)));
    expect(object.fetches).toBe(1);
  });

  it('keeps no more than its budget, whatever is read', async () => {
    const cache = new SpanCache({ maxBytes: 512 * 1024, maxFetches: 2 });
    const object = memoryObject(data, 128 * 1024);
    for (let offset = 0; offset < data.length; offset += 100_000) {
      await cache.read(object, offset, 1000, copy);
      expect(cache.cachedBytes).toBeLessThanOrEqual(512 * 1024);
    }
  });

  it('never mixes versions, and forgets one on request', async () => {
    const cache = new SpanCache({ maxBytes: 4 * 1024 * 1024, maxFetches: 4 });
    const other = randomBytes(data.length);
    const v1 = memoryObject(data, 256 * 1024, 'b/k@v1');
    const v2 = memoryObject(other, 256 * 1024, 'b/k@v2');
    expect((await cache.read(v1, 0, 10, copy)).equals(data.subarray(0, 10))).toBe(true);
    expect((await cache.read(v2, 0, 10, copy)).equals(other.subarray(0, 10))).toBe(true);
    cache.forget('b/k@v1');
    await cache.read(v1, 0, 10, copy);
    expect(v1.fetches).toBe(2);
  });

  it('passes a failed fetch to every reader and caches nothing for it', async () => {
    const cache = new SpanCache({ maxBytes: 4 * 1024 * 1024, maxFetches: 4 });
    const failing: CachedObject = { id: 'x', size: 100, spanBytes: 64, fetch: () => Promise.reject(new Error('412')) };
    await expect(Promise.all([cache.read(failing, 0, 10, copy), cache.read(failing, 5, 10, copy)])).rejects.toThrow('412');
    expect(cache.cachedBytes).toBe(0);
  });

  it('reuses an evicted span\'s buffer for the next fetch, within its memory bound, bytes intact', async () => {
    const maxBytes = 512 * 1024;
    const span = 128 * 1024;
    const maxFetches = 2;
    const cache = new SpanCache({ maxBytes, maxFetches });
    const object = memoryObject(data, span);
    for (let round = 0; round < 3; round += 1) {
      await Promise.all(Array.from({ length: 24 }, async (_, i) => {
        const offset = ((i * 7 + round) % 8) * span + 1000;
        expect((await cache.read(object, offset, 16_384, copy)).equals(data.subarray(offset, offset + 16_384))).toBe(true);
      }));
    }
    const { allocated, reused } = cache.bufferStats;
    expect(reused).toBeGreaterThan(0);
    // Buffers alive at once: the cached spans plus one per fetch in flight or idle.
    expect(allocated).toBeLessThanOrEqual(maxBytes / span + maxFetches);
  });

  it('a piece message taken from a span keeps its bytes after that span\'s buffer holds another span', async () => {
    // Prepare: a cache of two spans, a block of span 0 copied into a piece message.
    const span = 256 * 1024;
    const cache = new SpanCache({ maxBytes: 2 * span, maxFetches: 1 });
    const object = memoryObject(data, span);
    const messages = new PieceMessages(4);
    let spanZero: ArrayBufferLike | undefined;
    const message = await cache.read(object, 16_384, 16_384, (bytes) => {
      spanZero = bytes.buffer;
      return messages.take(1, 0, bytes);
    });

    // Act: read spans 1 to 3; span 0 is evicted and its buffer refilled with another span.
    const holders: ArrayBufferLike[] = [];
    for (let index = 1; index <= 3; index += 1) await cache.read(object, index * span, 10, (bytes) => holders.push(bytes.buffer));

    // Assess: the buffer was reused, and the pending message still holds span 0's bytes.
    expect(holders).toContain(spanZero);
    expect(message.subarray(PIECE_HEADER_LENGTH).equals(data.subarray(16_384, 32_768))).toBe(true);
  });
});
