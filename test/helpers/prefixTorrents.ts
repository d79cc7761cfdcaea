// Multi-file (prefix) torrents for the seeder's tests: each file hashed alone at the piece
// length as the hash workers hash objects, then assembled without the bytes as a prefix job
// builds them (v1 with BEP 47 pad files, and hybrid), with the info dicts they hold.
import { hash } from 'node:crypto';
import { hashRange } from '../../src/hashing/index.js';
import { SHA1_LENGTH, TorrentFormat, assembleMultiFileInfo, buildMultiFileTorrent } from '../../src/torrent/index.js';
import type { MemberHashes, MultiFileInfo } from '../../src/torrent/index.js';
import { memorySource } from './sources.js';

/** One file of a prefix: its path below the prefix, one element per segment, and its bytes. */
interface PrefixFile {
  readonly path: readonly string[];
  readonly data: Buffer;
}

interface PrefixTorrents {
  readonly v1: Uint8Array;
  readonly hybrid: Uint8Array;
  readonly v1Info: MultiFileInfo;
  readonly hybridInfo: MultiFileInfo;
}

/** A file's hashes at `pieceLength`, the padded tail included (what its READY record holds). */
async function memberHashesOf(file: PrefixFile, pieceLength: number): Promise<MemberHashes> {
  const { data, path } = file;
  if (data.length === 0) return { path, size: 0, v1: new Uint8Array(), v2: new Uint8Array() };
  const hashes = await hashRange(memorySource(data), { size: data.length, pieceLength, v2: true, threads: 0 });
  const tail = data.length % pieceLength;
  const v1PaddedTail = tail === 0
    ? undefined
    : hash('sha1', Buffer.concat([data.subarray(data.length - tail), Buffer.alloc(pieceLength - tail)]), 'buffer');
  if (v1PaddedTail !== undefined && v1PaddedTail.length !== SHA1_LENGTH) throw new Error('not a SHA-1');
  return { path, size: data.length, v1: hashes.v1, v1PaddedTail, v2: hashes.v2 };
}

/** Both torrents of `files` under `name` (the prefix's last segment), as a prefix job builds them. */
async function prefixTorrentsOf(files: readonly PrefixFile[], name: string, pieceLength: number): Promise<PrefixTorrents> {
  const members = await Promise.all(files.map((file) => memberHashesOf(file, pieceLength)));
  const build = (format: TorrentFormat): { torrent: Uint8Array; info: MultiFileInfo } => {
    const built = buildMultiFileTorrent(members, { name, pieceLength, format });
    const info = assembleMultiFileInfo(members, { name, pieceLength, format });
    if (built.infoHashV1 !== info.infoHashV1) throw new Error('the built torrent holds another info dict');
    return { torrent: built.torrent, info };
  };
  const v1 = build(TorrentFormat.V1);
  const hybrid = build(TorrentFormat.Hybrid);
  return { v1: v1.torrent, hybrid: hybrid.torrent, v1Info: v1.info, hybridInfo: hybrid.info };
}

/** The concatenation the pieces cover: files in torrent order, pads as zeros. */
function pieceSpaceBytes(info: MultiFileInfo, files: readonly PrefixFile[]): Buffer {
  const byPath = new Map(files.map((file) => [file.path.join('/'), file.data]));
  return Buffer.concat(info.files.map((file) => (file.pad ? Buffer.alloc(file.size) : (byPath.get(file.path.join('/')) as Buffer))));
}

export { pieceSpaceBytes, prefixTorrentsOf };
export type { PrefixFile, PrefixTorrents };
