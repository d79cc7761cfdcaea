import { hash } from 'node:crypto';
import { encodeBencode } from './bencode.js';
import type { Encodable } from './bencode.js';
import { MAX_FILES_PER_TORRENT, MAX_PREFIX_CONTENT_SIZE, SHA1_LENGTH, SHA256_LENGTH } from './constants.js';
import { ContentTooLargeError, EmptyContentError, InvalidFileListError } from './errors.js';
import type { FileListProblem } from './errors.js';
import { piecesRootFromLayer } from './merkle.js';
import { TorrentFormat, assertValidTorrentOptions, encodeTorrent } from './metainfo.js';
import type { BuiltTorrent, TorrentOptions } from './metainfo.js';
import { assertValidName, pathSegmentProblem } from './names.js';
import { assertValidPieceLength, pieceCountFor } from './pieceLength.js';

/**
 * Multi-file info dicts assembled from per-file hashes, without the files' bytes.
 *
 * The layout is libtorrent 2.0.8's canonical one (what `create_torrent` writes for a hybrid
 * torrent, and for a v1 one with `canonical_files`): files sorted by path, and after every
 * non-empty file that does not end on a piece boundary a BEP 47 pad file of zeros up to the next
 * boundary, the last file included. So each file starts a piece of its own and its v1 pieces are
 * the ones it has alone, except the last, which a pad file completes with zeros. One file alone
 * gets no pad (libtorrent does the same), so its last piece stays short.
 */

/** First path segment of BEP 47 pad files; a member there would be mistaken for padding. */
const PAD_DIRECTORY = '.pad';

/** The hashes of one file of a multi-file torrent, hashed alone at the torrent's piece length. */
interface MemberHashes {
  /** Path below the torrent's name, one element per segment: `['2026', 'jan.csv']`. */
  readonly path: ReadonlyArray<string>;
  readonly size: number;
  /** SHA-1 of each piece of the file alone (the last one short), as for a single-file torrent. */
  readonly v1: Uint8Array;
  /**
   * SHA-1 of the file's last piece followed by zeros up to the piece length: the piece as it is
   * in a multi-file torrent, where a pad file completes it. Needed when the size is not a
   * multiple of the piece length and there is more than one file; SHA-1 cannot be extended
   * from the short piece's digest, so the hasher has to produce it while it has the bytes.
   */
  readonly v1PaddedTail?: Uint8Array | undefined;
  /** For hybrid: the file's piece layer, or for a one-piece file its pieces root (as `PieceHashes.v2`). */
  readonly v2?: Uint8Array | undefined;
}

interface MultiFileOptions {
  /** `info.name`: the directory clients save the files in. */
  readonly name: string;
  readonly pieceLength: number;
  /** @default TorrentFormat.V1 */
  readonly format?: TorrentFormat;
}

/** One entry of the torrent's file list, pad files included, with its offset in the piece space. */
interface LaidOutFile {
  readonly path: ReadonlyArray<string>;
  readonly size: number;
  /** Byte offset of the file's first byte in the concatenation of all files. */
  readonly offset: number;
  /** A BEP 47 pad file: zeros nobody stores. */
  readonly pad: boolean;
}

