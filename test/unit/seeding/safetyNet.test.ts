import { SafetyNet } from '../../../src/seeding/index.js';
import type { Swarm } from '../../../src/wire/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { memorySwarm } from '../../helpers/swarms.js';

const data = pseudoRandomBytes(20_000, 'safety-net');

async function swarms(count: number): Promise<Swarm[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => (await memorySwarm({ bucket: 'b', key: `k${i}`, etag: '"e"' }, data)).swarm));
}

describe('Class: SafetyNet', () => {
  it('re-checks each swarm once per period while few swarms fit the per-tick budget', async () => {
    // Prepare
    const all = await swarms(3);
    let clock = 0;
    const checked: Swarm[][] = [];
    const net = new SafetyNet({ swarms: () => all, recheck: async (batch) => void checked.push([...batch]), perSwarmMs: 5_000, perTick: 5, now: () => clock });

    // Act: one tick a second for 11 s.
    for (; clock <= 11_000; clock += 1_000) await net.tick();

    // Assess: nothing at first (just created from READY records), then all three at 5 s and 10 s.
    expect(checked.map((batch) => batch.length)).toEqual([3, 3]);
  });

  it('never re-checks more than the per-tick budget, the longest-waiting first, so every swarm gets its turn', async () => {
    // Prepare
    const all = await swarms(12);
    let clock = 0;
    const perTick: number[] = [];
    const lastChecked = new Map<Swarm, number>();
    const gaps: number[] = [];
    const net = new SafetyNet({
      swarms: () => all,
      recheck: async (batch) => {
        perTick.push(batch.length);
        for (const swarm of batch) {
          const last = lastChecked.get(swarm);
          if (last !== undefined) gaps.push(clock - last);
          lastChecked.set(swarm, clock);
        }
      },
      perSwarmMs: 1_000,
      perTick: 5,
      now: () => clock,
    });

    // Act: 30 ticks.
    for (let i = 0; i <= 30; i += 1, clock += 1_000) await net.tick();

    // Assess: 5 a tick at most; 12 swarms at 5 a tick take 12/5 ticks, so each waits 2 or 3 s.
    expect(Math.max(...perTick)).toBe(5);
    expect(lastChecked.size).toBe(12);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3_000);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2_000);
  });

  it('lets a tick that is due while the previous re-check runs return at once', async () => {
    // Prepare
    const all = await swarms(2);
    let clock = 0;
    let release: () => void = () => undefined;
    let calls = 0;
    const net = new SafetyNet({
      swarms: () => all,
      recheck: async () => {
        calls += 1;
        await new Promise<void>((resolve) => (release = resolve));
      },
      perSwarmMs: 1_000,
      perTick: 5,
      now: () => clock,
    });
    await net.tick();
    clock = 1_000;

    // Act
    const first = net.tick();
    const second = await net.tick();
    release();

    // Assess
    expect(await first).toBe(2);
    expect(second).toBe(0);
    expect(calls).toBe(1);
  });
});
