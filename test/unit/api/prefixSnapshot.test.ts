import { planSnapshot, prefixProblem, prefixWebseedUrl, snapshotIdOf } from '../../../src/prefixes/index.js';
import type { ListedMember, PrefixListing } from '../../../src/storage/index.js';
import { MAX_PREFIX_CONTENT_SIZE, torrentNameForPrefix } from '../../../src/torrent/index.js';

const KiB = 1024;

function listing(members: Array<[string, number]>, excludedKeys: string[] = []): PrefixListing {
  return { members: members.map(([key, size]) => ({ key, etag: `"${key.length}-${size}"`, size })), excludedKeys };
}

describe('Function: planSnapshot', () => {
  it('orders members as libtorrent does (segment by segment, UTF-8 bytes) and picks the prefix piece length', () => {
    // Prepare
    const listed = listing([['d/b.bin', 5], ['d/a/z.bin', 7], ['d/B.bin', 0], ['d/a.bin', 3], ['d/é.bin', 1]], ['d/private.bin']);

    // Act
    const plan = planSnapshot('d/', listed);

    // Assess
    expect(plan).toMatchObject({ kind: 'snapshot', totalSize: 16, pieceLength: 256 * KiB, excludedCount: 1 });
    expect(plan.kind === 'snapshot' && plan.members.map((member) => member.key)).toEqual(['d/B.bin', 'd/a/z.bin', 'd/a.bin', 'd/b.bin', 'd/é.bin']);
  });

  it('gives another snapshot id when a member changes ETag or an excluded object appears, the same for the same listing', () => {
    // Prepare
    const base = listing([['d/a.bin', 3], ['d/b.bin', 4]]);
    const id = (plan: ReturnType<typeof planSnapshot>): string | undefined => (plan.kind === 'snapshot' ? plan.snapshotId : undefined);

    // Act
    const same = id(planSnapshot('d/', listing([['d/b.bin', 4], ['d/a.bin', 3]])));
    const [first, second] = base.members as [ListedMember, ListedMember];
    const overwritten = id(planSnapshot('d/', { ...base, members: [{ ...first, etag: '"other"' }, second] }));
    const moreExcluded = id(planSnapshot('d/', { ...base, excludedKeys: ['d/c.bin'] }));

    // Assess
    expect(same).toBe(id(planSnapshot('d/', base)));
    expect(new Set([same, overwritten, moreExcluded]).size).toBe(3);
    expect(id(planSnapshot('d/', base))).toBe(snapshotIdOf(base.members, []));
  });

  it.each([
    ['no public member', listing([], ['d/secret.bin'])],
    ['only empty members', listing([['d/empty.txt', 0]])],
  ])('says there is nothing to publish for %s', (_label, listed) => {
    expect(planSnapshot('d/', listed).kind).toBe('empty');
  });

  it.each([
    ['an empty path segment', listing([['d/a//b.bin', 1]]), 'is empty'],
    ['a member under .pad/', listing([['d/.pad/1', 1]]), '.pad/'],
    ['a member that is also a folder of others', listing([['d/a', 1], ['d/a/b', 1]]), 'also a folder'],
    ['a control character', listing([['d/a\u0007.bin', 1]]), 'control character'],
    ['more bytes than one torrent takes', listing([['d/a.bin', MAX_PREFIX_CONTENT_SIZE], ['d/b.bin', 1]]), 'MAX_PREFIX_CONTENT_SIZE'],
  ])('refuses %s', (_label, listed, detail) => {
    const plan = planSnapshot('d/', listed);
    expect(plan.kind).toBe('inexpressible');
    expect(plan.kind === 'inexpressible' && plan.detail).toContain(detail);
  });
});

describe('Functions: prefixProblem, torrentNameForPrefix, prefixWebseedUrl', () => {
  it.each([['a//'], ['a/./'], ['../'], ['a/..//'], ['/']])('refuses the prefix %j', (prefix) => {
    expect(prefixProblem(prefix)).toBeDefined();
  });

  it('takes nested prefixes and names the torrent after the last segment', () => {
    expect(prefixProblem('climate/2026/')).toBeUndefined();
    expect(torrentNameForPrefix('climate/2026/')).toBe('2026');
    expect(torrentNameForPrefix('top/')).toBe('top');
  });

  it('points the webseed at the parent, so url + name + "/" + path is the object URL', () => {
    expect(prefixWebseedUrl('https://s3.example', 'open-data', 'climate/2026 v2/')).toBe('https://s3.example/open-data/climate/');
    expect(prefixWebseedUrl('https://s3.example/', 'open-data', 'top/')).toBe('https://s3.example/open-data/');
    const url = prefixWebseedUrl('https://s3.example', 'b', 'a b/c/');
    expect(`${url}${encodeURIComponent('c')}/${encodeURIComponent('x y.csv')}`).toBe('https://s3.example/b/a%20b/c/x%20y.csv');
  });
});
