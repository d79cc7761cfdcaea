/** What the choker needs of a connection. */
interface Chokeable {
  readonly interested: boolean;
  setChoked(choked: boolean): void;
}

/**
 * A seeder's choking: up to `maxUnchoked` interested peers download at once; when others wait,
 * every rotation the one unchoked longest makes room for the one waiting longest (round robin,
 * as libtorrent's seeding choker does), so nobody starves and nobody hogs.
 */
class Choker<T extends Chokeable> {
  /** Unchoked peers, in the order they were unchoked. */
  private readonly unchoked = new Set<T>();
  private readonly waiting = new Set<T>();

  public constructor(private readonly maxUnchoked: number) {}

  public get unchokedCount(): number {
    return this.unchoked.size;
  }

  public interested(peer: T): void {
    if (this.unchoked.has(peer) || this.waiting.has(peer)) return;
    if (this.unchoked.size < this.maxUnchoked) this.unchoke(peer);
    else this.waiting.add(peer);
  }

  /** The peer lost interest or left: its slot goes to the next in line. */
  public remove(peer: T): void {
    this.waiting.delete(peer);
    if (this.unchoked.delete(peer)) {
      peer.setChoked(true);
      this.fill();
    }
  }

  /**
   * One round-robin step, called on a timer: up to a quarter of the slots pass from the peers
   * unchoked longest to those waiting longest, so that with many leechers everyone gets a turn
   * within a few rotations.
   */
  public rotate(): void {
    const turns = Math.min(this.waiting.size, Math.max(1, Math.floor(this.maxUnchoked / 4)));
    for (let turn = 0; turn < turns; turn += 1) {
      const oldest = this.unchoked.values().next();
      if (oldest.done) break;
      this.unchoked.delete(oldest.value);
      oldest.value.setChoked(true);
      if (oldest.value.interested) this.waiting.add(oldest.value);
    }
    this.fill();
  }

  private fill(): void {
    for (const next of this.waiting) {
      if (this.unchoked.size >= this.maxUnchoked) return;
      this.waiting.delete(next);
      if (next.interested) this.unchoke(next);
    }
  }

  private unchoke(peer: T): void {
    this.unchoked.add(peer);
    peer.setChoked(false);
  }
}

export { Choker };
export type { Chokeable };
