import { fromCompact, parseIp, peerKey, writeCompact } from '../../../src/tracker/addresses.js';
import { BYTES_PER_IPV4_PEER, BYTES_PER_SWARM } from '../../../src/tracker/constants.js';
import { INDEX_THRESHOLD } from '../../../src/tracker/PeerList.js';
import type { PeerKey } from '../../../src/tracker/PeerList.js';
import { Swarm } from '../../../src/tracker/Swarm.js';
import { SwarmTable } from '../../../src/tracker/SwarmTable.js';
import type { PeerToStore } from '../../../src/tracker/SwarmTable.js';

const HASH = 'ab'.repeat(20);

function key(ip: string, port: number): PeerKey {
  const address = parseIp(ip);
  if (address === undefined) throw new Error(`bad ip ${ip}`);
  return peerKey(address, port);
}

function peer(ip: string, port: number, seed = false): PeerToStore {
  return { family: ip.includes(':') ? 6 : 4, key: key(ip, port), seed };
}

function text(family: 4 | 6, peerKeyValue: PeerKey): string {
  const out = Buffer.alloc(family === 4 ? 6 : 18);
  writeCompact(family, peerKeyValue, out, 0);
  const { ip, port } = fromCompact(out);
  return `${ip}:${port}`;
}

function sampled(swarm: Swarm, family: 4 | 6, count: number, selfKey: PeerKey = -1, skip: ReadonlySet<PeerKey> = new Set()): string[] {
  const out: PeerKey[] = [];
  swarm.sample(family, count, selfKey, skip, out);
  return out.map((k) => text(family, k));
}

describe('Class: Swarm', () => {
  it('counts seeds and leechers as peers come, change and go', () => {
    const swarm = new Swarm(0);
    expect(swarm.upsert(4, key('10.0.0.1', 1), 0, true)).toBe(1);
    expect(swarm.upsert(4, key('10.0.0.2', 1), 0, false)).toBe(1);
    expect([swarm.seeds, swarm.leechers]).toEqual([1, 1]);
    expect(swarm.upsert(4, key('10.0.0.2', 1), 1, true)).toBe(0);
    expect([swarm.seeds, swarm.leechers]).toEqual([2, 0]);
    expect(swarm.remove(4, key('10.0.0.1', 1))).toBe(true);
    expect(swarm.remove(4, key('10.0.0.1', 1))).toBe(false);
    expect([swarm.seeds, swarm.leechers, swarm.size]).toEqual([1, 0, 1]);
  });

  it('keeps the later of two sightings of a peer', () => {
    const swarm = new Swarm(0);
    swarm.upsert(4, key('10.0.0.1', 1), 500, false);
    swarm.upsert(4, key('10.0.0.1', 1), 100, true);
    expect([...swarm.peers(4)]).toEqual([{ key: key('10.0.0.1', 1), seenAt: 500, seed: false }]);
  });

  it('expires peers not seen since the cutoff, in small and indexed swarms alike', () => {
    for (const count of [3, 4 * INDEX_THRESHOLD]) {
      const swarm = new Swarm(0);
      for (let i = 0; i < count; i += 1) swarm.upsert(4, key('10.0.0.1', 1000 + i), i % 2 === 0 ? 100 : 300, i % 4 === 0);
      swarm.upsert(6, key('::1', 1), 200, false);
      const expired = swarm.expire(250);
      expect(expired).toEqual({ v4: Math.ceil(count / 2), v6: 1 });
      expect(swarm.familySize(6)).toBe(0);
      expect(swarm.size).toBe(Math.floor(count / 2));
      expect(swarm.seeds).toBe(0);
      // What is left is still found by key: a re-announce refreshes rather than duplicates.
      for (let i = 1; i < count; i += 2) expect(swarm.upsert(4, key('10.0.0.1', 1000 + i), 400, false)).toBe(0);
      expect(swarm.size).toBe(Math.floor(count / 2));
    }
  });

  it('samples one family, skipping what it is told to, never more than asked', () => {
    const swarm = new Swarm(0);
    for (let i = 1; i <= 20; i += 1) swarm.upsert(4, key(`10.0.0.${i}`, 1), 0, false);
    swarm.upsert(6, key('::2', 1), 0, false);
    const skipped = key('10.0.0.5', 1);
    expect(sampled(swarm, 6, 5)).toEqual(['::2:1']);
    const all = sampled(swarm, 4, 50, skipped);
    expect(all).toHaveLength(19);
    expect(all).not.toContain('10.0.0.5:1');
    expect(sampled(swarm, 4, 50, -1, new Set([skipped]))).toHaveLength(19);
    const some = sampled(swarm, 4, 7);
    expect(some).toHaveLength(7);
    expect(new Set(some).size).toBe(7);
  });
});

