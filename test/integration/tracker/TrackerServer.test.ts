import { createServer } from 'node:net';
import { TrackerBindError, TrackerServer } from '../../../src/tracker/index.js';
import type { AnnounceNotice, TrackerOptions } from '../../../src/tracker/index.js';
import { UdpTrackerClient, announceQuery, bdict, compactPeers, failureOf, httpGet, udpError, udpPeers } from './trackerClients.js';

const SERVED = Buffer.alloc(20, 0xab);
const SERVED_HEX = SERVED.toString('hex');
const UNKNOWN = Buffer.alloc(20, 0xcd);
const SEEDER_V4 = '127.0.0.1:6881';
const SEEDER_V6 = '[0:0:0:0:0:0:0:1]:6881';
const V6_ONE = '[0:0:0:0:0:0:0:1]';

interface Harness {
  readonly tracker: TrackerServer;
  readonly clock: { now: number };
  readonly notices: AnnounceNotice[];
  readonly registryCalls: string[];
}

const open: TrackerServer[] = [];

async function startTracker(options: Partial<TrackerOptions> = {}): Promise<Harness> {
  const clock = { now: Date.now() };
  const notices: AnnounceNotice[] = [];
  const registryCalls: string[] = [];
  const tracker = await TrackerServer.start({
    hosts: ['127.0.0.1', '::1'],
    port: 0,
    registry: {
      isServable: async (hex) => {
        registryCalls.push(hex);
        return hex === SERVED_HEX;
      },
    },
    seeders: () => [
      { ip: '127.0.0.1', port: 6881 },
      { ip: '::1', port: 6881 },
    ],
    onAnnounce: (notice) => notices.push(notice),
    now: () => clock.now,
    ...options,
  });
  open.push(tracker);
  return { tracker, clock, notices, registryCalls };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map(async (t) => t.close()));
});

async function announce(h: Harness, host: string, query: Parameters<typeof announceQuery>[0]): Promise<ReturnType<typeof bdict>> {
  const reply = await httpGet(host, h.tracker.port, `/announce?${announceQuery(query)}`);
  expect(reply.status).toBe(200);
  expect(reply.contentType).toBe('text/plain');
  return bdict(reply.body);
}

const v4Peers = (dict: ReturnType<typeof bdict>): string[] => compactPeers(dict.get('peers') as Uint8Array, 6);
const v6Peers = (dict: ReturnType<typeof bdict>): string[] => compactPeers(dict.get('peers6') as Uint8Array | undefined, 18);

