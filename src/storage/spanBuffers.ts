/**
 * Buffers for spans read from S3, reused once the span cache has dropped them. Serving a GiB
 * cold is 2,048 spans of 512 KiB: a fresh buffer each made V8 run a full mark-compact about every
 * 20 MiB read (external memory pressure; profiled: 49 per GiB, a third of the seeder's CPU with
 * the page faults of fresh memory).
 *
 * Safety rule: a buffer is given back only by the span cache, when it evicts or deletes the
 * span, and nobody else holds it then: the cache hands a span's bytes to readers only
 * synchronously (see SpanCache.read) and piece messages are copies (PieceMessages). A buffer
 * given back twice, or one this pool did not allocate, is ignored.
 */
class SpanBuffers {
  private readonly idle: Buffer[] = [];
  private readonly idleSet = new Set<ArrayBufferLike>();
  private readonly ours = new WeakSet<ArrayBufferLike>();
  private allocatedCount = 0;
  private reusedCount = 0;

  /** Buffers allocated and reused so far (for tests and the bench). */
  public get stats(): { readonly allocated: number; readonly reused: number; readonly idle: number } {
    return { allocated: this.allocatedCount, reused: this.reusedCount, idle: this.idle.length };
  }

  /**
   * A buffer of exactly `length` bytes, an idle one of that length if any. A miss drops the
   * oldest idle buffer, so that buffers in use plus idle ones never grow by a take.
   */
  public take(length: number): Buffer {
    const at = this.idle.findIndex((buffer) => buffer.length === length);
    if (at >= 0) {
      const [buffer] = this.idle.splice(at, 1) as [Buffer];
      this.idleSet.delete(buffer.buffer);
      this.reusedCount += 1;
      return buffer;
    }
    const dropped = this.idle.shift();
    if (dropped !== undefined) this.idleSet.delete(dropped.buffer);
    // Slow: its own memory, never a slice of Node's shared pool that other code writes into.
    const buffer = Buffer.allocUnsafeSlow(length);
    this.ours.add(buffer.buffer);
    this.allocatedCount += 1;
    return buffer;
  }

  /**
   * Takes back a buffer from `take` that nobody reads any more; kept while fewer than `maxIdle`
   * are idle, else left to the garbage collector.
   */
  public give(buffer: Buffer, maxIdle: number): void {
    if (!this.ours.has(buffer.buffer) || buffer.byteOffset !== 0 || buffer.length !== buffer.buffer.byteLength) return;
    if (this.idleSet.has(buffer.buffer) || this.idle.length >= maxIdle) return;
    this.idle.push(buffer);
    this.idleSet.add(buffer.buffer);
  }

  /** Lets the garbage collector have every idle buffer. */
  public clear(): void {
    this.idle.length = 0;
    this.idleSet.clear();
  }
}

export { SpanBuffers };
