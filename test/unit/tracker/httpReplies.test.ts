import { decodeBencode } from '../../../src/torrent/index.js';
import type { BencodeDict } from '../../../src/torrent/index.js';
import { encodeAnnounce, encodeFailure, encodeScrape } from '../../../src/tracker/httpReplies.js';
import type { AnnounceReply } from '../../../src/tracker/Tracker.js';

const reply: AnnounceReply = {
  intervalSeconds: 300,
  minIntervalSeconds: 60,
  complete: 1,
  incomplete: 2,
  // 127.0.0.1:6881 and 10.0.0.2:7000; [::1]:6881.
  peers4: Buffer.from('7f0000011ae10a0000021b58', 'hex'),
  peers6: Buffer.from(`${'00'.repeat(15)}011ae1`, 'hex'),
};

// Our strict decoder rejects unsorted keys: every reply is checked against BEP 3 by decoding it.
const decode = (bytes: Uint8Array): BencodeDict => decodeBencode(bytes) as BencodeDict;

describe('Function: encodeAnnounce', () => {
  it('packs IPv4 peers in peers and IPv6 ones in peers6 when compact', () => {
    const dict = decode(encodeAnnounce(reply, true));
    expect(Buffer.from(dict.get('peers') as Uint8Array).toString('hex')).toBe('7f0000011ae10a0000021b58');
    expect(Buffer.from(dict.get('peers6') as Uint8Array).toString('hex')).toBe(`${'00'.repeat(15)}011ae1`);
    expect([dict.get('interval'), dict.get('min interval'), dict.get('complete'), dict.get('incomplete')]).toEqual([300, 60, 1, 2]);
  });

  it('leaves peers6 out when there is no IPv6 peer', () => {
    expect(decode(encodeAnnounce({ ...reply, peers6: Buffer.alloc(0) }, true)).has('peers6')).toBe(false);
  });

  it('lists dictionaries of ip and port when not compact, IPv4 ones first', () => {
    const peers = decode(encodeAnnounce(reply, false)).get('peers') as BencodeDict[];
    expect(peers.map((p) => [Buffer.from(p.get('ip') as Uint8Array).toString(), p.get('port')])).toEqual([
      ['127.0.0.1', 6881],
      ['10.0.0.2', 7000],
      ['::1', 6881],
    ]);
    expect(peers.some((p) => p.has('peer id'))).toBe(false);
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
