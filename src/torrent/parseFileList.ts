import type { BencodeDict, BencodeValue } from './bencode.js';
import { bytes, dict, integer, keyText, list, text } from './bencodeFields.js';
import { MAX_FILES_PER_TORRENT, SHA256_LENGTH } from './constants.js';
import { MalformedTorrentError } from './errors.js';
import { piecesRootFromLayer } from './merkle.js';
import type { LaidOutFile } from './multiFile.js';
import { pieceCountFor } from './pieceLength.js';

/**
 * The file lists of multi-file torrents (BEP 3 `files`, BEP 47 pad files, the BEP 52 `file tree`),
 * read into offsets in the piece space so that a seeder can map pieces to files.
 *
 * @internal
 */

/**
 * Most entries of a v1 `files` list we read: every member of the largest torrent we write
 * ({@link MAX_FILES_PER_TORRENT}) followed by its pad file. The bencode size limit bounds the
 * list anyway; this bounds the work per entry (path checks, a set of paths) to what we need.
 */
const MAX_FILE_ENTRIES = 2 * MAX_FILES_PER_TORRENT;

/** One file of a parsed torrent, pad files included, in torrent order. */
interface TorrentFile extends LaidOutFile {
  /** BEP 52 `pieces root` (32 bytes) of a non-empty file of a hybrid or v2 torrent. */
  readonly piecesRoot?: Uint8Array | undefined;
}

/**
 * Why one path element would make a client save a file outside the torrent's directory or at a
 * path it cannot have, or undefined. Looser than `pathSegmentProblem` (which decides what we
 * write): a torrent someone else made may have long names; it may not climb out.
 */
function parsedSegmentProblem(segment: string): string | undefined {
  return segment.length === 0 ? 'is empty'
    : segment === '.' || segment === '..' ? 'is a relative path'
    : /[/\\\0]/.test(segment) ? 'contains a path separator or NUL'
    : undefined;
}

function checkedPath(segments: ReadonlyArray<string>, field: string): string[] {
  if (segments.length === 0) throw new MalformedTorrentError(`${field} is an empty path`);
  for (const segment of segments) {
    const problem = parsedSegmentProblem(segment);
    if (problem !== undefined) throw new MalformedTorrentError(`${field} path element "${segment}" ${problem}`);
  }
  return [...segments];
}

/** Refuses two files at one path, or a file where another file needs a directory. */
class PathSet {
  private readonly files = new Set<string>();
  private readonly directories = new Set<string>();

  public add(path: ReadonlyArray<string>, field: string): void {
    const joined = path.join('/');
    if (this.files.has(joined)) throw new MalformedTorrentError(`${field} "${joined}" is listed twice`);
    if (this.directories.has(joined)) throw new MalformedTorrentError(`${field} "${joined}" is both a file and a directory`);
    for (let i = 1; i < path.length; i += 1) {
      const directory = path.slice(0, i).join('/');
      if (this.files.has(directory)) throw new MalformedTorrentError(`${field} "${joined}" is inside the file "${directory}"`);
      this.directories.add(directory);
    }
    this.files.add(joined);
  }
}

/**
 * Reads a v1 `files` list: each entry's length, path and BEP 47 `attr` (`p` = pad file), with
 * its offset in the concatenation of all files.
 */
function v1FileList(value: BencodeValue | undefined): TorrentFile[] {
  const entries = list(value, 'files');
  if (entries.length === 0) throw new MalformedTorrentError('"files" is empty');
  if (entries.length > MAX_FILE_ENTRIES) {
    throw new MalformedTorrentError(`"files" has ${entries.length} entries, more than the limit of ${MAX_FILE_ENTRIES}`);
  }
  const paths = new PathSet();
  let offset = 0;
  return entries.map((entry, i) => {
    const field = `files[${i}]`;
    const file = dict(entry, field);
    const size = integer(file.get('length'), `${field}.length`, 0);
    const path = checkedPath(list(file.get('path'), `${field}.path`).map((s) => text(s, `${field}.path`)), field);
    const attr = file.get('attr');
    const pad = attr !== undefined && text(attr, `${field}.attr`).includes('p');
    // Pad files share paths (`.pad/<n>`) and nobody saves them.
    if (!pad) paths.add(path, field);
    const laidOut = { path, size, offset, pad };
    offset += size;
    if (!Number.isSafeInteger(offset)) throw new MalformedTorrentError(`"files" total more than ${Number.MAX_SAFE_INTEGER} bytes`);
    return laidOut;
  });
}

