import type { CachedObject, SpanCache } from '../storage/index.js';
import type { SwarmTorrent } from './SwarmTorrent.js';

/** Smallest and largest span fetched from S3 at once; see CachedObject.spanBytes. */
const MIN_SPAN_BYTES = 256 * 1024;
const MAX_SPAN_BYTES = 8 * 1024 * 1024;

/**
 * Spans of an object the cache can hold twice over: every byte of it will be asked for and
 * stays cached once read, so reading several pieces per GET costs nothing extra and spares
 * most of the GETs (and their latency, which sets the pace of a first download).
 */
function spanBytesFor(pieceLength: number, objectSize: number, cacheBytes: number): number {
  if (2 * objectSize <= cacheBytes) return Math.max(pieceLength, MAX_SPAN_BYTES);
  return Math.min(MAX_SPAN_BYTES, Math.max(MIN_SPAN_BYTES, pieceLength));
}

/** A connection as the swarm sees it: something it can close. */
interface SwarmMember {
  close(reason: string): void;
}

interface SwarmOptions {
  readonly torrent: SwarmTorrent;
  readonly cache: SpanCache;
  /**
   * Reads bytes of the piece space from S3, best into `into`: of this exact object version, or
   * of a prefix snapshot's members (each anonymous, If-Match on its ETag; pads are zeros).
   */
  readonly fetch: (offset: number, length: number, into: Buffer) => Promise<Buffer>;
  /** Called once when the swarm stops, with the reason and the read error that caused it if any. */
  readonly onStop: (swarm: Swarm, reason: string, cause: unknown) => void;
}

/**
 * One object's or prefix snapshot's swarm: every connection on any of its infohashes, and the
 * cached reads of its bytes. Stopping it (revoked, changed, gone) closes every connection at once.
 */
class Swarm {
  public readonly torrent: SwarmTorrent;
  private readonly members = new Set<SwarmMember>();
  private readonly source: CachedObject;
  private stopped = false;
  /** The span of the last read: a read of the next one looks sequential, worth reading ahead. */
  private lastSpan = -2;
  /** When the swarm stopped (epoch ms): from then on, not one byte of the object may go out. */
  private stoppedAtMs: number | undefined;
  private servedBytes = 0;
  private servedAfterStopBytes = 0;

  public constructor(private readonly options: SwarmOptions) {
    this.torrent = options.torrent;
    this.source = {
      id: options.torrent.id,
      size: options.torrent.size,
      spanBytes: spanBytesFor(options.torrent.pieceLength, options.torrent.size, options.cache.capacityBytes),
      fetch: options.fetch,
    };
  }

  public get active(): boolean {
    return !this.stopped;
  }

  public get memberCount(): number {
    return this.members.size;
  }

  /** Adds a connection; false when the swarm has stopped meanwhile. */
  public join(member: SwarmMember): boolean {
    if (this.stopped) return false;
    this.members.add(member);
    return true;
  }

  public leave(member: SwarmMember): void {
    this.members.delete(member);
  }

  /**
   * Calls `use` with bytes of the object, valid during the call only (the cache reuses a span's
   * buffer once it drops it: copy what must outlive the call), and resolves with its result. A
   * failed read (changed, private, gone) is the caller's to report via `stop`.
   */
  public read<T>(offset: number, length: number, use: (bytes: Buffer) => T): Promise<T> {
    const span = Math.floor(offset / this.source.spanBytes);
    // Most clients pick pieces at random; reading ahead then only wastes GETs and cache.
    if (span === this.lastSpan + 1) this.options.cache.prefetchAfter(this.source, offset);
    this.lastSpan = span;
    return this.options.cache.read(this.source, offset, length, use);
  }

  /** When the swarm stopped (epoch ms), if it has. */
  public get stoppedAt(): number | undefined {
    return this.stoppedAtMs;
  }

  /** Block bytes handed to peers' sockets, in all and after the swarm stopped (which must stay 0). */
  public get served(): { readonly bytes: number; readonly afterStopBytes: number } {
    return { bytes: this.servedBytes, afterStopBytes: this.servedAfterStopBytes };
  }

  /** Counts block bytes a connection handed to its socket. */
  public recordServed(bytes: number): void {
    this.servedBytes += bytes;
    if (this.stopped) this.servedAfterStopBytes += bytes;
  }

  /** Stops serving: every connection closes, cached spans are dropped. Idempotent. */
  public stop(reason: string, cause?: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stoppedAtMs = Date.now();
    this.options.cache.forget(this.source.id);
    for (const member of [...this.members]) member.close(reason);
    this.members.clear();
    this.options.onStop(this, reason, cause);
  }
}

export { Swarm, spanBytesFor };
export type { SwarmMember, SwarmOptions };
