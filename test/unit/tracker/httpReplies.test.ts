import { decodeBencode } from '../../../src/torrent/index.js';
import type { BencodeDict } from '../../../src/torrent/index.js';
import { compactPeer, parseIp } from '../../../src/tracker/addresses.js';
import { encodeAnnounce, encodeFailure, encodeScrape } from '../../../src/tracker/httpReplies.js';
import type { AnnounceReply } from '../../../src/tracker/Tracker.js';

const at = (ip: string, port: number) => compactPeer(parseIp(ip) ?? (() => { throw new Error(ip); })(), port);
const reply: AnnounceReply = {
  intervalSeconds: 300,
  minIntervalSeconds: 60,
  complete: 1,
  incomplete: 2,
  peers: [at('127.0.0.1', 6881), at('::1', 6881), { ...at('10.0.0.2', 7000), peerId: new Uint8Array(20).fill(0x41) }],
};

// Our strict decoder rejects unsorted keys: every reply is checked against BEP 3 by decoding it.
const decode = (bytes: Uint8Array): BencodeDict => decodeBencode(bytes) as BencodeDict;

describe('Function: encodeAnnounce', () => {
  it('packs IPv4 peers in peers and IPv6 ones in peers6 when compact', () => {
    const dict = decode(encodeAnnounce(reply, true, false));
    expect(Buffer.from(dict.get('peers') as Uint8Array).toString('hex')).toBe('7f0000011ae10a0000021b58');
    expect(Buffer.from(dict.get('peers6') as Uint8Array).toString('hex')).toBe(`${'00'.repeat(15)}011ae1`);
    expect([dict.get('interval'), dict.get('min interval'), dict.get('complete'), dict.get('incomplete')]).toEqual([300, 60, 1, 2]);
  });

  it('leaves peers6 out when there is no IPv6 peer', () => {
    expect(decode(encodeAnnounce({ ...reply, peers: [] }, true, false)).has('peers6')).toBe(false);
  });

  it('lists dictionaries when not compact, with peer ids unless no_peer_id', () => {
    const peers = decode(encodeAnnounce(reply, false, false)).get('peers') as BencodeDict[];
    expect(peers.map((p) => [Buffer.from(p.get('ip') as Uint8Array).toString(), p.get('port')])).toEqual([
      ['127.0.0.1', 6881],
      ['::1', 6881],
      ['10.0.0.2', 7000],
    ]);
    expect(peers[2]?.get('peer id')).toEqual(new Uint8Array(20).fill(0x41));
    const bare = decode(encodeAnnounce(reply, false, true)).get('peers') as BencodeDict[];
    expect(bare.some((p) => p.has('peer id'))).toBe(false);
  });
});

describe('Function: encodeScrape', () => {
  it('keys files by raw infohash bytes, in byte order', () => {
    const counts = new Map([
      ['ff'.repeat(20), { complete: 1, downloaded: 2, incomplete: 3 }],
      ['0a'.repeat(20), { complete: 4, downloaded: 5, incomplete: 6 }],
      ['64'.repeat(20), { complete: 7, downloaded: 8, incomplete: 9 }],
    ]);
    const files = decode(encodeScrape(counts)).get('files') as BencodeDict;
    expect([...files.keys()].map((k) => Buffer.from(k, 'latin1').toString('hex'))).toEqual(['0a'.repeat(20), '64'.repeat(20), 'ff'.repeat(20)]);
    const first = files.get(Buffer.from('ff'.repeat(20), 'hex').toString('latin1')) as BencodeDict;
    expect([first.get('complete'), first.get('downloaded'), first.get('incomplete')]).toEqual([1, 2, 3]);
  });
});

describe('Function: encodeFailure', () => {
  it('writes a failure reason', () => {
    expect(Buffer.from(encodeFailure('nope')).toString()).toBe('d14:failure reason4:nopee');
  });
});