interface MultiFileInfo {
  /** The info dict as an encodable value, to embed in a .torrent. */
  readonly infoDict: Encodable;
  /** The bencoded info dict. */
  readonly info: Uint8Array;
  /** SHA-1 of the info dict, hex. */
  readonly infoHashV1: string;
  /** SHA-256 of the info dict, hex; hybrid only. */
  readonly infoHashV2: string | undefined;
  /** The .torrent's `piece layers` (pieces root → layer, files of more than one piece); hybrid only. */
  readonly pieceLayers: Map<Uint8Array, Uint8Array> | undefined;
  /** The file list in torrent order, pad files included. */
  readonly files: ReadonlyArray<LaidOutFile>;
  /** Content plus padding: the byte length the pieces cover. */
  readonly totalSize: number;
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** libtorrent's order: segment by segment, each compared as UTF-8 bytes. */
function comparePaths(a: ReadonlyArray<string>, b: ReadonlyArray<string>): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const order = Buffer.compare(utf8(a[i] as string), utf8(b[i] as string));
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/**
 * Why `path` cannot be a file of a multi-file torrent, or undefined when it can: an empty path,
 * a segment a client would save elsewhere (see `pathSegmentProblem`), or a path under `.pad/`,
 * where clients take files for BEP 47 padding and never save them. Lets a caller refuse a
 * member before hashing anything.
 *
 * @example memberPathProblem(['2026', 'jan.csv']) // undefined
 */
function memberPathProblem(path: ReadonlyArray<string>): { readonly problem: FileListProblem; readonly message: string } | undefined {
  if (path.length === 0) return { problem: 'bad-path', message: 'a member has an empty path' };
  for (const segment of path) {
    const problem = pathSegmentProblem(segment);
    if (problem !== undefined) return { problem: 'bad-path', message: `path segment "${segment}" ${problem}` };
  }
  if (path[0] === PAD_DIRECTORY) {
    return { problem: 'reserved-path', message: `"${PAD_DIRECTORY}/" is where BEP 47 pad files live` };
  }
  return undefined;
}

function assertMemberShape(member: MemberHashes, pieceLength: number, format: TorrentFormat, alone: boolean): void {
  const { path, size } = member;
  const pathProblem = memberPathProblem(path);
  if (pathProblem !== undefined) throw new InvalidFileListError(pathProblem.problem, pathProblem.message, path);
  if (!Number.isSafeInteger(size) || size < 0) throw new InvalidFileListError('bad-size', `size ${size} is not a byte count`, path);
  const pieces = pieceCountFor(size, pieceLength);
  const count = (what: string, got: number, want: number): void => {
    if (got !== want) throw new InvalidFileListError('hash-count', `expected ${want} ${what}, got ${got}`, path);
  };
  count('v1 piece hashes', member.v1.length / SHA1_LENGTH, pieces);
  const tailNeedsPad = !alone && size % pieceLength !== 0;
  if (tailNeedsPad) count('padded tail hash', (member.v1PaddedTail?.length ?? 0) / SHA1_LENGTH, 1);
  if (format === TorrentFormat.Hybrid) count('v2 piece hashes', (member.v2?.length ?? 0) / SHA256_LENGTH, pieces);
}

/** A directory of the v2 file tree while it is built; files are `{ '': {...} }` leaves. */
type TreeNode = Map<string, TreeNode | Map<string, Encodable>>;

/** Inserts one file into the v2 tree, refusing a file where a directory is, or the reverse. */
function addToTree(tree: TreeNode, path: ReadonlyArray<string>, leaf: Map<string, Encodable>): void {
  let node = tree;
  for (const segment of path.slice(0, -1)) {
    const next = node.get(segment);
    if (next === undefined) {
      const dir: TreeNode = new Map();
      node.set(segment, dir);
      node = dir;
    } else if (next.has('')) {
      throw new InvalidFileListError('file-is-directory', 'a member needs a directory where another member is a file', path);
    } else {
      node = next as TreeNode;
    }
  }
  const last = path[path.length - 1] as string;
  if (node.has(last)) {
    // Sorted input puts a path before the paths it begins, so a directory is never here first;
    // the check stays for callers of any order.
    const existing = node.get(last) as TreeNode;
    const problem = existing.has('') ? 'duplicate-path' : 'file-is-directory';
    throw new InvalidFileListError(problem, problem === 'duplicate-path' ? 'two members share a path' : 'a member is a directory of others', path);
  }
  node.set(last, new Map([['', leaf]]) as TreeNode);
}

/**
 * Assembles a multi-file info dict (v1 with BEP 47 pad files, or hybrid v1+v2) from each file's
 * hashes, in any order. The result is byte for byte what libtorrent 2.0.8's `create_torrent`
 * writes for the same directory (see the parity test). Zero-byte files are listed (libtorrent
 * lists them: a dataset's empty marker files are part of it) and take no piece and no pad.
 *
 * @throws InvalidFileListError, InvalidPieceLengthError, InvalidMetainfoError (bad name),
 *   EmptyContentError (every file is empty: clients refuse a torrent of 0 bytes),
 *   ContentTooLargeError (more than MAX_PREFIX_CONTENT_SIZE bytes in all)
 */
function assembleMultiFileInfo(members: ReadonlyArray<MemberHashes>, options: MultiFileOptions): MultiFileInfo {
  const format = options.format ?? TorrentFormat.V1;
  const { pieceLength } = options;
  assertValidName(options.name);
  assertValidPieceLength(pieceLength);
  if (members.length === 0) throw new InvalidFileListError('no-files', 'a multi-file torrent needs at least one file');
  if (members.length > MAX_FILES_PER_TORRENT) {
    throw new InvalidFileListError('too-many-files', `${members.length} files is more than the limit of ${MAX_FILES_PER_TORRENT}`);
  }
  const alone = members.length === 1;
  members.forEach((m) => assertMemberShape(m, pieceLength, format, alone));
  const contentSize = members.reduce((sum, m) => sum + m.size, 0);
  if (contentSize > MAX_PREFIX_CONTENT_SIZE) throw new ContentTooLargeError(contentSize, MAX_PREFIX_CONTENT_SIZE);
  const sorted = [...members].sort((a, b) => comparePaths(a.path, b.path));

  const tree: TreeNode = new Map();
  // Keyed by the root's hex: two members with the same bytes share a pieces root and one entry.
  const layers = new Map<string, Uint8Array>();
  const files: LaidOutFile[] = [];
  const v1Entries: Encodable[] = [];
  const pieces: Uint8Array[] = [];
  let offset = 0;
  for (const member of sorted) {
    files.push({ path: member.path, size: member.size, offset, pad: false });
    v1Entries.push({ length: member.size, path: [...member.path] });
    offset += member.size;
    const tail = member.size % pieceLength;
    const padded = !alone && tail !== 0;
    pieces.push(padded ? member.v1.subarray(0, member.v1.length - SHA1_LENGTH) : member.v1);
    if (padded) {
      pieces.push(member.v1PaddedTail as Uint8Array);
      const padSize = pieceLength - tail;
      const padPath = [PAD_DIRECTORY, String(padSize)];
      files.push({ path: padPath, size: padSize, offset, pad: true });
      v1Entries.push({ attr: 'p', length: padSize, path: padPath });
      offset += padSize;
    }
    if (format === TorrentFormat.Hybrid) {
      const leaf = new Map<string, Encodable>([['length', member.size]]);
      if (member.size > 0) {
        const layer = member.v2 as Uint8Array;
        const root = piecesRootFromLayer(layer, pieceLength);
        leaf.set('pieces root', root);
        // BEP 52: a file of one piece has no layer; its root is that piece's hash.
        if (layer.length > SHA256_LENGTH) layers.set(Buffer.from(root).toString('hex'), layer);
      }
      addToTree(tree, member.path, leaf);
    } else {
      addToTree(tree, member.path, new Map());
    }
  }
  if (offset === 0) throw new EmptyContentError();

  const v1Keys = { files: v1Entries, name: options.name, 'piece length': pieceLength, pieces: Buffer.concat(pieces) };
  const infoDict: Encodable =
    format === TorrentFormat.Hybrid ? { ...v1Keys, 'file tree': tree, 'meta version': 2 } : v1Keys;
  const info = encodeBencode(infoDict);
  return {
    infoDict,
    info,
    infoHashV1: hash('sha1', info, 'hex'),
    infoHashV2: format === TorrentFormat.Hybrid ? hash('sha256', info, 'hex') : undefined,
    pieceLayers:
      format === TorrentFormat.Hybrid ? new Map([...layers].map(([root, layer]) => [Buffer.from(root, 'hex'), layer])) : undefined,
    files,
    totalSize: offset,
  };
}

interface MultiFileTorrentOptions extends TorrentOptions {
  readonly pieceLength: number;
}

interface BuiltMultiFileTorrent extends BuiltTorrent {
  /** The file list in torrent order, pad files included, with offsets. */
  readonly files: ReadonlyArray<LaidOutFile>;
  /** Content plus padding: the byte length the pieces cover. */
  readonly totalSize: number;
}

/**
 * Builds a multi-file .torrent (v1 with BEP 47 pad files, or hybrid) from each file's hashes:
 * the info dict of {@link assembleMultiFileInfo} with the same trackers, webseeds and other
 * keys as a single-file {@link buildTorrent}. For a BEP 19 webseed of a multi-file torrent,
 * clients fetch `url + name + '/' + path`, so `webseeds` should end with `/`.
 *
 * @throws InvalidFileListError, InvalidPieceLengthError, InvalidMetainfoError, EmptyContentError,
 *   ContentTooLargeError
 * @example buildMultiFileTorrent(members, { name: '2026', pieceLength: 262144, format: 'hybrid',
 *   webseeds: ['https://open-data.s3.amazonaws.com/climate/'] })
 */
function buildMultiFileTorrent(members: ReadonlyArray<MemberHashes>, options: MultiFileTorrentOptions): BuiltMultiFileTorrent {
  const format = options.format ?? TorrentFormat.V1;
  assertValidTorrentOptions(options);
  const assembled = assembleMultiFileInfo(members, { name: options.name, pieceLength: options.pieceLength, format });
  const built = encodeTorrent(assembled.infoDict, assembled.pieceLayers, format, options);
  return { ...built, files: assembled.files, totalSize: assembled.totalSize };
}

export { PAD_DIRECTORY, assembleMultiFileInfo, buildMultiFileTorrent, comparePaths, memberPathProblem };
export type { BuiltMultiFileTorrent, LaidOutFile, MemberHashes, MultiFileInfo, MultiFileOptions, MultiFileTorrentOptions };