/** A file of a BEP 52 `file tree`, in tree (byte) order. */
interface TreeFile {
  readonly path: ReadonlyArray<string>;
  readonly size: number;
  readonly piecesRoot: Uint8Array | undefined;
}

/**
 * Flattens a BEP 52 `file tree`: a dict per directory, and for a file a dict whose only key is
 * the empty string, holding `length` and (when not empty) `pieces root`. Keys come back in the
 * order they were decoded, which the strict decoder guarantees is byte order: the files' order.
 */
function treeFiles(tree: BencodeDict, above: ReadonlyArray<string> = [], out: TreeFile[] = []): TreeFile[] {
  if (tree.size === 0) throw new MalformedTorrentError(`"file tree" directory "${above.join('/')}" is empty`);
  for (const [key, node] of tree) {
    const path = [...above, keyText(key, 'file tree')];
    const field = `"file tree" entry "${path.join('/')}"`;
    const problem = parsedSegmentProblem(path[path.length - 1] as string);
    if (problem !== undefined) throw new MalformedTorrentError(`${field} ${problem}`);
    const entry = dict(node, 'file tree');
    const leaf = entry.get('');
    if (leaf === undefined) {
      treeFiles(entry, path, out);
      continue;
    }
    if (entry.size !== 1) throw new MalformedTorrentError(`${field} is both a file and a directory`);
    const file = dict(leaf, 'file tree entry');
    const size = integer(file.get('length'), `${path.join('/')} length`, 0);
    let piecesRoot: Uint8Array | undefined;
    if (size > 0) {
      piecesRoot = bytes(file.get('pieces root'), 'pieces root');
      if (piecesRoot.length !== SHA256_LENGTH) throw new MalformedTorrentError(`${field}: "pieces root" must be 32 bytes`);
    }
    out.push({ path, size, piecesRoot });
  }
  return out;
}

/**
 * Checks a v2 file's `piece layers` entry: present for a file of more than one piece, one hash
 * per piece, and hashing to its `pieces root`.
 */
function checkPieceLayer(root: BencodeDict, file: { readonly size: number; readonly piecesRoot: Uint8Array }, pieceLength: number): void {
  if (file.size <= pieceLength) return;
  const layers = dict(root.get('piece layers'), 'piece layers');
  const layer = bytes(layers.get(Buffer.from(file.piecesRoot).toString('latin1')), 'piece layers entry');
  if (layer.length !== pieceCountFor(file.size, pieceLength) * SHA256_LENGTH) {
    throw new MalformedTorrentError('"piece layers" has the wrong number of hashes');
  }
  if (!Buffer.from(piecesRootFromLayer(layer, pieceLength)).equals(file.piecesRoot)) {
    throw new MalformedTorrentError('"piece layers" does not hash to "pieces root"');
  }
}

/**
 * Checks that a hybrid torrent's v1 list and v2 tree describe the same files (BEP 52: the v1
 * part lists the tree's files in the same order, with pad files aligning each on a piece
 * boundary), checks each file's piece layer, and returns the v1 list with the pieces roots.
 */
function mergeHybridFileLists(root: BencodeDict, v1Files: ReadonlyArray<TorrentFile>, tree: BencodeDict, pieceLength: number): TorrentFile[] {
  const v2Files = treeFiles(tree);
  const content = v1Files.filter((f) => !f.pad);
  if (content.length !== v2Files.length) {
    throw new MalformedTorrentError(`"files" lists ${content.length} files, "file tree" ${v2Files.length}`);
  }
  let next = 0;
  return v1Files.map((file) => {
    if (file.pad) return file;
    const v2 = v2Files[next] as TreeFile;
    next += 1;
    const path = file.path.join('/');
    if (v2.path.join('/') !== path || v2.size !== file.size) {
      throw new MalformedTorrentError(`"files" and "file tree" differ at "${path}"`);
    }
    if (file.size > 0 && file.offset % pieceLength !== 0) {
      throw new MalformedTorrentError(`"${path}" does not start on a piece boundary (a hybrid torrent needs pad files)`);
    }
    if (v2.piecesRoot === undefined) return file;
    checkPieceLayer(root, { size: v2.size, piecesRoot: v2.piecesRoot }, pieceLength);
    return { ...file, piecesRoot: v2.piecesRoot };
  });
}

export { MAX_FILE_ENTRIES, checkPieceLayer, mergeHybridFileLists, treeFiles, v1FileList };
export type { TorrentFile };
