import {
  MalformedTorrentError,
  TorrentFormat,
  assembleMultiFileInfo,
  decodeBencode,
  encodeBencode,
  parseTorrent,
} from '../../../src/torrent/index.js';
import type { BencodeDict, BencodeValue, Encodable, MemberHashes } from '../../../src/torrent/index.js';
import { MAX_FILE_ENTRIES } from '../../../src/torrent/parseFileList.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { memberHashesOf } from './memberHashesOf.js';

const PIECE = 16 * 1024;

/** Sizes chosen so the layout has a pad after a tiny file, after a multi-piece file, none after an aligned one. */
const TREE: ReadonlyArray<[string, number]> = [
  ['b/x.bin', PIECE + 5],
  ['a.txt', 3],
  ['empty', 0],
  ['c.dat', 2 * PIECE],
];

async function members(): Promise<MemberHashes[]> {
  return Promise.all(TREE.map(([path, size]) => memberHashesOf(path.split('/'), pseudoRandomBytes(size, path), PIECE)));
}

async function torrentOf(format: TorrentFormat): Promise<Uint8Array> {
  const built = assembleMultiFileInfo(await members(), { name: 'set', pieceLength: PIECE, format });
  return encodeBencode({ info: built.infoDict, 'piece layers': built.pieceLayers });
}

/** A v1 multi-file torrent with the given `files` entries and enough pieces for `total` bytes. */
function v1With(files: Encodable[], total: number, extra: Record<string, Encodable> = {}): Uint8Array {
  const pieces = new Uint8Array(Math.ceil(total / PIECE) * 20);
  return encodeBencode({ info: { files, name: 'set', 'piece length': PIECE, pieces, ...extra } });
}

/** A decoded value made encodable again: dictionary keys back to the bytes they were decoded from. */
function bytesKeyed(value: BencodeValue): Encodable {
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [Buffer.from(k, 'latin1'), bytesKeyed(v)]));
  return Array.isArray(value) ? value.map(bytesKeyed) : value;
}

const LAYOUT = [
  { path: ['a.txt'], size: 3, offset: 0, pad: false },
  { path: ['.pad', String(PIECE - 3)], size: PIECE - 3, offset: 3, pad: true },
  { path: ['b', 'x.bin'], size: PIECE + 5, offset: PIECE, pad: false },
  { path: ['.pad', String(PIECE - 5)], size: PIECE - 5, offset: 2 * PIECE + 5, pad: true },
  { path: ['c.dat'], size: 2 * PIECE, offset: 3 * PIECE, pad: false },
  { path: ['empty'], size: 0, offset: 5 * PIECE, pad: false },
];

