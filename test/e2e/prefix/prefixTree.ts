import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { pseudoRandomBytes } from '../../helpers/files.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The prefix piece length for content under 8 GiB (src/torrent/pieceLength.ts's table). */
const PREFIX_PIECE_LENGTH = 256 * KiB;

/** One file of a tree: its path under the tree's root ('/'-separated) and its size. */
interface TreeFile {
  readonly path: string;
  readonly size: number;
}

/**
 * A dataset of awkward sizes in nested folders: 1 byte, empty, exactly one piece, a piece and
 * one byte, a piece less one byte, a few MiB with odd tails, and a name with a space (which a
 * webseed client must percent-encode). Every non-empty file but the last ends off a piece
 * boundary somewhere, so a v1 torrent of it carries pad files.
 */
const AWKWARD_TREE: readonly TreeFile[] = [
  { path: 'one-byte.bin', size: 1 },
  { path: 'empty.txt', size: 0 },
  { path: 'README.txt', size: 1234 },
  { path: 'a/piece.bin', size: PREFIX_PIECE_LENGTH },
  { path: 'a/piece-plus-one.bin', size: PREFIX_PIECE_LENGTH + 1 },
  { path: 'a/b/tiny.json', size: 37 },
  { path: 'a/b/c/deep.bin', size: 3 * MiB + 17 },
  { path: 'b/two-pieces-less-one.bin', size: 2 * PREFIX_PIECE_LENGTH - 1 },
  { path: 'b/four.bin', size: 4 * MiB },
  { path: 'c/x/five-and-a-bit.bin', size: 5 * MiB + 12_345 },
  { path: 'with space/odd name.bin', size: 100_000 },
  { path: 'z-last.bin', size: 777 },
];

/** The bytes of `file` in a tree seeded `seed`: the same on every run. */
function treeFileBytes(file: TreeFile, seed: string): Buffer {
  return pseudoRandomBytes(file.size, `${seed}:${file.path}`);
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** sha-256 (hex) of every file of the tree, by path: what a download is checked against. */
function treeDigests(tree: readonly TreeFile[], seed: string): Map<string, string> {
  return new Map(tree.map((file) => [file.path, sha256(treeFileBytes(file, seed))]));
}

/** Writes the tree under `root` (created); returns `root`. */
async function writeTree(root: string, tree: readonly TreeFile[], seed: string): Promise<string> {
  for (const file of tree) {
    const path = join(root, ...file.path.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, treeFileBytes(file, seed));
  }
  return root;
}

/**
 * Uploads the tree as objects `<prefix><path>` (prefix ends in '/'), optionally public-read
 * (RGW enforces it; s3rver serves everything anyway). Returns each key's ETag.
 */
async function uploadTree(
  s3: S3Client,
  bucket: string,
  prefix: string,
  tree: readonly TreeFile[],
  seed: string,
  options: { readonly publicRead?: boolean } = {},
): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  for (const file of tree) {
    const key = `${prefix}${file.path}`;
    const reply = await s3.send(new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: treeFileBytes(file, seed),
      ...(options.publicRead === true ? { ACL: 'public-read' as const } : {}),
    }));
    etags.set(key, reply.ETag ?? '');
  }
  return etags;
}

export { AWKWARD_TREE, PREFIX_PIECE_LENGTH, sha256, treeDigests, treeFileBytes, uploadTree, writeTree };
export type { TreeFile };
