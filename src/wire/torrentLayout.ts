import { SHA1_LENGTH, pieceCountFor } from '../torrent/index.js';
import type { BencodeDict, BencodeValue, LaidOutFile } from '../torrent/index.js';
import { WireProtocolError } from './errors.js';

// LEAD: once parseTorrent reads multi-file torrents (core, branch i14-torrent), its `files`
// replace `multiFileLayout` here; the checks below are the ones the seeder relies on.

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(what: string): never {
  throw new WireProtocolError(`multi-file torrent: ${what}`);
}

function isPad(attr: BencodeValue | undefined): boolean {
  return attr instanceof Uint8Array && Buffer.from(attr).toString('latin1').includes('p');
}

function pathOf(value: BencodeValue | undefined): string[] {
  if (!Array.isArray(value) || value.length === 0) fail('a file has no path');
  return value.map((segment) => {
    if (!(segment instanceof Uint8Array)) fail('a path segment is not a string');
    try {
      return utf8.decode(segment);
    } catch {
      return fail('a path segment is not UTF-8');
    }
  });
}

/**
 * The v1 `files` list of a multi-file info dict as laid out in the piece space (pad files
 * flagged by BEP 47's `attr` "p"), after checking `pieces` covers exactly the total length.
 *
 * @throws WireProtocolError when the list or the piece count is malformed.
 */
function multiFileLayout(info: BencodeDict): { readonly files: LaidOutFile[]; readonly size: number } {
  const list = info.get('files');
  const pieceLength = info.get('piece length');
  const pieces = info.get('pieces');
  if (!Array.isArray(list) || list.length === 0) fail('"files" is not a list of files');
  if (typeof pieceLength !== 'number' || pieceLength <= 0) fail('no "piece length"');
  let offset = 0;
  const files = list.map((entry): LaidOutFile => {
    if (!(entry instanceof Map)) fail('a file entry is not a dictionary');
    const size = entry.get('length');
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) fail('a file length is not a byte count');
    const file = { path: pathOf(entry.get('path')), size, offset, pad: isPad(entry.get('attr')) };
    offset += size;
    return file;
  });
  if (offset === 0) fail('no content');
  if (!(pieces instanceof Uint8Array) || pieces.length !== pieceCountFor(offset, pieceLength) * SHA1_LENGTH) {
    fail(`"pieces" does not hold one hash per piece of ${offset} bytes`);
  }
  return { files, size: offset };
}

/** The `pieces root` of the v2 file tree entry at `path`, if it has one (files over 0 bytes). */
function piecesRootAt(info: BencodeDict, path: readonly string[]): Buffer | undefined {
  let node: BencodeValue | undefined = info.get('file tree');
  for (const segment of path) node = node instanceof Map ? node.get(Buffer.from(segment, 'utf8').toString('latin1')) : undefined;
  const leaf = node instanceof Map ? node.get('') : undefined;
  const root = leaf instanceof Map ? leaf.get('pieces root') : undefined;
  return root instanceof Uint8Array ? Buffer.from(root) : undefined;
}

export { multiFileLayout, piecesRootAt };
