/**
 * A small seeded PRNG (mulberry32): the same seed replays the same storm, so a failure found
 * once can be found again (the tests print the seed and read S3TORRENT_FUZZ_SEED).
 */
class Rng {
  private state: number;

  public constructor(public readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** From S3TORRENT_FUZZ_SEED when set (to replay a failure), else fresh. */
  public static fromEnv(): Rng {
    const fixed = process.env['S3TORRENT_FUZZ_SEED'];
    return new Rng(fixed !== undefined && fixed !== '' ? Number(fixed) : Math.floor(Math.random() * 0x1_0000_0000));
  }

  /** Uniform in [0, 1). */
  public next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  }

  /** Integer in [0, n). */
  public int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  public range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  public uint32(): number {
    return this.int(0x1_0000_0000);
  }

  public chance(p: number): boolean {
    return this.next() < p;
  }

  public pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  public bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n + 3);
    for (let i = 0; i < n; i += 4) out.writeUInt32LE(this.uint32(), i);
    return out.subarray(0, n);
  }

  /** A value from the edges integers break at, or a random one. */
  public edgyUint32(): number {
    return this.chance(0.5) ? this.pick([0, 1, 0x7f, 0xff, 0x3fff, 0x4000, 0x4001, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) : this.uint32();
  }
}

export { Rng };
