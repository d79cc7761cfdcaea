import { compactPeer, parseIp } from '../../../src/tracker/addresses.js';
import { Swarm } from '../../../src/tracker/Swarm.js';
import type { StoredPeer } from '../../../src/tracker/Swarm.js';
import { SwarmTable } from '../../../src/tracker/SwarmTable.js';

const HASH = 'ab'.repeat(20);

function peer(ip: string, port: number, left: number, seenAt: number): StoredPeer {
  const address = parseIp(ip);
  if (address === undefined) throw new Error(`bad ip ${ip}`);
  return { ...compactPeer(address, port), peerId: new Uint8Array(20), left, seenAt };
}

function sampled(swarm: Swarm, family: 4 | 6, count: number, selfKey = '', skip: ReadonlySet<string> = new Set()): StoredPeer[] {
  const out: StoredPeer[] = [];
  swarm.sample(family, count, selfKey, skip, out);
  return out;
}

describe('Class: Swarm', () => {
  it('counts seeds and leechers as peers come, change and go', () => {
    const swarm = new Swarm(0);
    expect(swarm.upsert(peer('10.0.0.1', 1, 0, 0), 10)).toBe(1);
    expect(swarm.upsert(peer('10.0.0.2', 1, 5, 0), 10)).toBe(1);
    expect([swarm.seeds, swarm.leechers]).toEqual([1, 1]);
    expect(swarm.upsert(peer('10.0.0.2', 1, 0, 1), 10)).toBe(0);
    expect([swarm.seeds, swarm.leechers]).toEqual([2, 0]);
    expect(swarm.remove(peer('10.0.0.1', 1, 0, 0).key)).toBe(true);
    expect(swarm.remove(peer('10.0.0.1', 1, 0, 0).key)).toBe(false);
    expect([swarm.seeds, swarm.leechers, swarm.size]).toEqual([1, 0, 1]);
  });

  it('evicts the least recently announced peer when full', () => {
    const swarm = new Swarm(0);
    swarm.upsert(peer('10.0.0.1', 1, 1, 0), 2);
    swarm.upsert(peer('10.0.0.2', 1, 1, 1), 2);
    swarm.upsert(peer('10.0.0.1', 1, 1, 2), 2); // re-announce: now the newest
    expect(swarm.upsert(peer('10.0.0.3', 1, 1, 3), 2)).toBe(0);
    expect(sampled(swarm, 4, 10).map((p) => p.ip).sort()).toEqual(['10.0.0.1', '10.0.0.3']);
  });

  it('expires peers not seen since the cutoff', () => {
    const swarm = new Swarm(0);
    swarm.upsert(peer('10.0.0.1', 1, 1, 100), 10);
    swarm.upsert(peer('::1', 1, 1, 200), 10);
    swarm.upsert(peer('10.0.0.1', 1, 1, 300), 10);
    expect(swarm.expire(250)).toBe(1);
    expect(swarm.familySize(6)).toBe(0);
    expect(swarm.familySize(4)).toBe(1);
  });

  it('samples one family, skipping what it is told to, never more than asked', () => {
    const swarm = new Swarm(0);
    for (let i = 1; i <= 20; i += 1) swarm.upsert(peer(`10.0.0.${i}`, 1, 1, 0), 100);
    swarm.upsert(peer('::2', 1, 1, 0), 100);
    const skipped = peer('10.0.0.5', 1, 1, 0).key;
    expect(sampled(swarm, 6, 5).map((p) => p.ip)).toEqual(['::2']);
    const all = sampled(swarm, 4, 50, skipped);
    expect(all).toHaveLength(19);
    expect(all.some((p) => p.ip === '10.0.0.5')).toBe(false);
    const some = sampled(swarm, 4, 7);
    expect(sampled(swarm, 4, 50, 'none', new Set([skipped]))).toHaveLength(19);
    expect(some).toHaveLength(7);
    expect(new Set(some.map((p) => p.ip)).size).toBe(7);
  });
});

describe('Class: SwarmTable', () => {
  const limits = { maxTorrents: 2, maxPeersPerTorrent: 3, peerTtlMs: 1000 };

  it('removes a stopped peer and counts completed downloads', () => {
    const table = new SwarmTable(limits);
    table.announce(HASH, peer('10.0.0.1', 1, 9, 0), 'started', 0);
    table.announce(HASH, peer('10.0.0.1', 1, 0, 1), 'completed', 1);
    expect(table.get(HASH, 1)?.downloaded).toBe(1);
    expect(table.stats()).toEqual({ torrents: 1, peers: 1 });
    table.announce(HASH, peer('10.0.0.1', 1, 0, 2), 'stopped', 2);
    expect(table.stats()).toEqual({ torrents: 0, peers: 0 });
  });

  it('keeps at most maxPeersPerTorrent peers and maxTorrents torrents, dropping the oldest', () => {
    const table = new SwarmTable(limits);
    for (let i = 1; i <= 5; i += 1) table.announce(HASH, peer(`10.0.0.${i}`, 1, 1, i), 'update', i);
    expect(table.stats()).toEqual({ torrents: 1, peers: 3 });
    table.announce('01'.repeat(20), peer('10.0.0.1', 1, 1, 6), 'update', 6);
    table.announce('02'.repeat(20), peer('10.0.0.1', 1, 1, 7), 'update', 7);
    expect(table.get(HASH, 7)).toBeUndefined();
    expect(table.stats()).toEqual({ torrents: 2, peers: 2 });
  });

  it('expires peers on read and drops idle empty torrents on sweep', () => {
    const table = new SwarmTable(limits);
    table.announce(HASH, peer('10.0.0.1', 1, 1, 0), 'started', 0);
    expect(table.get(HASH, 999)?.size).toBe(1);
    expect(table.get(HASH, 1001)?.size).toBe(0);
    table.sweep(1001);
    expect(table.get(HASH, 1001)).toBeUndefined();
    expect(table.stats()).toEqual({ torrents: 0, peers: 0 });
  });

  it('forgets a torrent with all its peers', () => {
    const table = new SwarmTable(limits);
    table.announce(HASH, peer('10.0.0.1', 1, 1, 0), 'started', 0);
    table.announce(HASH, peer('10.0.0.2', 1, 1, 0), 'started', 0);
    table.forget(HASH);
    expect(table.get(HASH, 0)).toBeUndefined();
    expect(table.stats()).toEqual({ torrents: 0, peers: 0 });
  });
});
