import { parseIp, peerKey } from '../../../../src/tracker/addresses.js';
import { AnnounceEvent } from '../../../../src/tracker/constants.js';
import type { PeerKey } from '../../../../src/tracker/PeerList.js';
import { SwarmStoreConfigError, SwarmStoreProtocolError } from '../../../../src/tracker/shared/errors.js';
import { peerScore, remotePeerFrom, scoreAt, swarmKey } from '../../../../src/tracker/shared/peerRecords.js';
import { RespErrorReply, RespReader, encodeCommands } from '../../../../src/tracker/shared/resp.js';
import { swarmStoreOptionsFrom } from '../../../../src/tracker/shared/storeOptions.js';
import type { RemotePeer } from '../../../../src/tracker/swarmChanges.js';
import { SwarmTable } from '../../../../src/tracker/SwarmTable.js';
import type { PeerToStore } from '../../../../src/tracker/SwarmTable.js';

const HASH = 'cd'.repeat(20);
const NO_SKIP = { 4: new Set<PeerKey>(), 6: new Set<PeerKey>() };

/** A peer's compact form: its address bytes and port, as the store's members hold it. */
function compactOf(ip: string, port: number): Buffer {
  const address = parseIp(ip);
  if (address === undefined) throw new Error(`bad ip ${ip}`);
  return Buffer.concat([Buffer.from(address.bytes), Buffer.from([port >> 8, port & 0xff])]);
}

/** A peer as an announce here stores it. */
function peer(ip: string, port: number, left: number): PeerToStore {
  const address = parseIp(ip);
  if (address === undefined) throw new Error(`bad ip ${ip}`);
  return { family: address.family, key: peerKey(address, port), seed: left === 0 };
}

/** A peer as another task's store record gives it. */
function remote(ip: string, port: number, left: number, seenAt: number, stopped = false): RemotePeer {
  return { compact: compactOf(ip, port), seenAt, seed: left === 0, stopped };
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
    const seed = compactOf('10.0.0.1', 6881);
    const back = remotePeerFrom(seed, Buffer.from(String(peerScore(1_700_000_000_123, true, false))));
    expect(back).toEqual({ compact: seed, seenAt: 1_700_000_000_123, seed: true, stopped: false });
    const v6 = compactOf('2001:db8::1', 51413);
    const stopped = remotePeerFrom(v6, Buffer.from(String(peerScore(5, false, true))));
    expect(stopped).toEqual({ compact: v6, seenAt: 5, seed: false, stopped: true });
    // Every flag combination of one instant sorts at or above the instant's lowest score.
    expect(peerScore(5, true, true)).toBeLessThan(scoreAt(6));
    expect(remotePeerFrom(Buffer.from('short'), Buffer.from('4'))).toBeUndefined();
  });
});

describe('Method: SwarmTable.mergeRemote', () => {
  const table = (): SwarmTable => new SwarmTable({ memoryBytes: 1024 * 1024, peerTtlMs: 1_000 });

  it('adds other tasks\' peers with their own seenAt, without completions, only to swarms held here', () => {
    const t = table();
    t.announce(HASH, peer('10.0.0.1', 1, 5), AnnounceEvent.Started, 100);
    t.mergeRemote(HASH, [remote('10.0.0.2', 1, 0, 90), remote('10.0.0.3', 1, 0, 50)], 1_060, NO_SKIP);
    const swarm = t.get(HASH, 1_060);
    // 10.0.0.3 was seen more than a lifetime before now: not merged.
    expect([swarm?.size, swarm?.seeds, swarm?.downloaded]).toEqual([2, 1, 0]);
    expect(t.mergeRemote('ef'.repeat(20), [remote('10.0.0.2', 1, 0, 900)], 1_000, NO_SKIP)).toBe(false);
    expect(t.mergeRemote(HASH, [], 1_060, NO_SKIP)).toBe(true);
    expect(t.stats()).toMatchObject({ torrents: 1, peers: 2 });
  });

  it('keeps the newer of a local and a remote announce, and drops a peer stopped elsewhere after its last announce here', () => {
    const t = table();
    t.announce(HASH, peer('10.0.0.1', 1, 5), AnnounceEvent.Started, 100);
    t.mergeRemote(HASH, [remote('10.0.0.1', 1, 0, 90)], 100, NO_SKIP);
    expect(t.get(HASH, 100)?.seeds).toBe(0);
    t.mergeRemote(HASH, [remote('10.0.0.1', 1, 0, 90, true)], 100, NO_SKIP);
    expect(t.get(HASH, 100)?.size).toBe(1);
    t.mergeRemote(HASH, [remote('10.0.0.1', 1, 0, 120, true)], 120, NO_SKIP);
    expect(t.stats()).toMatchObject({ torrents: 0, peers: 0 });
  });

  it('expires a peer merged out of order by the next sweep at the latest', () => {
    const t = table();
    t.announce(HASH, peer('10.0.0.1', 1, 5), AnnounceEvent.Started, 500);
    t.mergeRemote(HASH, [remote('10.0.0.2', 1, 5, 200)], 500, NO_SKIP);
    // At 1,300 the merged peer (seen at 200) is past its lifetime, the local one (500) is not.
    t.sweep(1_300);
    expect(t.stats()).toMatchObject({ torrents: 1, peers: 1 });
  });
});
