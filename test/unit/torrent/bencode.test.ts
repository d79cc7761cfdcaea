import fc from 'fast-check';
import { MalformedTorrentError, decodeBencode, encodeBencode, spanOf } from '../../../src/torrent/index.js';
import type { BencodeDict } from '../../../src/torrent/index.js';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('Function: decodeBencode', () => {
  it('decodes what encodeBencode wrote, keeping strings as bytes', () => {
    const encoded = encodeBencode({ a: 1, b: [Buffer.from([0, 255]), 'x'], c: { d: -7 } });
    const decoded = decodeBencode(encoded) as BencodeDict;
    expect(decoded.get('a')).toBe(1);
    expect(decoded.get('b')).toEqual([new Uint8Array([0, 255]), new Uint8Array([0x78])]);
    expect((decoded.get('c') as BencodeDict).get('d')).toBe(-7);
  });

  it('records where each dictionary was, so the infohash is taken from the original bytes', () => {
    const data = text('d4:infod1:xi1eee');
    const info = (decodeBencode(data) as BencodeDict).get('info') as BencodeDict;
    expect(data.subarray(spanOf(info)?.start, spanOf(info)?.end).toString('latin1')).toBe('d1:xi1ee');
  });

  it('keeps binary dictionary keys byte for byte', () => {
    const key = Buffer.from([0xff, 0x00, 0x80]);
    const decoded = decodeBencode(Buffer.concat([text('d3:'), key, text('i1ee')])) as BencodeDict;
    expect([...decoded.keys()].map((k) => Buffer.from(k, 'latin1'))).toEqual([key]);
  });

  it.each([
    ['empty input', ''],
    ['a truncated string', '5:abc'],
    ['a truncated dictionary', 'd1:ai1e'],
    ['a leading zero', 'i03e'],
    ['minus zero', 'i-0e'],
    ['a non-integer', 'i1.5e'],
    ['an integer beyond 2^53', 'i9007199254740993e'],
    ['a string length with a leading zero', '03:abc'],
    ['unsorted keys', 'd1:bi1e1:ai2ee'],
    ['a duplicate key', 'd1:ai1e1:ai2ee'],
    ['an integer key', 'di1ei2ee'],
    ['trailing bytes', 'i1ei2e'],
    ['an unknown type', 'x'],
    ['nesting deeper than 100', `${'l'.repeat(101)}${'e'.repeat(101)}`],
  ])('rejects %s with MalformedTorrentError', (_label, input) => {
    expect(() => decodeBencode(text(input))).toThrow(MalformedTorrentError);
  });

  it('names the offending byte offset in the message', () => {
    expect(() => decodeBencode(text('d1:bi1e1:ai2ee'))).toThrow('keys out of order ("a" after "b") (at byte 7)');
  });

  it('rejects input over the 10 MB limit before parsing it', () => {
    expect(() => decodeBencode(new Uint8Array(10_000_001))).toThrow(/exceeds the 10000000-byte limit/);
  });

  it('throws nothing but MalformedTorrentError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeBencode(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedTorrentError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but MalformedTorrentError on mutated valid bencode', () => {
    const valid = encodeBencode({ announce: 'http://x/a', info: { length: 5, name: 'n', 'piece length': 16384, pieces: new Uint8Array(20) } });
    fc.assert(
      fc.property(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const mutated = Uint8Array.from(valid);
        mutated[at] = value;
        try {
          decodeBencode(mutated);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedTorrentError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Function: encodeBencode', () => {
  it('sorts string keys by their UTF-8 bytes, not by UTF-16 code units', () => {
    // U+FF5E is one UTF-16 unit above the surrogates of U+1F600, but its UTF-8 bytes (EF ..) sort below F0 ...
    const encoded = Buffer.from(encodeBencode({ '\u{1F600}': 1, '\uFF5E': 2, a: 3 }));
    expect(encoded.toString('utf8')).toBe('d1:ai3e3:\uFF5Ei2e4:\u{1F600}i1ee');
    expect(() => decodeBencode(encoded)).not.toThrow();
  });

  it('sorts byte-string keys by their bytes (several piece layers in one dict)', () => {
    const keys = [Buffer.from([10, 0]), Buffer.from([9, 255]), Buffer.from([200])];
    const decoded = decodeBencode(encodeBencode(new Map(keys.map((k, i) => [k, i])))) as BencodeDict;
    expect([...decoded.entries()]).toEqual([
      [Buffer.from([9, 255]).toString('latin1'), 1],
      [Buffer.from([10, 0]).toString('latin1'), 0],
      [Buffer.from([200]).toString('latin1'), 2],
    ]);
  });

  it('leaves out keys whose value is undefined', () => {
    expect(Buffer.from(encodeBencode({ a: undefined, b: 'x' })).toString()).toBe('d1:b1:xe');
  });

  it('refuses two keys with the same bytes and numbers that are not integers', () => {
    expect(() => encodeBencode(new Map<string | Uint8Array, number>([['a', 1], [Buffer.from('a'), 2]]))).toThrow('duplicate dictionary key "a"');
    expect(() => encodeBencode({ a: 1.5 })).toThrow('bencode holds only integers, not 1.5');
  });
});
