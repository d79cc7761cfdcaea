// Multi-file (prefix) torrents for the seeder's tests: each file hashed alone at the piece
// length as the hash workers hash objects, then assembled without the bytes as a prefix job
// assembles them (v1 with BEP 47 pad files, and hybrid).
import { hash } from 'node:crypto';
import { hashRange } from '../../src/hashing/index.js';
import { SHA1_LENGTH, TorrentFormat, assembleMultiFileInfo, encodeBencode } from '../../src/torrent/index.js';
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

/** The .torrent of an assembled info dict: info, and for hybrid its piece layers. */
function torrentOf(info: MultiFileInfo): Uint8Array {
  const root = info.pieceLayers === undefined ? { info: info.infoDict } : { info: info.infoDict, 'piece layers': info.pieceLayers };
  return encodeBencode(root);
}

/** Both torrents of `files` under `name` (the prefix's last segment). */
async function prefixTorrentsOf(files: readonly PrefixFile[], name: string, pieceLength: number): Promise<PrefixTorrents> {
  const members = await Promise.all(files.map((file) => memberHashesOf(file, pieceLength)));
  const v1Info = assembleMultiFileInfo(members, { name, pieceLength, format: TorrentFormat.V1 });
  const hybridInfo = assembleMultiFileInfo(members, { name, pieceLength, format: TorrentFormat.Hybrid });
  return { v1: torrentOf(v1Info), hybrid: torrentOf(hybridInfo), v1Info, hybridInfo };
}

/** The concatenation the pieces cover: files in torrent order, pads as zeros. */
function pieceSpaceBytes(info: MultiFileInfo, files: readonly PrefixFile[]): Buffer {
  const byPath = new Map(files.map((file) => [file.path.join('/'), file.data]));
  return Buffer.concat(info.files.map((file) => (file.pad ? Buffer.alloc(file.size) : (byPath.get(file.path.join('/')) as Buffer))));
}

export { pieceSpaceBytes, prefixTorrentsOf };
export type { PrefixFile, PrefixTorrents };