describe('Class: TrackerServer (HTTP)', () => {
  it('returns the seeder first and the other peers, compact, IPv6 ones in peers6', async () => {
    const h = await startTracker();
    await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7001, event: 'started' });
    await announce(h, '::1', { infoHash: SERVED, port: 7002, event: 'started' });
    const reply = await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7003 });
    expect(v4Peers(reply)).toEqual([SEEDER_V4, '127.0.0.1:7001']);
    expect(v6Peers(reply)).toEqual([SEEDER_V6, `${V6_ONE}:7002`]);
    expect([reply.get('complete'), reply.get('incomplete'), reply.get('interval')]).toEqual([1, 3, 300]);
    expect(h.notices.map((n) => `${n.peer.ip} ${n.peer.port} ${n.event}`)).toEqual(['127.0.0.1 7001 started', '::1 7002 started', '127.0.0.1 7003 update']);
    expect(h.tracker.stats()).toMatchObject({ torrents: 1, peers: 3, evictions: 0 });
  });

  it('lists dictionaries for compact=0, ignoring the ip parameter', async () => {
    const h = await startTracker();
    await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7001, extra: 'ip=10.9.9.9', peerId: Buffer.alloc(20, 0x41) });
    const reply = await announce(h, '::1', { infoHash: SERVED, port: 7002, compact: 0 });
    const peers = (reply.get('peers') as ReturnType<typeof bdict>[]).map((p) => `${Buffer.from(p.get('ip') as Uint8Array).toString()} ${String(p.get('port'))}`);
    expect(peers).toEqual(['127.0.0.1 6881', '127.0.0.1 7001', '::1 6881']);
    // No peer ids are kept, so none is listed (as for no_peer_id).
    expect((reply.get('peers') as ReturnType<typeof bdict>[]).some((p) => p.has('peer id'))).toBe(false);
  });

  it('drops peers after their lifetime and on event=stopped', async () => {
    const h = await startTracker({ peerTtlSeconds: 600, intervalSeconds: 120 });
    await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7001 });
    h.clock.now += 400_000;
    await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7002 });
    h.clock.now += 200_001;
    expect(v4Peers(await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7003 }))).toEqual([SEEDER_V4, '127.0.0.1:7002']);
    const stopped = await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7002, event: 'stopped' });
    expect(v4Peers(stopped)).toEqual([]);
    expect(v4Peers(await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7003 }))).toEqual([SEEDER_V4]);
  });

  it('caps numwant', async () => {
    const h = await startTracker({ maxNumwant: 4 });
    for (let port = 7001; port <= 7010; port += 1) await announce(h, '127.0.0.1', { infoHash: SERVED, port });
    const reply = await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7100, numwant: 500 });
    expect(v4Peers(reply).length + v6Peers(reply).length).toBe(4);
    expect(v4Peers(reply)[0]).toBe(SEEDER_V4);
  });

  it('scrapes counts keyed by raw infohash, leaving unknown torrents out', async () => {
    const h = await startTracker();
    await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7001, left: 0, event: 'completed' });
    await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7002 });
    const reply = await httpGet('::1', h.tracker.port, `/scrape?info_hash=${escape(SERVED)}&info_hash=${escape(UNKNOWN)}`);
    const files = bdict(reply.body).get('files') as ReturnType<typeof bdict>;
    expect([...files.keys()]).toEqual([SERVED.toString('latin1')]);
    const counts = files.get(SERVED.toString('latin1')) as ReturnType<typeof bdict>;
    expect([counts.get('complete'), counts.get('downloaded'), counts.get('incomplete')]).toEqual([2, 1, 1]);
    expect(failureOf((await httpGet('127.0.0.1', h.tracker.port, '/scrape')).body)).toMatch(/full scrapes are not served/);
    expect(failureOf((await httpGet('127.0.0.1', h.tracker.port, `/scrape?info_hash=${escape(UNKNOWN)}`)).body)).toBe('unknown or unpublished torrent');
  });

  it('refuses an unknown torrent and stores nothing for it', async () => {
    const h = await startTracker();
    const reply = await httpGet('127.0.0.1', h.tracker.port, `/announce?${announceQuery({ infoHash: UNKNOWN, port: 7001 })}`);
    expect([reply.status, failureOf(reply.body)]).toEqual([200, 'unknown or unpublished torrent']);
    expect(h.registryCalls).toEqual([UNKNOWN.toString('hex')]);
    expect(h.tracker.stats()).toMatchObject({ torrents: 0, peers: 0 });
    expect(h.notices).toEqual([]);
  });

  it('forgets every peer of a torrent', async () => {
    const h = await startTracker();
    await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7001 });
    await announce(h, '::1', { infoHash: SERVED, port: 7002 });
    h.tracker.forget(SERVED_HEX.toUpperCase());
    expect(h.tracker.stats()).toMatchObject({ torrents: 0, peers: 0 });
  });

  it.each([
    ['a wrong-length info_hash', `/announce?${announceQuery({ infoHash: SERVED.subarray(0, 10), port: 7001 })}`, 200, 'info_hash must be 20 bytes, not 10'],
    ['a bad port', `/announce?${announceQuery({ infoHash: SERVED, port: 0 })}`, 200, 'port must be a number from 1 to 65535'],
    ['an absurd left', `/announce?${announceQuery({ infoHash: SERVED, port: 7001, left: 1e20 })}`, 200, 'left must be a byte count from 0 to 9007199254740991'],
    ['an oversized target', `/announce?x=${'a'.repeat(9000)}`, 414, 'request target longer than 8192 bytes'],
    ['another path', '/index.html', 404, 'no tracker at /index.html: use /announce or /scrape'],
  ])('answers %s with a failure reason and changes nothing', async (_label, path, status, reason) => {
    const h = await startTracker();
    const reply = await httpGet('127.0.0.1', h.tracker.port, path);
    expect([reply.status, failureOf(reply.body)]).toEqual([status, reason]);
    expect(h.tracker.stats()).toMatchObject({ torrents: 0, peers: 0 });
  });

  it('answers 431 to a head past the header limit and keeps serving', async () => {
    const h = await startTracker();
    expect((await httpGet('127.0.0.1', h.tracker.port, `/announce?x=${'a'.repeat(20_000)}`)).status).toBe(431);
    expect(v4Peers(await announce(h, '127.0.0.1', { infoHash: SERVED, port: 7001 }))).toEqual([SEEDER_V4]);
  });
});

