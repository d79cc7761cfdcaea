import { parseIp } from '../../../src/tracker/addresses.js';
import type { IpAddress } from '../../../src/tracker/addresses.js';
import { TrackerOptionsError } from '../../../src/tracker/index.js';
import type { AnnounceNotice, TrackedPeer, TrackerOptions } from '../../../src/tracker/index.js';
import type { AnnounceRequest } from '../../../src/tracker/requests.js';
import { REGISTRY_UNAVAILABLE, Tracker, UNKNOWN_TORRENT } from '../../../src/tracker/Tracker.js';
import type { AnnounceResult } from '../../../src/tracker/Tracker.js';
import { resolveTrackerOptions } from '../../../src/tracker/trackerOptions.js';

const SERVED = 'ab'.repeat(20);
const OTHER = 'cd'.repeat(20);

const ip = (text: string): IpAddress => parseIp(text) ?? (() => { throw new Error(text); })();

function request(overrides: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return { infoHashHex: SERVED, peerId: new Uint8Array(20), port: 7000, uploaded: 0, downloaded: 0, left: 10, event: 'started', numwant: undefined, ...overrides };
}

function harness(options: Partial<TrackerOptions> = {}) {
  const clock = { now: 1_000_000 };
  const notices: AnnounceNotice[] = [];
  let seeders: readonly TrackedPeer[] = [{ ip: '127.0.0.1', port: 6881 }, { ip: '::1', port: 6881 }];
  const tracker = new Tracker(
    resolveTrackerOptions({
      hosts: ['127.0.0.1'],
      port: 0,
      registry: { isServable: async (hex) => hex === SERVED },
      seeders: () => seeders,
      onAnnounce: (notice) => notices.push(notice),
      peerTtlSeconds: 900,
      now: () => clock.now,
      ...options,
    }),
  );
  return { tracker, clock, notices, setSeeders: (s: readonly TrackedPeer[]) => (seeders = s) };
}

function peersOf(result: AnnounceResult): string[] {
  if (!result.ok) throw new Error(result.reason);
  return result.reply.peers.map((p) => `${p.ip}:${p.port}`);
}

