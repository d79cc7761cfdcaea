// LEAD: stand-in for `memberHashesAt` (src/prefixes/memberHashes.ts, helper "hashing", branch
// i14-hashing), written against the contract in src/prefixes/memberHashes.types.ts. Delete this
// file at merge and import the real one in processPrefixJob.ts. It always reads the bytes
// (source 'hashed') and writes no artifact.
import { hash } from 'node:crypto';
import { hashRange } from '../hashing/index.js';
import type { PrefixMember } from '../records/index.js';
import { streamObjectRange } from '../storage/index.js';
import type { HashJobContext } from './settings.js';

interface MemberFileHashes {
  readonly size: number;
  readonly pieceLength: number;
  readonly v1: Uint8Array;
  readonly v1PaddedTail?: Uint8Array | undefined;
  readonly v2: Uint8Array;
}

type MemberHashSource = 'record' | 'artifact' | 'hashed';

/** The contract's PrefixMember carries no bucket; the job passes it alongside (LEAD: align with the real signature). */
type BucketMember = PrefixMember & { readonly bucket: string };

async function memberHashesAt(context: HashJobContext, member: BucketMember, pieceLength: number): Promise<{ hashes: MemberFileHashes; source: MemberHashSource }> {
  const { size } = member;
  if (size === 0) return { hashes: { size, pieceLength, v1: new Uint8Array(0), v2: new Uint8Array(0) }, source: 'hashed' };
  const target = { bucket: member.bucket, key: member.key, etag: member.etag };
  const range = await hashRange(streamObjectRange(context.anonymousS3, target, 0, size), { size, pieceLength, threads: context.settings.hashThreads });
  const tail = size % pieceLength;
  let v1PaddedTail: Uint8Array | undefined;
  if (tail !== 0) {
    const padded = new Uint8Array(pieceLength);
    let filled = 0;
    for await (const chunk of streamObjectRange(context.anonymousS3, target, size - tail, tail)) {
      padded.set(chunk.subarray(0, tail - filled), filled);
      filled += chunk.length;
    }
    v1PaddedTail = hash('sha1', padded, 'buffer');
  }
  return { hashes: { size, pieceLength, v1: range.v1, v1PaddedTail, v2: range.v2 as Uint8Array }, source: 'hashed' };
}

export { memberHashesAt };
export type { BucketMember, MemberFileHashes, MemberHashSource };
