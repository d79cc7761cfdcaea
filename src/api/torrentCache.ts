import { LRUCache } from 'lru-cache';
import type { TorrentFormat } from '../torrent/index.js';

/**
 * Bytes of .torrent files one API process keeps: enough for the hot set of a busy deployment
 * (a 1 GiB object's v1 torrent is ~40 KB) while far under a 512 MB Lambda's memory.
 */
const TORRENT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

/** A served .torrent with what its reply needs. */
interface CachedTorrent {
  readonly bytes: Uint8Array;
  readonly infoHashV1: string;
  readonly infoHashV2: string | undefined;
  /** The torrent's magnet link (its infohashes, name, trackers and webseeds). */
  readonly magnet: string;
}

/**
 * READY torrents by bucket, key, ETag and format. Never an answer on its own: each request still
 * asks S3 (an anonymous HEAD) whether the object is public and what its ETag is, and then the
 * record whether it is READY for that ETag with that torrent (a small read of its state and
 * infohashes: serveTorrent's `cachedTorrent`), because one ETag can be hashed again (A → B → A on
 * one key, a revoked version made public again) and must not be served until READY again. What
 * is skipped is reading the torrent's bytes (inline in the record or from the artifacts bucket)
 * and parsing them for the magnet link.
 */
class TorrentCache {
  private readonly entries = new LRUCache<string, CachedTorrent>({
    maxSize: TORRENT_CACHE_MAX_BYTES,
    sizeCalculation: (entry) => Math.max(1, entry.bytes.length),
  });

  public get(bucket: string, key: string, etag: string, format: TorrentFormat): CachedTorrent | undefined {
    return this.entries.get(TorrentCache.keyOf(bucket, key, etag, format));
  }

  public set(bucket: string, key: string, etag: string, format: TorrentFormat, entry: CachedTorrent): void {
    this.entries.set(TorrentCache.keyOf(bucket, key, etag, format), entry);
  }

  /** Forgets one entry: the record no longer vouches for it. */
  public delete(bucket: string, key: string, etag: string, format: TorrentFormat): void {
    this.entries.delete(TorrentCache.keyOf(bucket, key, etag, format));
  }

  private static keyOf(bucket: string, key: string, etag: string, format: TorrentFormat): string {
    // Bucket names have no '/', ETags no newline: the parts cannot run into each other.
    return `${format}\n${etag}\n${bucket}/${key}`;
  }
}

export { TORRENT_CACHE_MAX_BYTES, TorrentCache };
export type { CachedTorrent };
