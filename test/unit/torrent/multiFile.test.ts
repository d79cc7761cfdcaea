import { createHash } from 'node:crypto';
import {
  ContentTooLargeError,
  EmptyContentError,
  InvalidFileListError,
  InvalidMetainfoError,
  MAX_FILES_PER_TORRENT,
  MAX_PREFIX_CONTENT_SIZE,
  TorrentFormat,
  assembleMultiFileInfo,
  buildMultiFileTorrent,
  buildTorrent,
  comparePaths,
  decodeBencode,
  memberPathProblem,
  parseTorrent,
} from '../../../src/torrent/index.js';
import type { BencodeDict, FileListProblem, MemberHashes } from '../../../src/torrent/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { memberHashesOf } from './memberHashesOf.js';

const PIECE = 16 * 1024;

interface TestFile {
  readonly path: string[];
  readonly data: Buffer;
}

const file = (path: string, size: number, seed = path): TestFile => ({ path: path.split('/'), data: pseudoRandomBytes(size, seed) });

async function hashesOf(files: ReadonlyArray<TestFile>, pieceLength = PIECE): Promise<MemberHashes[]> {
  return Promise.all(files.map((f) => memberHashesOf(f.path, f.data, pieceLength)));
}

/** SHA-1 of each piece of the bytes a client downloads: files in torrent order, pad files as zeros. */
function piecesOfPieceSpace(files: ReadonlyArray<TestFile>, layout: ReadonlyArray<{ path: ReadonlyArray<string>; size: number; pad: boolean }>): Buffer {
  const byPath = new Map(files.map((f) => [f.path.join('/'), f.data]));
  const space = Buffer.concat(layout.map((f) => (f.pad ? Buffer.alloc(f.size) : (byPath.get(f.path.join('/')) as Buffer))));
  const hashes: Buffer[] = [];
  for (let at = 0; at < space.length; at += PIECE) hashes.push(createHash('sha1').update(space.subarray(at, at + PIECE)).digest());
  return Buffer.concat(hashes);
}

const infoOf = (info: Uint8Array): BencodeDict => decodeBencode(info) as BencodeDict;
const str = (value: unknown): string => Buffer.from(value as Uint8Array).toString('utf8');
const v1Files = (info: BencodeDict): Array<{ length: number; path: string; attr?: string }> =>
  (info.get('files') as BencodeDict[]).map((entry) => ({
    length: entry.get('length') as number,
    path: (entry.get('path') as Uint8Array[]).map(str).join('/'),
    ...(entry.has('attr') ? { attr: str(entry.get('attr')) } : {}),
  }));

describe('Function: comparePaths', () => {
  const sorted = (paths: string[][]): string[] => [...paths].sort(comparePaths).map((p) => p.join('/'));

  it('orders segment by segment, so a directory sorts by its own name, not by what follows it', () => {
    // As whole strings "a-b" < "a/b" ('-' is 0x2d, '/' 0x2f); segment by segment "a" < "a-b".
    expect(sorted([['a-b'], ['a', 'b']])).toEqual(['a/b', 'a-b']);
    expect(sorted([['x', 'z.txt'], ['x', 'y', 'w']])).toEqual(['x/y/w', 'x/z.txt']);
  });

  it('compares UTF-8 bytes: upper case before lower case, and characters above U+FFFF after U+FFxx', () => {
    // JavaScript's < puts U+1F600 (surrogates D83D DE00) before U+FF5E; its UTF-8 (F0 ..) sorts after EF BD 9E.
    expect(['\u{1F600}', '\uFF5E'].sort()).toEqual(['\u{1F600}', '\uFF5E']);
    expect(sorted([['\u{1F600}'], ['\uFF5E'], ['a'], ['B'], ['é']])).toEqual(['B', 'a', 'é', '\uFF5E', '\u{1F600}']);
  });

  it('puts a path before the longer paths it begins', () => {
    expect(comparePaths(['a'], ['a', 'b'])).toBeLessThan(0);
    expect(comparePaths(['ab'], ['a', 'b'])).toBeGreaterThan(0);
    expect(comparePaths(['a', 'b'], ['a', 'b'])).toBe(0);
  });
});

