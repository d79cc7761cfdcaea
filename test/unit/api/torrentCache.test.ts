import { TORRENT_CACHE_MAX_BYTES, TorrentCache } from '../../../src/api/index.js';

describe('Class: TorrentCache', () => {
  const entry = (size: number) => ({ bytes: new Uint8Array(size), infoHashV1: 'a'.repeat(40), infoHashV2: undefined, magnet: 'magnet:?xt=urn:btih:' });

  it('finds a torrent only under the same bucket, key, ETag and format', () => {
    const cache = new TorrentCache();
    cache.set('b', 'k', '"e1"', 'v1', entry(10));
    expect(cache.get('b', 'k', '"e1"', 'v1')?.bytes.length).toBe(10);
    expect(cache.get('b', 'k', '"e2"', 'v1')).toBeUndefined();
    expect(cache.get('b', 'k', '"e1"', 'hybrid')).toBeUndefined();
    expect(cache.get('b', 'k2', '"e1"', 'v1')).toBeUndefined();
  });

  it('forgets one entry on delete, leaving the other formats and ETags', () => {
    const cache = new TorrentCache();
    for (const [etag, format] of [['"e1"', 'v1'], ['"e1"', 'hybrid'], ['"e2"', 'v1']] as const) cache.set('b', 'k', etag, format, entry(10));
    cache.delete('b', 'k', '"e1"', 'v1');
    expect(cache.get('b', 'k', '"e1"', 'v1')).toBeUndefined();
    expect(cache.get('b', 'k', '"e1"', 'hybrid')).toBeDefined();
    expect(cache.get('b', 'k', '"e2"', 'v1')).toBeDefined();
  });

  it('stays within its byte budget, dropping the least recently used', () => {
    const cache = new TorrentCache();
    const size = TORRENT_CACHE_MAX_BYTES / 4;
    for (let i = 0; i < 5; i += 1) cache.set('b', `k${i}`, '"e"', 'v1', entry(size));
    expect(cache.get('b', 'k0', '"e"', 'v1')).toBeUndefined();
    expect(cache.get('b', 'k4', '"e"', 'v1')).toBeDefined();
  });
});
