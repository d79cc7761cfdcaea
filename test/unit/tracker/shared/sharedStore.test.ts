import { compactPeer, parseIp } from '../../../../src/tracker/addresses.js';
import { AnnounceEvent } from '../../../../src/tracker/constants.js';
import { SwarmStoreConfigError, SwarmStoreProtocolError } from '../../../../src/tracker/shared/errors.js';
import { peerScore, remotePeerFrom, scoreAt, swarmKey } from '../../../../src/tracker/shared/peerRecords.js';
import { RespErrorReply, RespReader, encodeCommands } from '../../../../src/tracker/shared/resp.js';
import { swarmStoreOptionsFrom } from '../../../../src/tracker/shared/storeOptions.js';
import type { StoredPeer } from '../../../../src/tracker/Swarm.js';
import type { RemotePeer } from '../../../../src/tracker/swarmChanges.js';
import { SwarmTable } from '../../../../src/tracker/SwarmTable.js';
import { storedPeerOf } from '../../../../src/tracker/swarmChanges.js';

const HASH = 'cd'.repeat(20);

function peer(ip: string, port: number, left: number, seenAt: number): StoredPeer {
  const address = parseIp(ip);
  if (address === undefined) throw new Error(`bad ip ${ip}`);
  return { ...compactPeer(address, port), peerId: new Uint8Array(20), left, seenAt };
}

/** A peer as another task's store record gives it. */
function remote(ip: string, port: number, left: number, seenAt: number, stopped = false): RemotePeer {
  const { key, compact } = peer(ip, port, left, seenAt);
  return { key, compact, seenAt, seed: left === 0, stopped };
}

describe('Class: RespReader', () => {
  it('reads every reply type, whatever the chunking', () => {
    const wire = Buffer.from('+OK\r\n-ERR wrong\r\n:42\r\n$3\r\nabc\r\n$-1\r\n*2\r\n$1\r\nx\r\n*1\r\n:7\r\n*-1\r\n');
    for (const size of [1, 2, 5, wire.length]) {
      const reader = new RespReader();
      const replies = [];
      for (let i = 0; i < wire.length; i += size) replies.push(...reader.feed(wire.subarray(i, i + size)));
      expect(replies).toEqual(['OK', new RespErrorReply('ERR wrong'), 42, Buffer.from('abc'), null, [Buffer.from('x'), [7]], null]);
    }
  });

  it('refuses bytes that are not RESP', () => {
    expect(() => new RespReader().feed(Buffer.from('HTTP/1.1 400\r\n'))).toThrow(SwarmStoreProtocolError);
    expect(() => new RespReader().feed(Buffer.from('$99999999999\r\n'))).toThrow('bad length');
  });

  it('encodes commands as arrays of bulk strings, bytes kept as they are', () => {
    expect(encodeCommands([['PING'], ['ZADD', 'k', '1', Uint8Array.of(0, 0xff)]]).toString('latin1')).toBe('*1\r\n$4\r\nPING\r\n*4\r\n$4\r\nZADD\r\n$1\r\nk\r\n$1\r\n1\r\n$2\r\n\u0000\u00ff\r\n');
  });
});

describe('Function: swarmStoreOptionsFrom', () => {
  it('takes redis:// and rediss:// (TLS) with credentials given apart', () => {
    expect(swarmStoreOptionsFrom('redis://127.0.0.1:6390')).toEqual({ host: '127.0.0.1', port: 6390, tls: false, username: undefined, password: undefined });
    expect(swarmStoreOptionsFrom('rediss://cache.example.internal', { username: 'seeder', password: 'p' })).toEqual({
      host: 'cache.example.internal', port: 6379, tls: true, username: 'seeder', password: 'p',
    });
    expect(swarmStoreOptionsFrom('redis://[::1]:7000').host).toBe('::1');
  });

  it('refuses other schemes and credentials in the URL', () => {
    expect(() => swarmStoreOptionsFrom('http://h:1')).toThrow(SwarmStoreConfigError);
    expect(() => swarmStoreOptionsFrom('redis://u:p@h:1')).toThrow('not in the URL');
    expect(() => swarmStoreOptionsFrom('nonsense')).toThrow('is not a URL');
  });
});

