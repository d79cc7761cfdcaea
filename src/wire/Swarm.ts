import type { CachedObject, SpanCache } from '../storage/index.js';
import type { ObjectVersion } from './pieceSpace.js';
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

/** A connection as the swarm sees it: something it can cut off. */
interface SwarmMember {
  /**
   * Ends the connection at once and drops whatever is still queued for the peer, in our buffers
   * and the kernel's: after a withdrawal not one more block may reach it.
   */
  cutOff(reason: string): void;
}

interface SwarmOptions {
  readonly torrent: SwarmTorrent;
  readonly cache: SpanCache;
  /**
   * Reads bytes of exactly this object version (the swarm's, or one member of a prefix
   * snapshot) from S3 (anonymous, If-Match on its ETag), best into `into`. Pads are never read.
   */
  readonly fetch: (object: ObjectVersion, offset: number, length: number, into: Buffer) => Promise<Buffer>;
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
  /**
   * What the cache reads, per file of the piece space (undefined for pads): the object, or each
   * member of a prefix on its own, so a member's spans hold its bytes only (a span of the whole
   * piece space would cache the pads' zeros: 255 KiB of them per 1 KiB file at 256 KiB pieces).
   */
  private readonly sources: ReadonlyArray<CachedObject | undefined>;
  /** The object swarm's one source: its reads skip the mapping. */
  private readonly whole: CachedObject | undefined;
  private stopped = false;
  /** The source and span of the last read: a read of the next span looks sequential, worth reading ahead. */
  private lastSource: CachedObject | undefined;
  private lastSpan = -2;
  /** When the swarm stopped (epoch ms): from then on, not one byte of the object may go out. */
  private stoppedAtMs: number | undefined;
  private servedBytes = 0;
  private servedAfterStopBytes = 0;

  public constructor(private readonly options: SwarmOptions) {
    const { torrent, cache } = options;
    this.torrent = torrent;
    const { space } = torrent;
    // Sized by all the swarm's bytes: they compete for the cache together.
    const spanBytes = spanBytesFor(torrent.pieceLength, space.contentBytes, cache.capacityBytes);
    this.sources = space.files.map((file, index) => {
      const { object } = file;
      if (object === undefined) return undefined;
      // Every span key starts with `${torrent.id}#`, so `stop` forgets them all at once.
      const id = torrent.object === undefined ? `${torrent.id}#${index}` : torrent.id;
      return { id, size: file.size, spanBytes, fetch: (offset, length, into) => options.fetch(object, offset, length, into) };
    });
    this.whole = torrent.object === undefined ? undefined : this.sources[0];
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
   * Calls `use` with bytes of the piece space, valid during the call only (the cache reuses a
   * span's buffer once it drops it: copy what must outlive the call), and resolves with its
   * result. A failed read (changed, private, gone) is the caller's to report via `stop`.
   */
  public read<T>(offset: number, length: number, use: (bytes: Buffer) => T): Promise<T> {
    if (this.whole !== undefined) return this.readFrom(this.whole, offset, length, use);
    const parts = this.torrent.space.parts(offset, length);
    const only = parts.length === 1 ? parts[0] : undefined;
    if (only?.file !== undefined) return this.readFrom(this.sources[only.file] as CachedObject, only.objectOffset, length, use);
    // Pads, or parts of several files (a member's end and its pad): each object part is copied
    // into a buffer of ours, zeros elsewhere, which may then outlive the spans' callbacks.
    const joined = Buffer.alloc(length);
    const reads = parts.flatMap((part) => (part.file === undefined ? [] : [
      this.readFrom(this.sources[part.file] as CachedObject, part.objectOffset, part.length, (bytes) => bytes.copy(joined, part.at)),
    ]));
    return Promise.all(reads).then(() => use(joined));
  }

  private readFrom<T>(source: CachedObject, offset: number, length: number, use: (bytes: Buffer) => T): Promise<T> {
    const span = Math.floor(offset / source.spanBytes);
    // Most clients pick pieces at random; reading ahead then only wastes GETs and cache.
    if (source === this.lastSource && span === this.lastSpan + 1) this.options.cache.prefetchAfter(source, offset);
    this.lastSource = source;
    this.lastSpan = span;
    return this.options.cache.read(source, offset, length, use);
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

  /** Stops serving: every connection is cut off (nothing queued reaches its peer), cached spans are dropped. Idempotent. */
  public stop(reason: string, cause?: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stoppedAtMs = Date.now();
    this.options.cache.forget(this.torrent.id);
    for (const member of [...this.members]) member.cutOff(reason);
    this.members.clear();
    this.options.onStop(this, reason, cause);
  }
}

export { Swarm, spanBytesFor };
export type { SwarmMember, SwarmOptions };
