import type { ObjectChange, ObjectRecord } from '../records/index.js';
import type { PrefixRecord } from '../records/prefixSchema.js';
import { ChangeFeed } from './ChangeFeed.js';
import { SafetyNet } from './SafetyNet.js';
import type { SwarmDirectory } from './SwarmDirectory.js';

/** The safety net's pace is set per second: it looks for swarms due once a second. */
const SAFETY_NET_TICK_MS = 1_000;

/** Where revalidation reads: the change log and the records (a RecordStore). */
interface RevalidationRecords {
  readonly changes: { since(from: Date, until: Date): Promise<readonly ObjectChange[]> };
  get(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /**
   * The prefix record now (PrefixStore). Without it, the change feed leaves prefix swarms to
   * the safety net (SwarmSource.currentPrefix).
   */
  getPrefix?(bucket: string, prefix: string): Promise<PrefixRecord | undefined>;
}

interface RevalidationSettings {
  readonly changePollMs: number;
  readonly recheckMs: number;
  readonly rechecksPerSecond: number;
}

/** The two timers; `stop` clears both (what is running finishes on its own). */
interface Revalidation {
  readonly feed: ChangeFeed;
  readonly safetyNet: SafetyNet;
  stop(): void;
}

/**
 * Keeps the seeder's swarms in line with their records and S3, at a request rate that does not
 * grow with the number of swarms: the change feed (one Query per `changePollMs`) stops a swarm
 * whose record changed; the safety net re-checks swarms with an anonymous HEAD and a record read,
 * each at most once per `recheckMs` and `rechecksPerSecond` in total, and drops idle swarms.
 */
function startRevalidation(
  directory: SwarmDirectory,
  records: RevalidationRecords,
  settings: RevalidationSettings,
  onError: (message: string, error: unknown) => void,
): Revalidation {
  const feed = new ChangeFeed({
    since: (from, until) => records.changes.since(from, until),
    swarmOf: (bucket, key) => directory.swarmOf(bucket, key),
    current: (bucket, key) => records.get(bucket, key),
    prefixSwarmsOver: (bucket, key) => directory.prefixSwarmsOver(bucket, key),
    currentPrefix: records.getPrefix === undefined ? undefined : async (bucket, prefix) => records.getPrefix?.(bucket, prefix),
  });
  const safetyNet = new SafetyNet({
    swarms: () => directory.swarms,
    recheck: (swarms) => directory.revalidate(swarms),
    perSwarmMs: settings.recheckMs,
    perTick: Math.max(1, Math.round((settings.rechecksPerSecond * SAFETY_NET_TICK_MS) / 1000)),
  });
  const timers = [
    setInterval(() => {
      feed.poll().catch((error: unknown) => onError('reading the change log', error));
    }, settings.changePollMs),
    setInterval(() => {
      directory.dropIdle();
      safetyNet.tick().catch((error: unknown) => onError('revalidating swarms', error));
    }, SAFETY_NET_TICK_MS),
  ];
  for (const timer of timers) timer.unref();
  return {
    feed,
    safetyNet,
    stop: () => {
      for (const timer of timers) clearInterval(timer);
    },
  };
}

export { SAFETY_NET_TICK_MS, startRevalidation };
export type { Revalidation, RevalidationRecords, RevalidationSettings };
