// Several tracker tasks, one Valkey/Redis store (Debian's redis-server on loopback): what a
// peer announces to one task, the others return; with the store gone, each keeps tracking alone.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { SEEDER_ACCESS, SEEDER_USER } from '../../../lib/SwarmStore.js';
import { startRedis } from '../../../src/local/index.js';
import type { RedisHandle } from '../../../src/local/index.js';
import { TrackerServer, swarmStoreOptionsFrom } from '../../../src/tracker/index.js';
import type { StoreStatus, TrackerOptions } from '../../../src/tracker/index.js';
import { announceQuery, bdict, compactPeers, httpGet } from './trackerClients.js';

const SERVED = Buffer.alloc(20, 0x5a);
const SERVED_HEX = SERVED.toString('hex');

/** What the sync promises (a flush every 200 ms, a pull every 500 ms) with slack for a loaded machine. */
const PROPAGATION_BOUND_MS = 2_000;

/** Pause between two polling announces. */
const POLL_MS = 50;

const open: Array<{ stop(): Promise<void> } | TrackerServer> = [];

afterEach(async () => {
  for (const part of open.splice(0).reverse()) await ('close' in part ? part.close() : part.stop());
});

async function startStore(port = 0): Promise<RedisHandle> {
  const redis = await startRedis({ port });
  open.push(redis);
  return redis;
}

/** Adds an ACL user to the store with redis-cli, as ElastiCache's user resource does. */
async function addUser(redis: RedisHandle, name: string, password: string, access: string): Promise<void> {
  const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(redis.port), 'ACL', 'SETUSER', name, 'reset', `>${password}`, ...access.split(' ')], { timeout: 5_000 });
  expect(stdout.trim()).toBe('OK');
}

async function startTracker(redis: RedisHandle, options: Partial<TrackerOptions> = {}, credentials: { username?: string; password?: string } = {}): Promise<{ tracker: TrackerServer; statuses: StoreStatus[] }> {
  const statuses: StoreStatus[] = [];
  const tracker = await TrackerServer.start({
    hosts: ['127.0.0.1'],
    port: 0,
    registry: { isServable: async (hex) => hex === SERVED_HEX },
    seeders: () => [],
    sharedStore: swarmStoreOptionsFrom(redis.url, credentials),
    onSharedStoreStatus: (status) => statuses.push(status),
    ...options,
  });
  open.push(tracker);
  return { tracker, statuses };
}

interface Reply {
  readonly peers: string[];
  readonly complete: number;
  readonly incomplete: number;
}

async function announce(tracker: TrackerServer, port: number, extra: { event?: string; left?: number } = {}): Promise<Reply> {
  const reply = await httpGet('127.0.0.1', tracker.port, `/announce?${announceQuery({ infoHash: SERVED, port, numwant: 200, ...extra })}`);
  expect(reply.status).toBe(200);
  const dict = bdict(reply.body);
  return { peers: compactPeers(dict.get('peers') as Uint8Array, 6), complete: dict.get('complete') as number, incomplete: dict.get('incomplete') as number };
}

/** Announces from `port` until `done` holds for the reply, at most `boundMs`; returns the last reply. */
async function announceUntil(tracker: TrackerServer, port: number, done: (reply: Reply) => boolean, boundMs = PROPAGATION_BOUND_MS): Promise<Reply> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const reply = await announce(tracker, port);
    if (done(reply) || Date.now() > deadline) return reply;
    await sleep(POLL_MS);
  }
}

async function until(condition: () => boolean, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition() && Date.now() < deadline) await sleep(POLL_MS);
}

