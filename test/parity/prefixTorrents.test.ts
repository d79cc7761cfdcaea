import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { hashFile } from '../../src/hashing/index.js';
import {
  EmptyContentError,
  TorrentFormat,
  buildMultiFileTorrent,
  decodeBencode,
  parseTorrent,
  prefixPieceLengthFor,
} from '../../src/torrent/index.js';
import type { BencodeDict, MemberHashes } from '../../src/torrent/index.js';
import { pseudoRandomBytes, tempDir } from '../helpers/files.js';
import { libtorrentCreate } from '../helpers/tools.js';
import { paddedTailOf } from '../unit/torrent/memberHashesOf.js';
import { infoBytes } from './infoBytes.js';

/**
 * Prefix torrents against python3-libtorrent 2.0.8: its `create_torrent` for a directory is the
 * reference for the layout (sorted paths, BEP 47 pads after every file, zero-byte files listed)
 * and for the bytes of the info dict. Ours is assembled from per-file hashes of our own hasher,
 * never from the concatenated bytes.
 */

const KiB = 1024;
const BLOCK = 16 * KiB;

/** A tree of ~50 files of awkward sizes (relative to the piece length) in nested folders. */
function awkwardTree(pieceLength: number): Array<[string, number]> {
  const tree: Array<[string, number]> = [
    ['1-byte.bin', 1],
    ['one-piece.bin', pieceLength],
    ['piece-plus-one.bin', pieceLength + 1],
    ['two-pieces.bin', 2 * pieceLength],
    ['empty.txt', 0],
    ['.hidden', 7],
    ['Upper.txt', 10],
    // As whole strings "a-b.txt" < "a/b.txt" ('-' < '/'); libtorrent compares segment by segment: "a" first.
    ['a-b.txt', 300],
    ['a/b.txt', 301],
    ['données/été.csv', 2 * pieceLength - 1],
    // U+FF5E sorts before U+1F600 as UTF-8 bytes (EF.. < F0..) and after it as UTF-16 units (FF5E > D83D).
    ['données/\uFF5E.txt', BLOCK + 1],
    ['données/\u{1F600}.txt', BLOCK - 1],
    ['\uFF5E/x', 5],
    ['\u{1F600}/x', 6],
    ['deep/1/2/3/4/leaf.bin', 3 * pieceLength + 12_345],
    ['deep/1/zero', 0],
    ['deep/1/2/block.bin', BLOCK],
  ];
  // The rest in nested folders, sizes from 0 to 3 pieces drawn from a fixed seed.
  for (let i = 0; tree.length < 50; i += 1) {
    const draw = createHash('sha256').update(`${pieceLength}:${i}`).digest().readUInt32BE(0);
    const size = i % 11 === 0 ? 0 : draw % (3 * pieceLength + 1);
    tree.push([`set-${i % 5}/${i % 3 === 0 ? 'sub/' : ''}f${i}.dat`, size]);
  }
  return tree;
}

async function writeTree(root: string, tree: ReadonlyArray<[string, number]>): Promise<void> {
  for (const [path, size] of tree) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), pseudoRandomBytes(size, path));
  }
}

/** Each file's hashes from our shipped hasher at the prefix piece length, as the prefix job gets them. */
async function ourMembers(root: string, tree: ReadonlyArray<[string, number]>, pieceLength: number, v2: boolean): Promise<MemberHashes[]> {
  const members: MemberHashes[] = [];
  for (const [path, size] of tree) {
    const segments = path.split('/');
    if (size === 0) {
      members.push({ path: segments, size, v1: new Uint8Array(0), v2: new Uint8Array(0) });
      continue;
    }
    const hashes = await hashFile(join(root, path), { pieceLength, v2, threads: 2 });
    // LEAD: switch to the hasher's v1PaddedTail at merge
    const v1PaddedTail = paddedTailOf(await readFile(join(root, path)), pieceLength);
    members.push({ path: segments, size, v1: hashes.v1, v2: hashes.v2, v1PaddedTail });
  }
  return members;
}

const FORMATS = [
  ['hybrid', TorrentFormat.Hybrid, 'hybrid'],
  ['v1 with pad files', TorrentFormat.V1, 'v1-canonical'],
] as const;