describe('Function: assembleMultiFileInfo', () => {
  const FILES = [
    file('z/last.bin', 2 * PIECE + 7),
    file('a.txt', 1),
    file('m/aligned.bin', 2 * PIECE),
    file('m/empty', 0),
    file('m/one-piece', PIECE),
    file('m/piece-plus-one', PIECE + 1),
  ];

  it('lays files out sorted, with a pad after every non-empty file not ending on a piece boundary, the last included', async () => {
    const assembled = assembleMultiFileInfo(await hashesOf(FILES), { name: 'set', pieceLength: PIECE });
    expect(v1Files(infoOf(assembled.info))).toEqual([
      { length: 1, path: 'a.txt' },
      { attr: 'p', length: PIECE - 1, path: `.pad/${PIECE - 1}` },
      { length: 2 * PIECE, path: 'm/aligned.bin' },
      { length: 0, path: 'm/empty' },
      { length: PIECE, path: 'm/one-piece' },
      { length: PIECE + 1, path: 'm/piece-plus-one' },
      { attr: 'p', length: PIECE - 1, path: `.pad/${PIECE - 1}` },
      { length: 2 * PIECE + 7, path: 'z/last.bin' },
      { attr: 'p', length: PIECE - 7, path: `.pad/${PIECE - 7}` },
    ]);
    expect(assembled.files.map((f) => [f.path.join('/'), f.offset, f.pad])).toEqual([
      ['a.txt', 0, false],
      [`.pad/${PIECE - 1}`, 1, true],
      ['m/aligned.bin', PIECE, false],
      ['m/empty', 3 * PIECE, false],
      ['m/one-piece', 3 * PIECE, false],
      ['m/piece-plus-one', 4 * PIECE, false],
      [`.pad/${PIECE - 1}`, 5 * PIECE + 1, true],
      ['z/last.bin', 6 * PIECE, false],
      [`.pad/${PIECE - 7}`, 8 * PIECE + 7, true],
    ]);
    expect(assembled.totalSize).toBe(9 * PIECE);
  });

  it('writes the v1 pieces of the bytes a client downloads (files and zero pads), from per-file hashes alone', async () => {
    const assembled = assembleMultiFileInfo(await hashesOf(FILES), { name: 'set', pieceLength: PIECE });
    expect(Buffer.from(infoOf(assembled.info).get('pieces') as Uint8Array)).toEqual(piecesOfPieceSpace(FILES, assembled.files));
  });

  it('gives a lone file no pad, so its last piece stays short', async () => {
    const lone = [file('only.bin', PIECE + 3)];
    const assembled = assembleMultiFileInfo(await hashesOf(lone), { name: 'set', pieceLength: PIECE });
    expect(v1Files(infoOf(assembled.info))).toEqual([{ length: PIECE + 3, path: 'only.bin' }]);
    expect(Buffer.from(infoOf(assembled.info).get('pieces') as Uint8Array)).toEqual(piecesOfPieceSpace(lone, assembled.files));
    expect(assembled.totalSize).toBe(PIECE + 3);
  });

  it('pads a file followed only by an empty one: the empty one still counts as a file', async () => {
    const files = [file('a', 5), file('b', 0)];
    const assembled = assembleMultiFileInfo(await hashesOf(files), { name: 'set', pieceLength: PIECE });
    expect(v1Files(infoOf(assembled.info)).map((f) => f.path)).toEqual(['a', `.pad/${PIECE - 5}`, 'b']);
  });

  it('builds the hybrid file tree with each file\'s pieces root, a bare length for an empty file, and layers for multi-piece files only', async () => {
    const assembled = assembleMultiFileInfo(await hashesOf(FILES), { name: 'set', pieceLength: PIECE, format: TorrentFormat.Hybrid });
    const info = infoOf(assembled.info);
    expect(info.get('meta version')).toBe(2);
    const tree = info.get('file tree') as BencodeDict;
    expect([...tree.keys()]).toEqual(['a.txt', 'm', 'z']);
    const m = tree.get('m') as BencodeDict;
    expect([...m.keys()]).toEqual(['aligned.bin', 'empty', 'one-piece', 'piece-plus-one']);
    const leaf = (dir: BencodeDict, name: string): BencodeDict => (dir.get(name) as BencodeDict).get('') as BencodeDict;
    expect([...leaf(m, 'empty').entries()]).toEqual([['length', 0]]);
    expect(leaf(m, 'one-piece').get('length')).toBe(PIECE);

    const hashes = await hashesOf(FILES);
    const byPath = new Map(hashes.map((h) => [h.path.join('/'), h]));
    const onePieceRoot = Buffer.from(leaf(m, 'one-piece').get('pieces root') as Uint8Array);
    expect(onePieceRoot).toEqual(Buffer.from(byPath.get('m/one-piece')?.v2 as Uint8Array));
    const layerRoots = [...(assembled.pieceLayers as Map<Uint8Array, Uint8Array>).keys()].map((k) => Buffer.from(k).toString('hex')).sort();
    const multiPiece = ['m/aligned.bin', 'm/piece-plus-one', 'z/last.bin'].map((p) => {
      const [dir, name] = p.split('/') as [string, string];
      return Buffer.from(leaf(tree.get(dir) as BencodeDict, name).get('pieces root') as Uint8Array).toString('hex');
    });
    expect(layerRoots).toEqual(multiPiece.sort());
  });

  it('writes one piece layer for two files with the same bytes', async () => {
    const same = pseudoRandomBytes(3 * PIECE, 'same');
    const files = [{ path: ['a'], data: same }, { path: ['b'], data: same }];
    const built = buildMultiFileTorrent(await hashesOf(files), { name: 'set', pieceLength: PIECE, format: TorrentFormat.Hybrid });
    const layers = (decodeBencode(built.torrent) as BencodeDict).get('piece layers') as BencodeDict;
    expect(layers.size).toBe(1);
    expect(parseTorrent(built.torrent).files.filter((f) => !f.pad)).toHaveLength(2);
  });

  it('refuses content that is only empty files', async () => {
    const empties = await hashesOf([file('a', 0), file('b', 0)]);
    expect(() => assembleMultiFileInfo(empties, { name: 'set', pieceLength: PIECE })).toThrow(EmptyContentError);
  });

  it.each<[string, string[], string[], FileListProblem, string]>([
    ['the same path twice', ['a/b'], ['a/b'], 'duplicate-path', 'two members share a path: "a/b"'],
    ['a file where a directory is needed', ['a'], ['a/b'], 'file-is-directory', 'a member needs a directory where another member is a file: "a/b"'],
    // Sorted, "a" comes first whatever the input order, and "a/b" is the one refused.
    ['a directory where a file is', ['a/b'], ['a'], 'file-is-directory', 'a member needs a directory where another member is a file: "a/b"'],
  ])('refuses %s', async (_what, first, second, problem, message) => {
    const members = await hashesOf([...first, ...second].map((p, i) => file(p, 3, `${i}`)));
    const error = catchError(() => assembleMultiFileInfo(members, { name: 'set', pieceLength: PIECE, format: TorrentFormat.Hybrid }));
    expect(error).toBeInstanceOf(InvalidFileListError);
    expect(error).toMatchObject({ problem, message });
    // v1 has no tree, but the same conflicts would make clients overwrite one file with another.
    expect(() => assembleMultiFileInfo(members, { name: 'set', pieceLength: PIECE })).toThrow(InvalidFileListError);
  });

  it.each<[string[], FileListProblem, string]>([
    [['.pad', '7'], 'reserved-path', '".pad/" is where BEP 47 pad files live'],
    [[], 'bad-path', 'a member has an empty path'],
    [['a', ''], 'bad-path', 'path segment "" is empty'],
    [['a', '..'], 'bad-path', 'path segment ".." is a relative path'],
    [['.'], 'bad-path', 'path segment "." is a relative path'],
    [['a\\b'], 'bad-path', 'contains a path separator'],
    [['tab\there'], 'bad-path', 'contains a control character'],
    [['x'.repeat(256)], 'bad-path', 'is longer than 255 bytes'],
    [['\uD800'], 'bad-path', 'is not valid Unicode'],
  ])('refuses the member path %j', async (path, problem, message) => {
    expect(memberPathProblem(path)).toMatchObject({ problem, message: expect.stringContaining(message) });
    const [good] = await hashesOf([file('ok', 3)]);
    const bad = { ...(good as MemberHashes), path };
    const error = catchError(() => assembleMultiFileInfo([good as MemberHashes, bad], { name: 'set', pieceLength: PIECE }));
    expect(error).toBeInstanceOf(InvalidFileListError);
    expect(error).toMatchObject({ problem, path });
  });

  it('accepts paths with spaces, dots inside names and non-ASCII characters', () => {
    expect(memberPathProblem(['.hidden', 'a b', 'x..y', 'données', '\u{1F600}.txt'])).toBeUndefined();
  });

  it('checks each member\'s hash counts against its size', async () => {
    const [member] = await hashesOf([file('m', 2 * PIECE + 1)]);
    const other = (await hashesOf([file('o', 1)]))[0] as MemberHashes;
    const m = member as MemberHashes;
    const options = { name: 'set', pieceLength: PIECE };
    const hybrid = { ...options, format: TorrentFormat.Hybrid };
    const problems: Array<[MemberHashes, typeof options, string]> = [
      [{ ...m, v1: m.v1.subarray(20) }, options, 'expected 3 v1 piece hashes, got 2'],
      [{ ...m, v1PaddedTail: undefined }, options, 'expected 1 padded tail hash, got 0'],
      [{ ...m, v2: m.v2?.subarray(32) }, hybrid, 'expected 3 v2 piece hashes, got 2'],
      [{ ...m, v2: undefined }, hybrid, 'expected 3 v2 piece hashes, got 0'],
      [{ ...m, size: -1 }, options, 'size -1 is not a byte count'],
    ];
    for (const [bad, opts, message] of problems) {
      const error = catchError(() => assembleMultiFileInfo([bad, other], opts));
      expect(error).toBeInstanceOf(InvalidFileListError);
      expect((error as Error).message).toContain(message);
    }
    // Alone, the file keeps its short last piece: no padded tail needed.
    expect(() => assembleMultiFileInfo([{ ...m, v1PaddedTail: undefined }], options)).not.toThrow();
  });

  it('refuses more content in all than MAX_PREFIX_CONTENT_SIZE', () => {
    // Piece-aligned sizes, so no padded tail is needed; the v1 buffers are the right length of zeros.
    const pieceLength = 64 * 1024 * 1024;
    const half = MAX_PREFIX_CONTENT_SIZE / 2 + pieceLength;
    const huge = (name: string): MemberHashes => ({
      path: [name],
      size: half,
      v1: new Uint8Array((half / pieceLength) * 20),
    });
    expect(() => assembleMultiFileInfo([huge('a'), huge('b')], { name: 'set', pieceLength })).toThrow(ContentTooLargeError);
  });

  it(`refuses no members and more than ${MAX_FILES_PER_TORRENT}`, async () => {
    expect(() => assembleMultiFileInfo([], { name: 'set', pieceLength: PIECE })).toThrow(
      expect.objectContaining({ problem: 'no-files' }),
    );
    const empty = { path: ['e'], size: 0, v1: new Uint8Array(0) };
    const many = Array.from({ length: MAX_FILES_PER_TORRENT + 1 }, (_, i) => ({ ...empty, path: [`e${i}`] }));
    expect(() => assembleMultiFileInfo(many, { name: 'set', pieceLength: PIECE })).toThrow(
      `${MAX_FILES_PER_TORRENT + 1} files is more than the limit of ${MAX_FILES_PER_TORRENT}`,
    );
  });
});

