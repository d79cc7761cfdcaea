import { createHash } from 'node:crypto';
import { hashRange } from '../../../src/hashing/index.js';
import type { MemberHashes } from '../../../src/torrent/index.js';

/**
 * SHA-1 of a file's last partial piece followed by zeros up to the piece length: the piece as
 * it is in a multi-file torrent, where a BEP 47 pad file completes it.
 * LEAD: switch to the hasher's v1PaddedTail at merge
 */
function paddedTailOf(data: Uint8Array, pieceLength: number): Uint8Array | undefined {
  const tail = data.length % pieceLength;
  if (tail === 0) return undefined;
  const piece = Buffer.alloc(pieceLength);
  piece.set(data.subarray(data.length - tail));
  return createHash('sha1').update(piece).digest();
}

/** A member's hashes from our shipped hasher (hashRange over its bytes), as the prefix job gets them. */
async function memberHashesOf(path: ReadonlyArray<string>, data: Uint8Array, pieceLength: number): Promise<MemberHashes> {
  if (data.length === 0) return { path, size: 0, v1: new Uint8Array(0), v2: new Uint8Array(0) };
  async function* once(): AsyncGenerator<Uint8Array> {
    yield data;
  }
  const range = await hashRange(once(), { size: data.length, pieceLength, threads: 0 });
  return { path, size: data.length, v1: range.v1, v2: range.v2, v1PaddedTail: paddedTailOf(data, pieceLength) };
}

export { memberHashesOf, paddedTailOf };
