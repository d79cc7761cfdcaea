import { hashRange } from '../../../src/hashing/index.js';
import type { MemberHashes } from '../../../src/torrent/index.js';

/** A member's hashes from our shipped hasher (hashRange over its bytes), as the prefix job gets them. */
async function memberHashesOf(path: ReadonlyArray<string>, data: Uint8Array, pieceLength: number): Promise<MemberHashes> {
  if (data.length === 0) return { path, size: 0, v1: new Uint8Array(0), v2: new Uint8Array(0) };
  async function* once(): AsyncGenerator<Uint8Array> {
    yield data;
  }
  const range = await hashRange(once(), { size: data.length, pieceLength, threads: 0 });
  return { path, size: data.length, v1: range.v1, v2: range.v2, v1PaddedTail: range.v1PaddedTail };
}

export { memberHashesOf };