describe('Class: TrackerServer (UDP)', () => {
  it('serves connect and announce on the HTTP port: 6-byte peers over IPv4, 18-byte over IPv6', async () => {
    const h = await startTracker();
    await announce(h, '::1', { infoHash: SERVED, port: 7002 });
    const v4 = await UdpTrackerClient.open('127.0.0.1', h.tracker.port);
    const v6 = await UdpTrackerClient.open('::1', h.tracker.port);
    try {
      const id4 = await v4.connect();
      expect(udpPeers(await v4.announce(id4, { infoHash: SERVED, port: 7001 }), 6)).toEqual([SEEDER_V4]);
      const id6 = await v6.connect();
      const reply6 = await v6.announce(id6, { infoHash: SERVED, port: 7003 });
      expect(udpPeers(reply6, 18)).toEqual([SEEDER_V6, `${V6_ONE}:7002`]);
      expect([reply6.readUInt32BE(8), reply6.readUInt32BE(12), reply6.readUInt32BE(16)]).toEqual([300, 3, 1]);
      expect(udpPeers(await v4.announce(id4, { infoHash: SERVED, port: 7001 }), 6)).toEqual([SEEDER_V4]);
      expect(udpPeers(await v4.announce(id4, { infoHash: SERVED, port: 7004 }), 6)).toEqual([SEEDER_V4, '127.0.0.1:7001']);
    } finally {
      await Promise.all([v4.close(), v6.close()]);
    }
  });

  it('refuses a connection id it did not issue, or one past its lifetime', async () => {
    const h = await startTracker();
    const client = await UdpTrackerClient.open('127.0.0.1', h.tracker.port);
    try {
      expect(udpError(await client.announce(Buffer.alloc(8, 1), { infoHash: SERVED, port: 7001 }))).toBe('connection id expired or invalid');
      const id = await client.connect();
      h.clock.now += 180_000;
      expect(udpError(await client.announce(id, { infoHash: SERVED, port: 7001 }))).toBe('connection id expired or invalid');
      expect(h.tracker.stats().peers).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('refuses an unknown torrent with an error, and scrapes positionally', async () => {
    const h = await startTracker();
    const client = await UdpTrackerClient.open('127.0.0.1', h.tracker.port);
    try {
      const id = await client.connect();
      expect(udpError(await client.announce(id, { infoHash: UNKNOWN, port: 7001 }))).toBe('unknown or unpublished torrent');
      await client.announce(id, { infoHash: SERVED, port: 7001, left: 0n, event: 1 });
      const scrape = await client.request(id, 2, Buffer.concat([UNKNOWN, SERVED]));
      expect(scrape.subarray(8).toString('hex')).toBe(`${'00'.repeat(12)}000000020000000100000000`);
      expect(udpError(await client.request(id, 2, UNKNOWN))).toBe('unknown or unpublished torrent');
      expect(h.tracker.stats()).toMatchObject({ torrents: 1, peers: 1 });
    } finally {
      await client.close();
    }
  });

  it('ignores garbage and answers bad requests with errors while an honest client keeps working', async () => {
    const h = await startTracker();
    const honest = await UdpTrackerClient.open('127.0.0.1', h.tracker.port);
    const noisy = await UdpTrackerClient.open('127.0.0.1', h.tracker.port);
    try {
      for (const size of [0, 1, 8, 15, 16, 17, 97, 98, 2000]) noisy.sendRaw(Buffer.alloc(size, 0xff));
      const id = await noisy.connect();
      expect(udpError(await noisy.request(id, 1, Buffer.alloc(10)))).toBe('announce of 26 bytes, not 98');
      expect(udpError(await noisy.request(id, 9))).toBe('unknown action 9');
      const honestId = await honest.connect();
      expect(udpPeers(await honest.announce(honestId, { infoHash: SERVED, port: 7001 }), 6)).toEqual([SEEDER_V4]);
    } finally {
      await Promise.all([honest.close(), noisy.close()]);
    }
  });
});

describe('Method: TrackerServer.start', () => {
  it('uses one port for HTTP and UDP and names both URLs, IPv6 bracketed', async () => {
    const h = await startTracker();
    expect(h.tracker.announceUrls('::1')).toEqual({ http: `http://[::1]:${h.tracker.port}/announce`, udp: `udp://[::1]:${h.tracker.port}` });
    expect(h.tracker.announceUrls('127.0.0.1').http).toBe(`http://127.0.0.1:${h.tracker.port}/announce`);
  });

  it('fails with TrackerBindError when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(startTracker({ port, hosts: ['127.0.0.1'] })).rejects.toThrow(TrackerBindError);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('closes idempotently', async () => {
    const h = await startTracker();
    await Promise.all([h.tracker.close(), h.tracker.close()]);
    await expect(httpGet('127.0.0.1', h.tracker.port, '/announce')).rejects.toThrow();
  });
});

function escape(bytes: Uint8Array): string {
  return [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}
