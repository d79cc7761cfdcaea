import { compactPeer, parseIp, urlHost } from '../../../src/tracker/addresses.js';

describe('Function: parseIp', () => {
  it('reads IPv4', () => {
    expect(parseIp('192.168.1.2')).toEqual({ family: 4, text: '192.168.1.2', bytes: Uint8Array.from([192, 168, 1, 2]) });
  });

  it.each([
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8::8:800:200C:417A', '2001:db8::8:800:200c:417a'],
    ['fe80::1%eth0', 'fe80::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['::', '::'],
  ])('reads IPv6 %s as %s', (text, canonical) => {
    const ip = parseIp(text);
    expect(ip?.family).toBe(6);
    expect(ip?.text).toBe(canonical);
    expect(ip?.bytes.length).toBe(16);
  });

  it('reads an IPv4-mapped IPv6 address as IPv4', () => {
    expect(parseIp('::ffff:127.0.0.1')).toEqual({ family: 4, text: '127.0.0.1', bytes: Uint8Array.from([127, 0, 0, 1]) });
    expect(parseIp('::ffff:7f00:2')?.text).toBe('127.0.0.2');
  });

  it.each([[''], ['localhost'], ['1.2.3'], ['1.2.3.256'], [':::1']])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('Function: compactPeer', () => {
  it('packs IPv4 in 6 bytes and IPv6 in 18, port big-endian', () => {
    expect(Buffer.from(compactPeer(parseIp('10.0.0.1') ?? fail(), 6881).compact).toString('hex')).toBe('0a0000011ae1');
    expect(Buffer.from(compactPeer(parseIp('::1') ?? fail(), 258).compact).toString('hex')).toBe(`${'00'.repeat(15)}010102`);
  });

  it('gives one key per address and port whatever the spelling', () => {
    const a = compactPeer(parseIp('::1') ?? fail(), 1);
    const b = compactPeer(parseIp('0::0:1') ?? fail(), 1);
    expect(a.key).toBe(b.key);
    expect(compactPeer(parseIp('::1') ?? fail(), 2).key).not.toBe(a.key);
  });
});

describe('Function: urlHost', () => {
  it('brackets IPv6 only', () => {
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('127.0.0.1')).toBe('127.0.0.1');
  });
});

function fail(): never {
  throw new Error('address did not parse');
}