describe('Function: buildMultiFileTorrent', () => {
  const OPTIONS = {
    trackers: [['http://127.0.0.1:6969/announce'], ['udp://127.0.0.1:6969']],
    webseeds: ['http://127.0.0.1:9000/open-data/climate/'],
    comment: 'dataset',
    creationDate: 1_700_000_000,
  };

  it('writes the same keys around the info dict as a single-file torrent', async () => {
    const files = [file('2026/jan.csv', PIECE + 9), file('2026/feb.csv', 3 * PIECE)];
    const built = buildMultiFileTorrent(await hashesOf(files), { ...OPTIONS, name: '2026', pieceLength: PIECE, format: TorrentFormat.Hybrid });
    const [one] = await hashesOf([file('x', 10)]);
    const single = buildTorrent({ ...(one as MemberHashes), pieceLength: PIECE }, { ...OPTIONS, name: 'x', format: TorrentFormat.Hybrid });
    const rootKeys = (torrent: Uint8Array): Array<[string, unknown]> =>
      [...(decodeBencode(torrent) as BencodeDict).entries()].filter(([k]) => k !== 'info' && k !== 'piece layers');
    expect(rootKeys(built.torrent)).toEqual(rootKeys(single.torrent));
    expect([...(decodeBencode(built.torrent) as BencodeDict).keys()]).toEqual([...(decodeBencode(single.torrent) as BencodeDict).keys()]);
  });

  it('round-trips through parseTorrent: layout, infohashes, trackers and webseeds', async () => {
    const files = [file('b/x', 2 * PIECE + 1), file('a', 5), file('c', 0)];
    for (const format of [TorrentFormat.V1, TorrentFormat.Hybrid]) {
      const built = buildMultiFileTorrent(await hashesOf(files), { ...OPTIONS, name: 'set', pieceLength: PIECE, format });
      const summary = parseTorrent(built.torrent);
      expect(summary).toMatchObject({
        name: 'set',
        multiFile: true,
        size: built.totalSize,
        infoHashV1: built.infoHashV1,
        infoHashV2: built.infoHashV2,
        trackers: OPTIONS.trackers,
        webseeds: OPTIONS.webseeds,
      });
      expect(summary.files.map(({ piecesRoot, ...laidOut }) => laidOut)).toEqual(built.files);
    }
  });

  it('refuses a bad name or webseed before assembling', async () => {
    const members = await hashesOf([file('a', 5)]);
    expect(() => buildMultiFileTorrent(members, { name: '..', pieceLength: PIECE })).toThrow(InvalidMetainfoError);
    expect(() => buildMultiFileTorrent(members, { name: 'n', pieceLength: PIECE, webseeds: ['ftp://x/'] })).toThrow(
      'webseed "ftp://x/" must be http or https',
    );
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