describe('Class: Tracker', () => {
  it('returns the seeder first, in the families asked for, then the other peers', async () => {
    const { tracker } = harness();
    await tracker.announce(request({ port: 7001 }), ip('10.0.0.1'), 'both');
    await tracker.announce(request({ port: 7002 }), ip('::2'), 'both');
    expect(peersOf(await tracker.announce(request(), ip('10.0.0.3'), 'both'))).toEqual(['127.0.0.1:6881', '::1:6881', '10.0.0.1:7001', '::2:7002']);
    expect(peersOf(await tracker.announce(request(), ip('10.0.0.3'), 4))).toEqual(['127.0.0.1:6881', '10.0.0.1:7001']);
    expect(peersOf(await tracker.announce(request(), ip('::3'), 6))).toEqual(['::1:6881', '::2:7002']);
  });

  it('never returns the asker to itself, nor the seeder twice when it announces too', async () => {
    const { tracker } = harness();
    await tracker.announce(request({ port: 6881 }), ip('127.0.0.1'), 'both');
    expect(peersOf(await tracker.announce(request({ port: 7000 }), ip('127.0.0.1'), 'both'))).toEqual(['127.0.0.1:6881', '::1:6881']);
    expect(peersOf(await tracker.announce(request({ port: 6881 }), ip('127.0.0.1'), 'both'))).toEqual(['::1:6881', '127.0.0.1:7000']);
    expect(tracker.stats()).toEqual({ torrents: 1, peers: 1 });
  });

  it('counts the seeder as one complete peer and reports seeds and leechers', async () => {
    const { tracker } = harness();
    await tracker.announce(request({ port: 7001, left: 0 }), ip('10.0.0.1'), 'both');
    const result = await tracker.announce(request({ port: 7002 }), ip('10.0.0.2'), 'both');
    expect(result.ok && [result.reply.complete, result.reply.incomplete]).toEqual([2, 1]);
  });

  it('refuses a torrent the registry does not serve and stores nothing', async () => {
    const { tracker, notices } = harness();
    expect(await tracker.announce(request({ infoHashHex: OTHER }), ip('10.0.0.1'), 'both')).toEqual({ ok: false, reason: UNKNOWN_TORRENT });
    expect(await tracker.scrape([OTHER])).toEqual({ ok: false, reason: UNKNOWN_TORRENT });
    expect(tracker.stats()).toEqual({ torrents: 0, peers: 0 });
    expect(notices).toEqual([]);
  });

  it('tells the client to retry when the registry fails, and survives a throwing onAnnounce', async () => {
    const failing = harness({ registry: { isServable: async () => Promise.reject(new Error('down')) } });
    expect(await failing.tracker.announce(request(), ip('10.0.0.1'), 'both')).toEqual({ ok: false, reason: REGISTRY_UNAVAILABLE });
    const throwing = harness({ onAnnounce: () => { throw new Error('seeder bug'); } });
    expect((await throwing.tracker.announce(request(), ip('10.0.0.1'), 'both')).ok).toBe(true);
  });

  it('caps numwant, counting the seeder in it', async () => {
    const { tracker } = harness({ maxNumwant: 5 });
    for (let i = 1; i <= 10; i += 1) await tracker.announce(request({ port: 7000 + i }), ip('10.0.0.1'), 'both');
    expect(peersOf(await tracker.announce(request({ numwant: 1000 }), ip('10.0.0.2'), 4))).toHaveLength(5);
    expect(peersOf(await tracker.announce(request({ numwant: 3 }), ip('10.0.0.2'), 4))).toHaveLength(3);
    expect(peersOf(await tracker.announce(request({ numwant: 0 }), ip('10.0.0.2'), 4))).toEqual(['127.0.0.1:6881']);
  });

  it('expires peers after their lifetime, removes stopped ones and counts completions', async () => {
    const { tracker, clock } = harness();
    await tracker.announce(request({ port: 7001 }), ip('10.0.0.1'), 'both');
    clock.now += 600_000;
    await tracker.announce(request({ port: 7002 }), ip('10.0.0.2'), 'both');
    await tracker.announce(request({ port: 7002, left: 0, event: 'completed' }), ip('10.0.0.2'), 'both');
    clock.now += 300_001;
    expect(peersOf(await tracker.announce(request(), ip('10.0.0.3'), 4))).toEqual(['127.0.0.1:6881', '10.0.0.2:7002']);
    const stopped = await tracker.announce(request({ port: 7002, event: 'stopped' }), ip('10.0.0.2'), 4);
    expect(peersOf(stopped)).toEqual([]);
    expect(await tracker.scrape([SERVED, OTHER])).toEqual({ ok: true, counts: new Map([[SERVED, { complete: 1, downloaded: 1, incomplete: 1 }]]) });
  });

  it('forgets a torrent, and re-checks the registry when a forget lands during its check', async () => {
    let servable = true;
    let release = (): void => undefined;
    const { tracker } = harness({
      registry: {
        isServable: async () => {
          const answer = servable;
          await new Promise<void>((resolve) => (release = resolve));
          return answer;
        },
      },
    });
    const pending = tracker.announce(request(), ip('10.0.0.1'), 'both');
    servable = false;
    tracker.forget(SERVED);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(await pending).toEqual({ ok: false, reason: UNKNOWN_TORRENT });
    expect(tracker.stats().peers).toBe(0);
  });

  it('tells the seeder of each accepted announce with the socket address', async () => {
    const { tracker, notices } = harness();
    await tracker.announce(request({ port: 7001, left: 5, event: 'started' }), ip('::ffff:10.0.0.9'), 'both');
    expect(notices).toEqual([{ infoHashHex: SERVED, peer: { ip: '10.0.0.9', port: 7001 }, left: 5, downloaded: 0, event: 'started' }]);
  });
});

describe('Function: resolveTrackerOptions', () => {
  it('lists every problem at once', () => {
    const bad = { hosts: ['localhost', '::1', '::1'], port: 70000, registry: { isServable: async () => true }, seeders: () => [], intervalSeconds: 100, peerTtlSeconds: 50, maxNumwant: 0 };
    expect(() => resolveTrackerOptions(bad)).toThrow(TrackerOptionsError);
    try {
      resolveTrackerOptions(bad);
    } catch (error) {
      expect((error as TrackerOptionsError).problems).toEqual([
        'host "localhost" is not an IP address',
        'hosts must not repeat',
        'port must be an integer from 0 to 65535, not 70000',
        'peerTtlSeconds (50) must exceed intervalSeconds (100)',
        'maxNumwant must be an integer from 1 to 1000000, not 0',
      ]);
    }
  });
});