describe('Class: SwarmTable', () => {
  const roomy = { memoryBytes: 1024 * 1024, peerTtlMs: 1000 };

  it('removes a stopped peer and counts completed downloads', () => {
    const table = new SwarmTable(roomy);
    table.announce(HASH, peer('10.0.0.1', 1), 'started', 0);
    table.announce(HASH, peer('10.0.0.1', 1, true), 'completed', 1);
    expect(table.get(HASH, 1)?.downloaded).toBe(1);
    expect(table.stats()).toEqual({ torrents: 1, peers: 1, memoryBytes: BYTES_PER_SWARM + BYTES_PER_IPV4_PEER, evictions: 0 });
    table.announce(HASH, peer('10.0.0.1', 1), 'stopped', 2);
    expect(table.stats()).toMatchObject({ torrents: 0, peers: 0 });
  });

  it('holds one torrent with far more than a thousand peers', () => {
    const table = new SwarmTable({ memoryBytes: 64 * 1024 * 1024, peerTtlMs: 1000 });
    for (let i = 0; i < 50_000; i += 1) table.announce(HASH, peer(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 6881), 'started', 0);
    expect(table.stats()).toMatchObject({ torrents: 1, peers: 50_000, evictions: 0 });
  });

  it('past its budget drops the peers announced longest ago, counting them, and the swarms they leave empty', () => {
    // Room for 100 IPv4 peers and their one swarm, give or take.
    const budget = BYTES_PER_SWARM + 100 * BYTES_PER_IPV4_PEER;
    const table = new SwarmTable({ memoryBytes: budget, peerTtlMs: 1_000_000 });
    table.announce('01'.repeat(20), peer('10.1.0.1', 1), 'started', 0);
    for (let i = 0; i < 300; i += 1) table.announce(HASH, peer('10.0.0.1', 1000 + i), 'started', 10 + i);
    const stats = table.stats();
    expect(stats.memoryBytes).toBeLessThanOrEqual(budget);
    expect(stats.evictions).toBe(301 - stats.peers);
    expect(stats.peers).toBeGreaterThan(80);
    // The lone peer of the other torrent was the oldest: it went first, and its swarm with it.
    expect(table.get('01'.repeat(20), 400)).toBeUndefined();
    // What is left is the newest peers, oldest first gone.
    const ports = [...(table.get(HASH, 400)?.peers(4) ?? [])].map((p) => text(4, p.key)).map((t) => Number(t.split(':')[1])).sort((a, b) => a - b);
    expect(ports).toEqual(Array.from({ length: stats.peers }, (_, i) => 1300 - stats.peers + i));
  });

  it('evicts down to the budget even when every peer announced at the same moment', () => {
    const budget = BYTES_PER_SWARM + 50 * BYTES_PER_IPV4_PEER;
    const table = new SwarmTable({ memoryBytes: budget, peerTtlMs: 1000 });
    for (let i = 0; i < 200; i += 1) table.announce(HASH, peer('10.0.0.1', 1000 + i), 'started', 5);
    const stats = table.stats();
    expect(stats.memoryBytes).toBeLessThanOrEqual(budget);
    expect(stats.peers).toBeGreaterThan(40);
    expect(stats.evictions).toBe(200 - stats.peers);
  });

  it('expires peers on read and drops idle empty torrents on sweep', () => {
    const table = new SwarmTable(roomy);
    table.announce(HASH, peer('10.0.0.1', 1), 'started', 0);
    expect(table.get(HASH, 999)?.size).toBe(1);
    expect(table.get(HASH, 1001)?.size).toBe(0);
    table.sweep(1001);
    expect(table.get(HASH, 1001)).toBeUndefined();
    expect(table.stats()).toMatchObject({ torrents: 0, peers: 0, memoryBytes: 0 });
  });

  it('forgets a torrent with all its peers', () => {
    const table = new SwarmTable(roomy);
    table.announce(HASH, peer('10.0.0.1', 1), 'started', 0);
    table.announce(HASH, peer('::1', 2), 'started', 0);
    table.forget(HASH);
    expect(table.get(HASH, 0)).toBeUndefined();
    expect(table.stats()).toMatchObject({ torrents: 0, peers: 0, memoryBytes: 0 });
  });

  it('merges peers another task holds with their own last-seen time, skipping expired, malformed and the seeder\'s own', () => {
    const table = new SwarmTable(roomy);
    table.announce(HASH, peer('10.0.0.1', 1), 'started', 5000);
    const compact = (ip: string, port: number): Buffer => {
      const out = Buffer.alloc(ip.includes(':') ? 18 : 6);
      writeCompact(ip.includes(':') ? 6 : 4, key(ip, port), out, 0);
      return out;
    };
    const remote = (ip: string, port: number, seed: boolean, seenAt: number) => ({ compact: compact(ip, port), seenAt, seed, stopped: false });
    const held = table.mergeRemote(
      HASH,
      [
        remote('10.0.0.1', 1, true, 4000), // older than ours: ours stays a leecher
        remote('10.0.0.2', 2, true, 4500),
        remote('::3', 3, false, 4900),
        remote('10.0.0.4', 4, false, 3000), // expired (lifetime 1000)
        { compact: Buffer.alloc(5), seenAt: 5000, seed: false, stopped: false }, // neither 6 nor 18 bytes
        remote('10.0.0.9', 6881, true, 5000), // the seeder's own address
      ],
      5000,
      { 4: new Set([key('10.0.0.9', 6881)]), 6: new Set() },
    );
    expect(held).toBe(true);
    const swarm = table.get(HASH, 5000);
    expect([swarm?.seeds, swarm?.leechers]).toEqual([1, 2]);
    // A merged peer lapses a lifetime after it was seen there, not here.
    expect(table.get(HASH, 5501)?.size).toBe(2);
    // A swarm not held here is not created by a merge.
    expect(table.mergeRemote('cd'.repeat(20), [remote('10.0.0.2', 2, true, 5000)], 5000, { 4: new Set(), 6: new Set() })).toBe(false);
  });
});
