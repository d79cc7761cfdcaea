import type { EgressIncrement } from '../records/index.js';
import type { AnnounceNotice } from '../tracker/index.js';
import type { ObjectVersion, Swarm } from '../wire/index.js';
import { EgressLedger } from './EgressLedger.js';
import type { EgressFigures, EgressReport } from './EgressLedger.js';

/**
 * Object versions waiting to be written, at most: one increment each, merged while waiting.
 * With DynamoDB slow or down for a long time, a new version's increment past the cap is dropped
 * and counted (`droppedWrites`); downloads never wait on any of it.
 */
const MAX_UNWRITTEN_OBJECTS = 20_000;

/** Writes in flight at once during a flush: enough for thousands of objects a minute, few enough not to crowd the seeder's own reads. */
const MAX_WRITES_IN_FLIGHT = 8;

/**
 * How long `close` waits for its last flush: well inside the 30 s ECS gives a task between
 * SIGTERM and SIGKILL, with the rest of the shutdown. What is not written by then is dropped.
 */
const CLOSE_FLUSH_MS = 10_000;

/** One period's report as the seeder tells its operator: the figures, and what could not be kept. */
interface EgressPeriod extends EgressReport {
  /** Length of the period the counts cover. */
  readonly periodMs: number;
  /** Increments dropped since the last period: the queue was full, or the last flush ran out of time. */
  readonly droppedWrites: number;
  /** Writes that failed since the last period (their increments wait for the next flush). */
  readonly failedWrites: number;
  /** The first failure's message, when there was one. */
  readonly failure: string | undefined;
}

interface EgressAccountingOptions {
  /** How often counts are reported and written. */
  readonly flushMs: number;
  /** The swarms running now (their served bytes are collected at each period). */
  readonly swarms: () => readonly Swarm[];
  /** Adds one increment to the persisted totals (RecordStore + addEgress). */
  readonly write: (increment: EgressIncrement) => Promise<void>;
  /** Told each period's figures (metrics, log). Must not throw (it is caught if it does). */
  readonly report: (period: EgressPeriod) => void;
  /** Longest `close` waits for its last writes. @default CLOSE_FLUSH_MS */
  readonly closeFlushMs?: number;
}

/**
 * The seeder's egress accounting: an {@link EgressLedger} fed by the tracker and the swarms,
 * reported every `flushMs` and added to the persisted totals in the background, through a
 * bounded queue. A write that fails is retried at the next flush (so a write that failed after
 * DynamoDB applied it may count twice; a lost count is the worse error for a bill). `close`
 * reports and writes what is left, bounded in time.
 */
class EgressAccounting {
  private readonly ledger = new EgressLedger();
  private readonly unwritten = new Map<string, EgressIncrement>();
  /** The swarm size last written per version (bounded like the queue): an unchanged one is not written again. */
  private readonly lastSwarm = new Map<string, { readonly object: ObjectVersion; readonly size: number; readonly seeds: number; readonly leechers: number }>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private periodStart = Date.now();
  private droppedWrites = 0;
  private failedWrites = 0;
  private failure: string | undefined;
  private closed = false;
  /** Writes sent and not yet answered, and those of the running flush not yet sent. */
  private writing = 0;
  private waitingInFlush = 0;
  private stopping = false;

  public constructor(private readonly options: EgressAccountingOptions) {
    this.timer = setInterval(() => void this.tick(), options.flushMs);
    this.timer.unref();
  }

  /** Files an accepted announce of `swarm` (the tracker's notice). */
  public announce(notice: AnnounceNotice, swarm: Swarm): void {
    if (!this.closed) this.ledger.announce(notice, swarm);
  }

  /** Reports the period now and waits for its writes (or the flush still running): what the timer does. */
  public async tick(): Promise<void> {
    this.period();
    await this.flushing;
  }

  /** A swarm stopped: its last served bytes are taken now; a withdrawn one's peers are forgotten. */
  public swarmStopped(swarm: Swarm, withdrawn: boolean): void {
    this.ledger.collectServed(swarm);
    if (withdrawn && !this.stopping) this.ledger.forgetPeersOf(swarm);
  }

  /** The seeder is stopping: the swarms it stops now are not withdrawn, their peers' last swarm sizes are kept. */
  public shuttingDown(): void {
    this.stopping = true;
  }