describe('Function: parseTorrent on multi-file torrents', () => {
  it('reads a v1 file list with BEP 47 pad files into offsets in the piece space', async () => {
    const summary = parseTorrent(await torrentOf(TorrentFormat.V1));
    expect(summary).toMatchObject({ name: 'set', multiFile: true, size: 5 * PIECE, pieceCount: 5, metaVersion: 1 });
    expect(summary.files).toEqual(LAYOUT);
  });

  it('gives each non-empty file of a hybrid torrent its pieces root, checked against the piece layers', async () => {
    const bytes = await torrentOf(TorrentFormat.Hybrid);
    const summary = parseTorrent(bytes);
    expect(summary).toMatchObject({ multiFile: true, size: 5 * PIECE, metaVersion: 2 });
    expect(summary.files.map(({ piecesRoot, ...file }) => file)).toEqual(LAYOUT);
    const tree = ((decodeBencode(bytes) as BencodeDict).get('info') as BencodeDict).get('file tree') as BencodeDict;
    const leaf = (path: string[]): BencodeDict =>
      (path.reduce((node, segment) => node.get(segment) as BencodeDict, tree)).get('') as BencodeDict;
    for (const file of summary.files) {
      const expected = file.pad || file.size === 0 ? undefined : Buffer.from(leaf([...file.path]).get('pieces root') as Uint8Array);
      expect(file.piecesRoot === undefined ? undefined : Buffer.from(file.piecesRoot)).toEqual(expected);
    }
  });

  it('describes a single-file torrent as one file at offset 0 with an empty path', async () => {
    const [member] = await members();
    const built = assembleMultiFileInfo([member as MemberHashes], { name: 'n', pieceLength: PIECE });
    const info = decodeBencode(built.info) as BencodeDict;
    // The same hashes as a single-file torrent: turn the one-entry list into `length`.
    const single = encodeBencode({ info: { length: PIECE + 5, name: 'x.bin', 'piece length': PIECE, pieces: info.get('pieces') as Uint8Array } });
    expect(parseTorrent(single)).toMatchObject({ multiFile: false, files: [{ path: [], size: PIECE + 5, offset: 0, pad: false }] });
  });

  it.each<[string, Encodable[], number, string]>([
    ['a negative length', [{ length: -1, path: ['a'] }], 1, '"files[0].length" must be an integer ≥ 0'],
    ['a path climbing out', [{ length: 1, path: ['..', 'etc'] }], 1, 'files[0] path element ".." is a relative path'],
    ['a "." element', [{ length: 1, path: ['a', '.'] }], 1, 'files[0] path element "." is a relative path'],
    ['an empty path', [{ length: 1, path: [] }], 1, 'files[0] is an empty path'],
    ['an empty element', [{ length: 1, path: ['a', ''] }], 1, 'files[0] path element "" is empty'],
    ['a separator in an element', [{ length: 1, path: ['a/b'] }], 1, 'files[0] path element "a/b" contains a path separator'],
    ['a path that is not a list', [{ length: 1, path: 'a' }], 1, '"files[0].path" must be a list'],
    ['a file listed twice', [{ length: 1, path: ['a'] }, { length: 1, path: ['a'] }], 2, 'files[1] "a" is listed twice'],
    ['a file inside a file', [{ length: 1, path: ['a'] }, { length: 1, path: ['a', 'b'] }], 2, 'files[1] "a/b" is inside the file "a"'],
    ['a directory that is a file', [{ length: 1, path: ['a', 'b'] }, { length: 1, path: ['a'] }], 2, 'files[1] "a" is both a file and a directory'],
    ['only empty files', [{ length: 0, path: ['a'] }], 0, 'the torrent has no content (length 0)'],
    ['a total beyond 2^53', [{ length: 2 ** 52, path: ['a'] }, { length: 2 ** 52, path: ['b'] }], 1, '"files" total more than'],
  ])('refuses %s', (_what, files, total, message) => {
    expect(() => parseTorrent(v1With(files, total))).toThrow(MalformedTorrentError);
    expect(() => parseTorrent(v1With(files, total))).toThrow(message);
  });

  it('refuses pieces that do not cover the files and pads', () => {
    const files = [{ length: 1, path: ['a'] }, { attr: 'p', length: PIECE - 1, path: ['.pad', String(PIECE - 1)] }, { length: 1, path: ['b'] }];
    expect(() => parseTorrent(v1With(files, 1))).toThrow('"pieces" holds 20 bytes, expected 2 × 20');
  });

  it('refuses both "length" and "files"', () => {
    expect(() => parseTorrent(v1With([{ length: 1, path: ['a'] }], 1, { length: 1 }))).toThrow('either "length" or "files"');
  });

  it(`refuses more than ${MAX_FILE_ENTRIES} entries`, () => {
    const files = Array.from({ length: MAX_FILE_ENTRIES + 1 }, (_, i) => ({ length: 1, path: [`f${i}`] }));
    expect(() => parseTorrent(v1With(files, files.length))).toThrow(`more than the limit of ${MAX_FILE_ENTRIES}`);
  });

  it('refuses a hybrid torrent whose v1 list and file tree differ', async () => {
    const root = decodeBencode(await torrentOf(TorrentFormat.Hybrid)) as BencodeDict;
    const info = root.get('info') as BencodeDict;
    const files = (info.get('files') as BencodeDict[]).map((f) => new Map(f));
    (files[4] as BencodeDict).set('path', [Buffer.from('d.dat')]);
    info.set('files', files);
    expect(() => parseTorrent(encodeBencode(bytesKeyed(root)))).toThrow('"files" and "file tree" differ at "d.dat"');
  });

  it('refuses a hybrid torrent whose files are not aligned on pieces', async () => {
    const root = decodeBencode(await torrentOf(TorrentFormat.Hybrid)) as BencodeDict;
    const info = root.get('info') as BencodeDict;
    const files = (info.get('files') as BencodeDict[]).filter((f) => !f.has('attr'));
    info.set('files', files);
    info.set('pieces', new Uint8Array(Math.ceil((3 * PIECE + 8) / PIECE) * 20));
    expect(() => parseTorrent(encodeBencode(bytesKeyed(root)))).toThrow('"b/x.bin" does not start on a piece boundary');
  });

  it('refuses a hybrid file whose piece layer is missing', async () => {
    const root = decodeBencode(await torrentOf(TorrentFormat.Hybrid)) as BencodeDict;
    root.set('piece layers', new Map());
    expect(() => parseTorrent(encodeBencode(bytesKeyed(root)))).toThrow('"piece layers entry" must be a byte string');
  });
});
