import { REGISTRY_TIMEOUT_MS } from './constants.js';
import type { TrackerRegistry } from './types.js';

/** A registry verdict: servable, not, or no answer in time (or the registry failed). */
type Verdict = true | false | 'unavailable';

/** How often pending checks are looked at for their deadline. */
const WATCHDOG_PERIOD_MS = 500;

interface Waiter {
  readonly deadline: number;
  readonly settle: (verdict: Verdict) => void;
}

/**
 * Asks the registry with a deadline. One shared watchdog timer serves every pending check: a
 * timer per check (armed and cleared on every announce) cost more than the rest of a UDP
 * announce together.
 */
class RegistryGate {
  /** In order of asking, so the oldest deadlines come first. */
  private readonly waiting = new Set<Waiter>();
  private watchdog: NodeJS.Timeout | undefined;

  public constructor(private readonly registry: TrackerRegistry) {}

  /** The registry's verdict, or 'unavailable' if it throws or takes longer than REGISTRY_TIMEOUT_MS. */
  public async check(infoHashHex: string): Promise<Verdict> {
    let answer: Promise<boolean>;
    try {
      answer = this.registry.isServable(infoHashHex);
    } catch {
      return 'unavailable';
    }
    return new Promise<Verdict>((resolve) => {
      let settled = false;
      const waiter: Waiter = {
        deadline: Date.now() + REGISTRY_TIMEOUT_MS,
        settle: (verdict) => {
          if (settled) return;
          settled = true;
          this.waiting.delete(waiter);
          resolve(verdict);
        },
      };
      this.waiting.add(waiter);
      this.armWatchdog();
      answer.then(
        (servable) => waiter.settle(servable === true),
        () => waiter.settle('unavailable'),
      );
    });
  }

  /** Stops the watchdog; pending checks are answered 'unavailable'. */
  public close(): void {
    for (const waiter of [...this.waiting]) waiter.settle('unavailable');
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private armWatchdog(): void {
    if (this.watchdog !== undefined) return;
    this.watchdog = setInterval(() => {
      const now = Date.now();
      for (const waiter of this.waiting) {
        if (waiter.deadline > now) break;
        waiter.settle('unavailable');
      }
      if (this.waiting.size === 0) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
      }
    }, WATCHDOG_PERIOD_MS);
    this.watchdog.unref();
  }
}

export { RegistryGate };
export type { Verdict };
