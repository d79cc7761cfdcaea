import type { Swarm } from '../wire/index.js';

/** What the safety net paces: the directory's swarms and its full re-check of some of them. */
interface SafetyNetOptions {
  /** The active swarms now (SwarmDirectory.swarms). */
  readonly swarms: () => readonly Swarm[];
  /** The anonymous HEAD and record read of each (SwarmDirectory.revalidate). */
  readonly recheck: (swarms: readonly Swarm[]) => Promise<void>;
  /** Each swarm is re-checked at most once per this long. */
  readonly perSwarmMs: number;
  /** Re-checks per tick at most, whatever the number of swarms. */
  readonly perTick: number;
  /** Clock (ms). @default Date.now */
  readonly now?: (() => number) | undefined;
}

/**
 * The slow safety net behind the change feed: an anonymous HEAD and a record read per swarm,
 * for what no record change announces (an object made private while the access checker's event
 * was lost, a write that bypassed the log). Each swarm is re-checked once per `perSwarmMs` at
 * most, the longest-unchecked first, and never more than `perTick` per tick in total: with more
 * swarms than that covers, each waits its turn and the request rate stays the same.
 */
class SafetyNet {
  private readonly now: () => number;
  private readonly lastChecked = new WeakMap<Swarm, number>();
  private running = false;

  public constructor(private readonly options: SafetyNetOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Re-checks the swarms due, up to `perTick` of them. A swarm seen for the first time counts as
   * checked now: it was just created from a READY record. A tick still running when the next is
   * due makes that one return at once.
   *
   * @returns how many swarms it re-checked.
   */
  public async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const now = this.now();
      const due: Array<{ swarm: Swarm; since: number }> = [];
      for (const swarm of this.options.swarms()) {
        const since = this.lastChecked.get(swarm);
        if (since === undefined) this.lastChecked.set(swarm, now);
        else if (now - since >= this.options.perSwarmMs) due.push({ swarm, since });
      }
      const batch = due.sort((a, b) => a.since - b.since).slice(0, this.options.perTick).map(({ swarm }) => swarm);
      for (const swarm of batch) this.lastChecked.set(swarm, now);
      if (batch.length > 0) await this.options.recheck(batch);
      return batch.length;
    } finally {
      this.running = false;
    }
  }
}

export { SafetyNet };
export type { SafetyNetOptions };
