import { swarmStoreOptionsFrom } from '../tracker/index.js';
import type { SwarmStoreOptions } from '../tracker/index.js';
import { startRedis } from './startRedis.js';
import type { RedisHandle } from './startRedis.js';

/** Seeder/tracker pairs `local --seeders N` runs at most: each is a full seeder in this process. */
const MAX_LOCAL_SEEDERS = 8;

/** Where seeder `index` (from 0) listens: the configured ports plus the index, or 0 (a free one) for each when the base is 0. */
function seederPorts(base: { readonly peer: number; readonly tracker: number }, index: number): { peer: number; tracker: number } {
  return { peer: base.peer === 0 ? 0 : base.peer + index, tracker: base.tracker === 0 ? 0 : base.tracker + index };
}

interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Starts `count` seeder/tracker pairs as the Fargate service runs several tasks: with more than
 * one, they share their swarms through a `redis-server` started on loopback (Valkey on AWS),
 * so a peer announced to one tracker is handed out by the others. On a failure, what started is
 * stopped before the error is thrown.
 */
async function startLocalSeeders<T extends Stoppable>(
  count: number,
  startOne: (index: number, sharedStore: SwarmStoreOptions | undefined) => Promise<T>,
): Promise<{ readonly seeders: readonly T[]; readonly swarmStore: RedisHandle | undefined; stop(): Promise<void> }> {
  const started: Stoppable[] = [];
  const seeders: T[] = [];
  const stop = async (): Promise<void> => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };
  try {
    const swarmStore = count > 1 ? await startRedis() : undefined;
    if (swarmStore !== undefined) started.push(swarmStore);
    const sharedStore = swarmStore === undefined ? undefined : swarmStoreOptionsFrom(swarmStore.url);
    for (let index = 0; index < count; index += 1) {
      const seeder = await startOne(index, sharedStore);
      started.push(seeder);
      seeders.push(seeder);
    }
    let stopping: Promise<void> | undefined;
    return { seeders, swarmStore, stop: () => (stopping ??= stop()) };
  } catch (error) {
    await stop();
    throw error;
  }
}

export { MAX_LOCAL_SEEDERS, seederPorts, startLocalSeeders };
