import { FALLBACK_NAME, prefixProblem, torrentNameForKey, torrentNameForPrefix } from '../../../src/torrent/index.js';

describe('Function: torrentNameForPrefix', () => {
  it.each([
    ['open/climate/2026/', '2026'],
    ['top/', 'top'],
    ['a/dir\twith\\odd/', 'dir_with_odd'],
    ['a/données/', 'données'],
  ])('names the prefix %j %j', (prefix, name) => {
    expect(torrentNameForPrefix(prefix)).toBe(name);
  });

  it('sanitises like torrentNameForKey: the same last segment gives the same name', () => {
    expect(torrentNameForPrefix('x/report.d/')).toBe(torrentNameForKey('x/report.d'));
    expect(torrentNameForPrefix('/')).toBe(FALLBACK_NAME);
    expect(Buffer.byteLength(torrentNameForPrefix(`${'é'.repeat(200)}/`), 'utf8')).toBe(254);
  });
});

describe('Function: prefixProblem', () => {
  it.each(['open/climate/2026/', 'a/', 'a b/c.d/', '.hidden/', 'x/..y/'])('accepts %j', (prefix) => {
    expect(prefixProblem(prefix)).toBeUndefined();
  });

  it.each([
    ['', 'is empty (a whole bucket is not a prefix)'],
    ['/', 'is empty (a whole bucket is not a prefix)'],
    ['a/b', 'does not end with "/"'],
    ['a//b/', 'has an empty segment'],
    ['/a/', 'has an empty segment'],
    ['a/./', 'has a "." or ".." segment'],
    ['../a/', 'has a "." or ".." segment'],
  ])('refuses %j: %s', (prefix, problem) => {
    expect(prefixProblem(prefix)).toBe(problem);
  });
});