  /**
   * Reports and writes what is left (call it once the swarms have stopped), waiting at most
   * CLOSE_FLUSH_MS: the flush under way, then one more for what came or failed meanwhile. What
   * is still unwritten then is dropped, and reported as dropped.
   */
  public async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, this.options.closeFlushMs ?? CLOSE_FLUSH_MS);
    });
    this.period();
    await Promise.race([this.flushing, deadline]);
    if (!timedOut && this.unwritten.size > 0) {
      this.flushing ??= this.startFlush();
      await Promise.race([this.flushing, deadline]);
    }
    clearTimeout(timer);
    // Writes still unanswered are counted as lost: the process is about to exit.
    this.droppedWrites += this.unwritten.size + this.writing + this.waitingInFlush;
    this.unwritten.clear();
    this.tell({ figures: [], droppedUpdates: 0 }, 0);
  }

  /** Reports the period and starts a flush unless one is still running (its queue keeps growing meanwhile, bounded). */
  private period(): void {
    for (const swarm of this.options.swarms()) this.ledger.collectServed(swarm);
    const report = this.ledger.report();
    const now = Date.now();
    const periodMs = now - this.periodStart;
    this.periodStart = now;
    const seen = new Set<string>();
    for (const figures of report.figures) seen.add(this.enqueue(figures));
    // A swarm last written with peers and heard from by none since is written empty, once.
    for (const [id, last] of this.lastSwarm) {
      if (!seen.has(id) && last.seeds + last.leechers > 0) {
        this.enqueue({ object: last.object, size: last.size, servedBytes: 0, peerDownloadedBytes: 0, completions: 0, seeds: 0, leechers: 0 });
      }
    }
    this.tell(report, periodMs);
    this.flushing ??= this.startFlush();
  }

  private startFlush(): Promise<void> {
    return this.flush().finally(() => {
      this.flushing = undefined;
    });
  }

  private tell(report: EgressReport, periodMs: number): void {
    const { droppedWrites, failedWrites, failure } = this;
    this.droppedWrites = 0;
    this.failedWrites = 0;
    this.failure = undefined;
    if (report.figures.length === 0 && report.droppedUpdates === 0 && droppedWrites === 0 && failedWrites === 0) return;
    try {
      this.options.report({ ...report, periodMs, droppedWrites, failedWrites, failure });
    } catch {
      // Reporting must not stop the accounting.
    }
  }

  /** Queues the figures' increment (merged with one waiting); returns the version's id. */
  private enqueue(figures: EgressFigures): string {
    const { object, size } = figures;
    const id = `${object.bucket}/${object.key}@${object.etag}`;
    const waiting = this.unwritten.get(id);
    const counted = figures.servedBytes > 0 || figures.peerDownloadedBytes > 0 || figures.completions > 0;
    const swarm = { seeds: figures.seeds, leechers: figures.leechers };
    if (waiting !== undefined) {
      this.unwritten.set(id, { ...withCounts(waiting, figures), swarm });
      return id;
    }
    // A swarm that only stayed the same size is not worth a write.
    const last = this.lastSwarm.get(id);
    if (!counted && last?.seeds === swarm.seeds && last.leechers === swarm.leechers) return id;
    if (this.unwritten.size >= MAX_UNWRITTEN_OBJECTS) {
      this.droppedWrites += 1;
      return id;
    }
    this.unwritten.set(id, { ...object, size, servedBytes: figures.servedBytes, peerDownloadedBytes: figures.peerDownloadedBytes, completions: figures.completions, swarm });
    return id;
  }

  private async flush(): Promise<void> {
    const batch = [...this.unwritten.entries()];
    this.unwritten.clear();
    this.waitingInFlush = batch.length;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.length) {
        const [id, increment] = batch[next] as [string, EgressIncrement];
        next += 1;
        this.waitingInFlush -= 1;
        this.writing += 1;
        try {
          await this.options.write(increment);
          this.rememberSwarm(id, increment);
        } catch (error) {
          this.failedWrites += 1;
          this.failure ??= error instanceof Error ? error.message : String(error);
          this.requeue(id, increment);
        } finally {
          this.writing -= 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_WRITES_IN_FLIGHT, batch.length) }, worker));
  }

  private rememberSwarm(id: string, written: EgressIncrement): void {
    this.lastSwarm.delete(id);
    const { bucket, key, etag } = written;
    this.lastSwarm.set(id, { object: { bucket, key, etag }, size: written.size, ...written.swarm });
    for (const oldest of this.lastSwarm.keys()) {
      if (this.lastSwarm.size <= MAX_UNWRITTEN_OBJECTS) break;
      this.lastSwarm.delete(oldest);
    }
  }

  /** A failed increment goes back in the queue, merged with what came since (the newer swarm size wins). */
  private requeue(id: string, increment: EgressIncrement): void {
    const waiting = this.unwritten.get(id);
    if (waiting === undefined && this.unwritten.size >= MAX_UNWRITTEN_OBJECTS) {
      this.droppedWrites += 1;
      return;
    }
    this.unwritten.set(id, waiting === undefined ? increment : withCounts(waiting, increment));
  }
}

/** `waiting` with `more`'s counts added (its own swarm size kept). */
function withCounts(waiting: EgressIncrement, more: Pick<EgressIncrement, 'servedBytes' | 'peerDownloadedBytes' | 'completions'>): EgressIncrement {
  return {
    ...waiting,
    servedBytes: waiting.servedBytes + more.servedBytes,
    peerDownloadedBytes: waiting.peerDownloadedBytes + more.peerDownloadedBytes,
    completions: waiting.completions + more.completions,
  };
}

export { CLOSE_FLUSH_MS, EgressAccounting, MAX_UNWRITTEN_OBJECTS, MAX_WRITES_IN_FLIGHT };
export type { EgressAccountingOptions, EgressPeriod };