describe('Shared swarm store (two tracker tasks, one redis-server)', () => {
  it('returns a peer announced to one task from the other, seeds counted as seeds', async () => {
    const redis = await startStore();
    const a = await startTracker(redis);
    const b = await startTracker(redis);
    await until(() => a.statuses.length > 0 && b.statuses.length > 0, 5_000);
    expect([a.statuses, b.statuses]).toEqual([[{ state: 'up' }], [{ state: 'up' }]]);

    await announce(a.tracker, 7001, { event: 'started' });
    await announce(a.tracker, 7003, { event: 'started', left: 0 });
    const fromB = await announceUntil(b.tracker, 7002, (reply) => reply.peers.includes('127.0.0.1:7001') && reply.peers.includes('127.0.0.1:7003'));
    expect(fromB.peers.sort()).toEqual(['127.0.0.1:7001', '127.0.0.1:7003']);
    expect([fromB.complete, fromB.incomplete]).toEqual([1, 2]);
    // And back: A learns of B's peer.
    const fromA = await announceUntil(a.tracker, 7001, (reply) => reply.peers.includes('127.0.0.1:7002'));
    expect(fromA.peers.sort()).toEqual(['127.0.0.1:7002', '127.0.0.1:7003']);
    // One sorted set for the swarm, which vanishes a peer lifetime (900 s) plus the 10 s upkeep period after its last write.
    const cli = async (...args: string[]): Promise<string> => (await promisify(execFile)('redis-cli', ['-p', String(redis.port), ...args], { timeout: 5_000 })).stdout.trim();
    expect(await cli('--raw', 'KEYS', '*')).toBe(`s3t:swarm:{${SERVED_HEX}}`);
    expect(await cli('ZCARD', `s3t:swarm:{${SERVED_HEX}}`)).toBe('3');
    const ttl = Number(await cli('PTTL', `s3t:swarm:{${SERVED_HEX}}`));
    expect(ttl).toBeGreaterThan(900_000);
    expect(ttl).toBeLessThanOrEqual(910_000);
  });

  it('drops from every task a peer that stopped on one', async () => {
    const redis = await startStore();
    const a = await startTracker(redis);
    const b = await startTracker(redis);
    await announce(a.tracker, 7001, { event: 'started' });
    expect((await announceUntil(b.tracker, 7002, (reply) => reply.peers.includes('127.0.0.1:7001'))).peers).toEqual(['127.0.0.1:7001']);
    await announce(a.tracker, 7001, { event: 'stopped' });
    expect((await announceUntil(b.tracker, 7002, (reply) => reply.peers.length === 0)).peers).toEqual([]);
  });

  it('expires peers after their lifetime on every task, as a lone tracker does', async () => {
    const redis = await startStore();
    const timing = { intervalSeconds: 1, minIntervalSeconds: 1, peerTtlSeconds: 2 };
    const a = await startTracker(redis, timing);
    const b = await startTracker(redis, timing);
    await announce(a.tracker, 7001, { event: 'started' });
    expect((await announceUntil(b.tracker, 7002, (reply) => reply.peers.includes('127.0.0.1:7001'))).peers).toEqual(['127.0.0.1:7001']);
    // 7001 never announces again: gone from both within its 2 s lifetime and a pull.
    expect((await announceUntil(b.tracker, 7002, (reply) => reply.peers.length === 0, 4_000)).peers).toEqual([]);
    // A drops it too (7002, announcing to B all along, is alive).
    expect((await announce(a.tracker, 7003)).peers).toEqual(['127.0.0.1:7002']);
  });

  it('keeps tracking in process with one warning while the store is down, and syncs again once it is back', async () => {
    const redis = await startStore();
    const a = await startTracker(redis);
    const b = await startTracker(redis);
    await until(() => a.statuses.length > 0 && b.statuses.length > 0, 5_000);
    await redis.stop();
    await until(() => a.statuses.length > 1 && b.statuses.length > 1, 5_000);
    expect(a.statuses.map((s) => s.state)).toEqual(['up', 'down']);

    // Every announce is still answered, each task with the peers it saw itself.
    await announce(a.tracker, 7001, { event: 'started' });
    await announce(b.tracker, 7002, { event: 'started' });
    for (let i = 0; i < 10; i += 1) {
      expect((await announce(a.tracker, 7003)).peers.sort()).toEqual(['127.0.0.1:7001']);
      await sleep(POLL_MS);
    }
    expect(a.statuses.map((s) => s.state)).toEqual(['up', 'down']);

    // The store is back on the same port: the changes kept while it was down go out, and the tasks meet again.
    await startStore(redis.port);
    await until(() => a.statuses.length > 2 && b.statuses.length > 2, 10_000);
    expect(a.statuses.map((s) => s.state)).toEqual(['up', 'down', 'up']);
    const fromB = await announceUntil(b.tracker, 7002, (reply) => reply.peers.length === 2);
    expect(fromB.peers.sort()).toEqual(['127.0.0.1:7001', '127.0.0.1:7003']);
  });

  it('logs in as the ACL user the CDK stack creates, whose rights are all the sync needs', async () => {
    const redis = await startStore();
    await addUser(redis, SEEDER_USER, 'secret-1', SEEDER_ACCESS);
    const a = await startTracker(redis, {}, { username: SEEDER_USER, password: 'secret-1' });
    const b = await startTracker(redis, {}, { username: SEEDER_USER, password: 'secret-1' });
    await announce(a.tracker, 7001, { event: 'started' });
    expect((await announceUntil(b.tracker, 7002, (reply) => reply.peers.includes('127.0.0.1:7001'))).peers).toEqual(['127.0.0.1:7001']);
    await announce(a.tracker, 7001, { event: 'stopped' });
    expect((await announceUntil(b.tracker, 7002, (reply) => reply.peers.length === 0)).peers).toEqual([]);
    a.tracker.forget(SERVED_HEX);
    await sleep(500);
    expect([a.statuses, b.statuses]).toEqual([[{ state: 'up' }], [{ state: 'up' }]]);
  });

  it('says once why the store will not have it: a wrong password, or a user without the rights', async () => {
    const redis = await startStore();
    await addUser(redis, 'reader', 'secret-2', 'on ~s3t:* -@all +ping +zrevrangebyscore');
    const wrong = await startTracker(redis, {}, { username: 'reader', password: 'not-it' });
    const limited = await startTracker(redis, {}, { username: 'reader', password: 'secret-2' });
    await announce(limited.tracker, 7001, { event: 'started' });
    await until(() => wrong.statuses.length > 0 && limited.statuses.length > 1, 5_000);
    expect(wrong.statuses).toEqual([{ state: 'down', reason: expect.stringContaining('login refused') }]);
    expect(limited.statuses).toEqual([{ state: 'up' }, { state: 'down', reason: expect.stringMatching(/refused ZADD: NOPERM/) }]);
    // Announces are answered all the same.
    expect((await announce(wrong.tracker, 7002)).peers).toEqual([]);
    expect((await announce(limited.tracker, 7003)).peers).toEqual(['127.0.0.1:7001']);
  });

  it('starts and answers when the store is not there at all, saying so once', async () => {
    const redis = await startStore();
    await redis.stop();
    const a = await startTracker(redis);
    await until(() => a.statuses.length > 0, 5_000);
    await announce(a.tracker, 7001, { event: 'started' });
    expect((await announce(a.tracker, 7002)).peers).toEqual(['127.0.0.1:7001']);
    await sleep(500);
    expect(a.statuses).toEqual([{ state: 'down', reason: expect.stringContaining('ECONNREFUSED') }]);
  });
});