describe('Store layout', () => {
  it('keeps one swarm in one cluster slot and round-trips a peer with its flags', () => {
    expect(swarmKey(HASH)).toBe(`s3t:swarm:{${HASH}}`);
    const seed = peer('10.0.0.1', 6881, 0, 1_700_000_000_123);
    const back = remotePeerFrom(Buffer.from(seed.compact), Buffer.from(String(peerScore(seed.seenAt, true, false))));
    expect(back).toEqual({ key: seed.key, compact: Buffer.from(seed.compact), seenAt: seed.seenAt, seed: true, stopped: false });
    expect(storedPeerOf(back as RemotePeer)).toEqual({ ...seed, peerId: undefined });
    const v6 = peer('2001:db8::1', 51413, 7, 5);
    const stopped = remotePeerFrom(Buffer.from(v6.compact), Buffer.from(String(peerScore(5, false, true))));
    expect(stopped).toMatchObject({ key: v6.key, seenAt: 5, seed: false, stopped: true });
    expect(storedPeerOf(stopped as RemotePeer)).toEqual({ ...v6, peerId: undefined, left: 1 });
    // Every flag combination of one instant sorts at or above the instant's lowest score.
    expect(peerScore(5, true, true)).toBeLessThan(scoreAt(6));
    expect(remotePeerFrom(Buffer.from('short'), Buffer.from('4'))).toBeUndefined();
  });
});

describe('Method: SwarmTable.mergeRemote', () => {
  const table = (): SwarmTable => new SwarmTable({ maxTorrents: 10, maxPeersPerTorrent: 10, peerTtlMs: 1_000 });

  it('adds other tasks\' peers with their own seenAt, without completions, only to swarms held here', () => {
    const t = table();
    t.announce(HASH, peer('10.0.0.1', 1, 5, 100), AnnounceEvent.Started, 100);
    t.mergeRemote(HASH, [remote('10.0.0.2', 1, 0, 90), remote('10.0.0.3', 1, 0, 50)], 1_060);
    const swarm = t.get(HASH, 1_060);
    // 10.0.0.3 was seen more than a lifetime before now: not merged.
    expect([swarm?.size, swarm?.seeds, swarm?.downloaded]).toEqual([2, 1, 0]);
    expect(t.mergeRemote('ef'.repeat(20), [remote('10.0.0.2', 1, 0, 900)], 1_000)).toBe(false);
    expect(t.mergeRemote(HASH, [], 1_060)).toBe(true);
    expect(t.stats()).toEqual({ torrents: 1, peers: 2 });
  });

  it('keeps the newer of a local and a remote announce, and drops a peer stopped elsewhere after its last announce here', () => {
    const t = table();
    t.announce(HASH, peer('10.0.0.1', 1, 5, 100), AnnounceEvent.Started, 100);
    t.mergeRemote(HASH, [remote('10.0.0.1', 1, 0, 90)], 100);
    expect(t.get(HASH, 100)?.seeds).toBe(0);
    t.mergeRemote(HASH, [remote('10.0.0.1', 1, 0, 90, true)], 100);
    expect(t.get(HASH, 100)?.size).toBe(1);
    t.mergeRemote(HASH, [remote('10.0.0.1', 1, 0, 120, true)], 120);
    expect(t.stats()).toEqual({ torrents: 0, peers: 0 });
  });

  it('expires a peer merged out of order by the next sweep at the latest', () => {
    const t = table();
    t.announce(HASH, peer('10.0.0.1', 1, 5, 500), AnnounceEvent.Started, 500);
    t.mergeRemote(HASH, [remote('10.0.0.2', 1, 5, 200)], 500);
    // At 1,300 the merged peer (seen at 200) is past its lifetime, the local one (500) is not.
    t.sweep(1_300);
    expect(t.stats()).toEqual({ torrents: 1, peers: 1 });
  });
});
