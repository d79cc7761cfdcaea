import { fromCompact, parseIp, peerKey, urlHost, writeCompact } from '../../../src/tracker/addresses.js';

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

describe('Functions: peerKey, writeCompact, fromCompact', () => {
  const compact = (text: string, port: number): string => {
    const ip = parseIp(text) ?? fail();
    const out = Buffer.alloc(ip.family === 4 ? 6 : 18);
    writeCompact(ip.family, peerKey(ip, port), out, 0);
    return out.toString('hex');
  };

  it('packs IPv4 in 6 bytes and IPv6 in 18, port big-endian, and reads them back', () => {
    expect(compact('10.0.0.1', 6881)).toBe('0a0000011ae1');
    expect(compact('255.255.255.255', 65535)).toBe('ffffffffffff');
    expect(compact('::1', 258)).toBe(`${'00'.repeat(15)}010102`);
    expect(fromCompact(Buffer.from('0a0000011ae1', 'hex'))).toEqual({ ip: '10.0.0.1', port: 6881 });
    expect(fromCompact(Buffer.from(`${'00'.repeat(15)}010102`, 'hex'))).toEqual({ ip: '::1', port: 258 });
  });

  it('gives one key per address and port whatever the spelling', () => {
    const a = peerKey(parseIp('::1') ?? fail(), 1);
    expect(peerKey(parseIp('0::0:1') ?? fail(), 1)).toBe(a);
    expect(peerKey(parseIp('::1') ?? fail(), 2)).not.toBe(a);
    expect(peerKey(parseIp('::ffff:10.0.0.1') ?? fail(), 80)).toBe(peerKey(parseIp('10.0.0.1') ?? fail(), 80));
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