describe('Parity of prefix torrents with libtorrent create_torrent on a directory', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('prefix-parity'));
  });
  afterAll(() => cleanup());

  const totalOf = (tree: ReadonlyArray<[string, number]>): number => tree.reduce((sum, [, size]) => sum + size, 0);
  // The prefix table's piece length for this tree (256 KiB), and the smallest, where most files span several pieces.
  describe.each([prefixPieceLengthFor(totalOf(awkwardTree(256 * KiB))), 16 * KiB])('piece length %d', (pieceLength) => {
    const tree = awkwardTree(pieceLength);
    let root: string;

    beforeAll(async () => {
      root = join(dir, `jeu-de-données-${pieceLength}`);
      await writeTree(root, tree);
    });

    it.each(FORMATS)('%s: the info dict and infohashes are libtorrent\'s, byte for byte', async (_label, format, reference) => {
      // Prepare: members in reverse order, to show the order they arrive in does not matter.
      const members = (await ourMembers(root, tree, pieceLength, format === TorrentFormat.Hybrid)).reverse();
      // Act
      const [ours, theirs] = await Promise.all([
        Promise.resolve(buildMultiFileTorrent(members, { name: basename(root), pieceLength, format })),
        libtorrentCreate(root, pieceLength, reference),
      ]);
      // Assess
      expect(infoBytes(ours.torrent).toString('hex')).toBe(theirs.info.toString('hex'));
      expect(ours.infoHashV1).toBe(theirs.infoHashV1);
      expect(ours.infoHashV2).toBe(theirs.infoHashV2);
      // piece layers sit outside the info dict; clients verify v2 pieces with them.
      const layers = (torrent: Uint8Array): unknown => (decodeBencode(torrent) as BencodeDict).get('piece layers');
      expect(layers(ours.torrent)).toEqual(layers(theirs.torrent));
      // Zero-byte files are listed (as libtorrent lists them), with no pad after them.
      const empty = ours.files.filter((f) => f.size === 0).map((f) => f.path.join('/'));
      expect(empty).toEqual(expect.arrayContaining(['empty.txt', 'deep/1/zero']));
      ours.files.forEach((f, i) => f.size === 0 && expect(ours.files[i + 1]?.pad ?? false).toBe(false));
      // The seeder maps pieces to files with parseTorrent: it reads libtorrent's torrent as ours.
      const parsed = parseTorrent(theirs.torrent);
      expect(parsed.files.map(({ piecesRoot, ...laidOut }) => laidOut)).toEqual(ours.files);
      expect(parsed.size).toBe(ours.totalSize);
    });
  });

  it.each(FORMATS)('%s: a lone file gets no pad, a file followed by an empty one does, as libtorrent lays them out', async (_label, format, reference) => {
    for (const tree of [[['only.bin', BLOCK + 3]], [['a', 5], ['b', 0]]] as Array<Array<[string, number]>>) {
      const root = join(dir, `small-${format}-${tree.length}`);
      await writeTree(root, tree);
      const members = await ourMembers(root, tree, BLOCK, format === TorrentFormat.Hybrid);
      const ours = buildMultiFileTorrent(members, { name: basename(root), pieceLength: BLOCK, format });
      const theirs = await libtorrentCreate(root, BLOCK, reference);
      expect(infoBytes(ours.torrent).equals(theirs.info)).toBe(true);
    }
  });

  it('refuses a prefix of empty files with EmptyContentError, as libtorrent refuses the directory', async () => {
    const tree: Array<[string, number]> = [['e1', 0], ['sub/e2', 0]];
    const root = join(dir, 'only-empty');
    await writeTree(root, tree);
    const members = await ourMembers(root, tree, BLOCK, true);
    expect(() => buildMultiFileTorrent(members, { name: 'only-empty', pieceLength: BLOCK, format: TorrentFormat.Hybrid })).toThrow(
      EmptyContentError,
    );
    await expect(libtorrentCreate(root, BLOCK, 'hybrid')).rejects.toThrow(/invalid length of torrent/);
  });
});

