import { createHash } from 'node:crypto';
import type { PrefixMember } from '../records/index.js';
import type { PrefixListing } from '../storage/index.js';
import { MAX_PREFIX_CONTENT_SIZE, comparePaths, prefixPieceLengthFor } from '../torrent/index.js';
import { memberPath, memberPathProblem } from './prefixPaths.js';

/** Bumped when what a snapshot id covers changes, so old ids never match new listings. */
const SNAPSHOT_ID_VERSION = 1;

/** What a listing makes: the snapshot to publish, or why there is none. */
type PrefixSnapshotPlan =
  | {
    readonly kind: 'snapshot';
    readonly snapshotId: string;
    /** In torrent order (libtorrent's path order). */
    readonly members: ReadonlyArray<PrefixMember>;
    readonly totalSize: number;
    readonly pieceLength: number;
    readonly excludedCount: number;
  }
  /** No public member with a byte in it: nothing to publish (404). */
  | { readonly kind: 'empty'; readonly excludedCount: number }
  /** A member the torrent cannot carry, or more content than one torrent takes (400). */
  | { readonly kind: 'inexpressible'; readonly detail: string };

/**
 * The snapshot id: SHA-256 of the members (key, ETag, size) in torrent order and the excluded
 * keys in listing order. Any member added, removed, overwritten or made private, and any
 * excluded object made public, gives another id.
 */
function snapshotIdOf(members: ReadonlyArray<PrefixMember>, excludedKeys: ReadonlyArray<string>): string {
  const listing = { v: SNAPSHOT_ID_VERSION, members: members.map((m) => [m.key, m.etag, m.size]), excluded: [...excludedKeys].sort() };
  return createHash('sha256').update(JSON.stringify(listing)).digest('hex');
}

/** Finds a member whose path is a directory of another's (`a/b` and `a/b/c`): a torrent cannot hold both. */
function fileDirectoryClash(paths: ReadonlyArray<{ key: string; path: string[] }>): string | undefined {
  const directories = new Set<string>();
  for (const { path } of paths) for (let i = 1; i < path.length; i += 1) directories.add(path.slice(0, i).join('/'));
  return paths.find(({ path }) => directories.has(path.join('/')))?.key;
}

/** Turns a prefix's listing into the snapshot its torrent is built from (or why there is none). */
function planSnapshot(prefix: string, listing: PrefixListing): PrefixSnapshotPlan {
  const excludedCount = listing.excludedKeys.length;
  for (const member of listing.members) {
    const problem = memberPathProblem(prefix, member.key);
    if (problem !== undefined) return { kind: 'inexpressible', detail: problem };
  }
  const withPaths = listing.members.map((member) => ({ member, key: member.key, path: memberPath(prefix, member.key) }));
  const clash = fileDirectoryClash(withPaths);
  if (clash !== undefined) return { kind: 'inexpressible', detail: `The object "${clash}" is also a folder of other objects: a torrent cannot hold a file and a folder of one name.` };
  const totalSize = listing.members.reduce((sum, member) => sum + member.size, 0);
  if (totalSize === 0) return { kind: 'empty', excludedCount };
  if (totalSize > MAX_PREFIX_CONTENT_SIZE) {
    return { kind: 'inexpressible', detail: `The public objects under the prefix hold ${totalSize} bytes, more than one torrent takes (MAX_PREFIX_CONTENT_SIZE, ${MAX_PREFIX_CONTENT_SIZE} bytes).` };
  }
  const members = withPaths.sort((a, b) => comparePaths(a.path, b.path)).map(({ member }) => ({ key: member.key, etag: member.etag, size: member.size }));
  return {
    kind: 'snapshot',
    snapshotId: snapshotIdOf(members, listing.excludedKeys),
    members,
    totalSize,
    pieceLength: prefixPieceLengthFor(totalSize),
    excludedCount,
  };
}

export { SNAPSHOT_ID_VERSION, planSnapshot, snapshotIdOf };
export type { PrefixSnapshotPlan };
