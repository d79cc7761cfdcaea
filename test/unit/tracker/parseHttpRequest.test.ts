import fc from 'fast-check';
import { MAX_SCRAPE_HASHES, MAX_URL_BYTES } from '../../../src/tracker/constants.js';
import { parseHttpRequest } from '../../../src/tracker/parseHttpRequest.js';

const escape = (bytes: Uint8Array): string => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const HASH = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 200) & 0xff);
const PEER_ID = Buffer.from('-qB4650-abcdefghijkl', 'latin1');

function announceUrl(overrides: Record<string, string | undefined> = {}): string {
  const params: Record<string, string | undefined> = {
    info_hash: escape(HASH),
    peer_id: escape(PEER_ID),
    port: '6881',
    uploaded: '0',
    downloaded: '0',
    left: '1000',
    ...overrides,
  };
  const pairs = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return `/announce?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;
}

function reasonOf(method: string, url: string): string | undefined {
  const request = parseHttpRequest(method, url);
  return request.kind === 'invalid' ? request.reason : undefined;
}

describe('Function: parseHttpRequest', () => {
  it('reads an announce with binary info_hash and peer_id', () => {
    const request = parseHttpRequest('GET', announceUrl({ event: 'started', numwant: '30', ip: '10.0.0.1' }));
    expect(request).toEqual({
      kind: 'announce',
      compact: true,
      announce: {
        infoHashHex: Buffer.from(HASH).toString('hex'),
        port: 6881,
        uploaded: 0,
        downloaded: 0,
        left: 1000,
        event: 'started',
        numwant: 30,
      },
    });
  });

  it('defaults to compact, and reads compact=0', () => {
    const request = parseHttpRequest('GET', announceUrl({ compact: '0', no_peer_id: '1' }));
    expect(request).toMatchObject({ kind: 'announce', compact: false });
  });

  it.each([
    ['', 'update'],
    ['empty', 'update'],
    ['paused', 'update'],
    ['completed', 'completed'],
    ['stopped', 'stopped'],
  ])('reads event=%s as %s', (event, expected) => {
    expect(parseHttpRequest('GET', announceUrl({ event }))).toMatchObject({ announce: { event: expected } });
  });

  it('leaves a missing or negative numwant to the default and a huge one to the cap', () => {
    expect(parseHttpRequest('GET', announceUrl())).toMatchObject({ announce: { numwant: undefined } });
    expect(parseHttpRequest('GET', announceUrl({ numwant: '-1' }))).toMatchObject({ announce: { numwant: undefined } });
    expect(parseHttpRequest('GET', announceUrl({ numwant: '9'.repeat(40) }))).toMatchObject({ announce: { numwant: Number.MAX_SAFE_INTEGER } });
  });

  it.each([
    ['a missing info_hash', { info_hash: undefined }, 'missing info_hash'],
    ['a short info_hash', { info_hash: escape(HASH.subarray(0, 19)) }, 'info_hash must be 20 bytes, not 19'],
    ['a long info_hash', { info_hash: `${escape(HASH)}a` }, 'info_hash must be 20 bytes, not 21'],
    ['a missing peer_id', { peer_id: undefined }, 'missing peer_id'],
    ['a short peer_id', { peer_id: 'abc' }, 'peer_id must be 20 bytes, not 3'],
    ['a missing port', { port: undefined }, 'missing port'],
    ['port 0', { port: '0' }, 'port must be a number from 1 to 65535'],
    ['port 65536', { port: '65536' }, 'port must be a number from 1 to 65535'],
    ['a signed port', { port: '-1' }, 'port must be a number from 1 to 65535'],
    ['an absurd left', { left: '9'.repeat(17) }, 'left must be a byte count from 0 to 9007199254740991'],
    ['a left past 2^53', { left: '9007199254740993' }, 'left must be a byte count from 0 to 9007199254740991'],
    ['a negative uploaded', { uploaded: '-5' }, 'uploaded must be a byte count from 0 to 9007199254740991'],
    ['a missing left', { left: undefined }, 'missing left'],
    ['an unknown event', { event: 'exploded' }, 'event must be started, completed, stopped or empty'],
    ['a non-numeric numwant', { numwant: '1e3' }, 'numwant must be a whole number'],
    ['a broken escape', { peer_id: '%zz' }, 'malformed percent-encoding in the query at offset 71'],
  ])('refuses %s with a failure reason', (_label, overrides, reason) => {
    expect(parseHttpRequest('GET', announceUrl(overrides))).toEqual({ kind: 'invalid', status: 200, reason });
  });

  it('refuses an oversized request target with 414', () => {
    expect(parseHttpRequest('GET', `/announce?x=${'a'.repeat(MAX_URL_BYTES)}`)).toMatchObject({ kind: 'invalid', status: 414 });
  });

  it('answers 404 for another path and 405 for another method', () => {
    expect(parseHttpRequest('GET', '/')).toMatchObject({ kind: 'invalid', status: 404 });
    expect(parseHttpRequest('GET', '/announce/')).toMatchObject({ kind: 'invalid', status: 404 });
    expect(parseHttpRequest('POST', announceUrl())).toMatchObject({ kind: 'invalid', status: 405 });
  });

  it('reads a scrape of several torrents, each once', () => {
    const other = new Uint8Array(20).fill(1);
    const request = parseHttpRequest('GET', `/scrape?info_hash=${escape(HASH)}&info_hash=${escape(other)}&info_hash=${escape(HASH)}`);
    expect(request).toEqual({ kind: 'scrape', infoHashHexes: [Buffer.from(HASH).toString('hex'), '01'.repeat(20)] });
  });

  it('refuses a full scrape, too many hashes and a wrong-length hash', () => {
    expect(reasonOf('GET', '/scrape')).toBe('scrape needs at least one info_hash; full scrapes are not served');
    expect(reasonOf('GET', `/scrape?${Array.from({ length: MAX_SCRAPE_HASHES + 1 }, () => `info_hash=${escape(HASH)}`).join('&')}`)).toBe(
      `at most ${MAX_SCRAPE_HASHES} info_hash values per scrape`,
    );
    expect(reasonOf('GET', '/scrape?info_hash=abc')).toBe('info_hash must be 20 bytes, not 3');
  });

  it('never throws, whatever the target', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('/announce?', '/scrape?', ''), (tail, prefix) => {
        const request = parseHttpRequest('GET', `${prefix}${tail}`);
        return ['announce', 'scrape', 'invalid'].includes(request.kind);
      }),
    );
  });
});
