import fc from 'fast-check';
import { isQueryProblem, parseRawQuery } from '../../../src/tracker/queryString.js';

const escape = (bytes: Uint8Array): string => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

describe('Function: parseRawQuery', () => {
  it('decodes percent-escaped binary values byte for byte', () => {
    const hash = Uint8Array.from({ length: 20 }, (_, i) => 0xff - i * 7);
    const query = parseRawQuery(`info_hash=${escape(hash)}&port=6881`);
    if (isQueryProblem(query)) throw new Error(query.problem);
    expect(query.get('info_hash')).toEqual([hash]);
    expect(Buffer.from(query.get('port')?.[0] ?? []).toString()).toBe('6881');
  });

  it('keeps unescaped characters as their own byte and reads + as a space', () => {
    const query = parseRawQuery('peer_id=-TR3000-a+b%7E');
    if (isQueryProblem(query)) throw new Error(query.problem);
    expect(Buffer.from(query.get('peer_id')?.[0] ?? []).toString('latin1')).toBe('-TR3000-a b~');
  });

  it('keeps every value of a repeated name, in order, and skips empty pairs', () => {
    const query = parseRawQuery('info_hash=a&&info_hash=b&flag');
    if (isQueryProblem(query)) throw new Error(query.problem);
    expect(query.get('info_hash')?.map((v) => Buffer.from(v).toString())).toEqual(['a', 'b']);
    expect(query.get('flag')).toEqual([new Uint8Array(0)]);
  });

  it.each([['%'], ['a=%4'], ['a=%zz'], ['a=%4g&b=1'], ['a=\u0100']])('reports a malformed escape in "%s"', (raw) => {
    expect(isQueryProblem(parseRawQuery(raw))).toBe(true);
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const query = parseRawQuery(`v=${escape(bytes)}`);
        return !isQueryProblem(query) && Buffer.from(query.get('v')?.[0] ?? []).equals(Buffer.from(bytes));
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (raw) => void parseRawQuery(raw)));
  });
});
