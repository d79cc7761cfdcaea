import { RecordState } from '../../../src/records/index.js';
import type { ObjectChange, ObjectRecord } from '../../../src/records/index.js';
import { ChangeFeed, LOOKBACK_MS } from '../../../src/seeding/index.js';
import type { Swarm } from '../../../src/wire/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { memorySwarm } from '../../helpers/swarms.js';

const data = pseudoRandomBytes(40_000, 'change-feed');

function record(key: string, state: RecordState, etag = '"e1"'): ObjectRecord {
  return { bucket: 'b', key, etag, size: data.length, state, createdAt: '', updatedAt: '' };
}

function change(key: string, at: number, state: RecordState = RecordState.Revoked): ObjectChange {
  const iso = new Date(at).toISOString();
  return { id: `${iso}#b/${key}`, bucket: 'b', key, state, at: iso };
}

/** A change log, records and swarms in memory, and a clock the test moves. */
function world() {
  const state = {
    clock: 1_000_000,
    log: [] as ObjectChange[],
    records: new Map<string, ObjectRecord>(),
    swarms: new Map<string, Swarm>(),
    queries: [] as Array<{ from: number; until: number }>,
    recordReads: 0,
    failNext: false,
  };
  const feed = new ChangeFeed({
    since: async (from, until) => {
      if (state.failNext) {
        state.failNext = false;
        throw new Error('throttled');
      }
      state.queries.push({ from: from.getTime(), until: until.getTime() });
      return state.log.filter((c) => Date.parse(c.at) >= from.getTime());
    },
    swarmOf: (_bucket, key) => state.swarms.get(key),
    current: async (_bucket, key) => {
      state.recordReads += 1;
      return state.records.get(key);
    },
    now: () => state.clock,
  });
  const addSwarm = async (key: string): Promise<{ swarm: Swarm; stops: string[] }> => {
    const made = await memorySwarm({ bucket: 'b', key, etag: '"e1"' }, data);
    state.swarms.set(key, made.swarm);
    state.records.set(key, record(key, RecordState.Ready));
    return made;
  };
  return { state, feed, addSwarm };
}

describe('Class: ChangeFeed', () => {
  it('reads the log once per poll and no record at all while nothing changes, however many swarms', async () => {
    // Prepare
    const { state, feed, addSwarm } = world();
    for (let i = 0; i < 50; i += 1) await addSwarm(`k${i}.bin`);

    // Act
    for (let i = 0; i < 5; i += 1) {
      state.clock += 1_000;
      await feed.poll();
    }

    // Assess
    expect(state.queries).toHaveLength(5);
    expect(state.recordReads).toBe(0);
  });

  it('stops the swarm of a revoked object after confirming with its record, and only that one', async () => {
    // Prepare
    const { state, feed, addSwarm } = world();
    const revoked = await addSwarm('revoked.bin');
    const other = await addSwarm('other.bin');
    state.records.set('revoked.bin', record('revoked.bin', RecordState.Revoked));
    state.log.push(change('revoked.bin', state.clock));

    // Act
    state.clock += 1_000;
    const stopped = await feed.poll();

    // Assess
    expect(stopped).toBe(1);
    expect(revoked.stops).toEqual(['record is REVOKED for ETag "e1"']);
    expect(revoked.swarm.active).toBe(false);
    expect(other.swarm.active).toBe(true);
    expect(state.recordReads).toBe(1);
  });

  it('keeps a swarm whose record is READY again for its ETag, and reads that record once for the change', async () => {
    // Prepare: a logged change the record has since moved past (READY for the same version).
    const { state, feed, addSwarm } = world();
    const kept = await addSwarm('kept.bin');
    state.log.push(change('kept.bin', state.clock, RecordState.Pending));

    // Act: the change stays inside the look-back for several polls.
    for (let i = 0; i < 3; i += 1) {
      state.clock += 1_000;
      await feed.poll();
    }

    // Assess
    expect(kept.swarm.active).toBe(true);
    expect(state.recordReads).toBe(1);
  });

  it('stops a swarm created just after its change was first read (the next poll looks again)', async () => {
    // Prepare: the change is read before the swarm exists (its record was read READY just before).
    const { state, feed, addSwarm } = world();
    state.log.push(change('late.bin', state.clock));
    state.clock += 1_000;
    await feed.poll();
    const late = await addSwarm('late.bin');
    state.records.set('late.bin', record('late.bin', RecordState.Revoked));

    // Act
    state.clock += 1_000;
    await feed.poll();

    // Assess
    expect(late.stops).toEqual(['record is REVOKED for ETag "e1"']);
  });

  it(`reads from ${LOOKBACK_MS} ms before the previous successful poll, so a failed poll loses nothing`, async () => {
    // Prepare
    const { state, feed } = world();
    const startedAt = state.clock;

    // Act: a poll, a failed one, then another.
    state.clock += 1_000;
    await feed.poll();
    state.clock += 1_000;
    state.failNext = true;
    await expect(feed.poll()).rejects.toThrow('throttled');
    state.clock += 1_000;
    await feed.poll();

    // Assess
    expect(state.queries).toEqual([
      { from: startedAt - LOOKBACK_MS, until: startedAt + 1_000 },
      { from: startedAt + 1_000 - LOOKBACK_MS, until: startedAt + 3_000 },
    ]);
  });

  it('lets a poll that is due while the previous one runs return at once', async () => {
    // Prepare: a slow log.
    let release: () => void = () => undefined;
    let queries = 0;
    const feed = new ChangeFeed({
      since: async () => {
        queries += 1;
        await new Promise<void>((resolve) => (release = resolve));
        return [];
      },
      swarmOf: () => undefined,
      current: async () => undefined,
    });

    // Act
    const first = feed.poll();
    const second = await feed.poll();
    release();
    await first;

    // Assess
    expect(second).toBe(0);
    expect(queries).toBe(1);
  });
});
