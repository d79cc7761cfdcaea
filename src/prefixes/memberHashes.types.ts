/**
 * CONTRACT (lead, issue 14): the hashes of one member object at a prefix's piece length.
 * Implemented in src/prefixes/memberHashes.ts (helper "hashing"); consumed by the prefix job.
 *
 * interface MemberFileHashes {
 *   size: number;
 *   pieceLength: number;
 *   v1: Uint8Array;                 // SHA-1 per piece, last one of the short tail (single-file form)
 *   v1PaddedTail?: Uint8Array;      // SHA-1(tail + zeros to pieceLength); present iff size % pieceLength !== 0
 *   v2: Uint8Array;                 // piece layer (32 B per piece) — for a one-piece file its pieces root
 * }
 * type MemberHashSource = 'record' | 'artifact' | 'hashed';
 * memberHashesAt(context, member: PrefixMember, pieceLength): Promise<{ hashes: MemberFileHashes; source: MemberHashSource }>
 *   'record'   : the member's own READY record for that ETag at that piece length (its hybrid torrent + v1PaddedTail): no object bytes read
 *   'artifact' : a hash artifact written earlier at torrents/<bucket>/<key>/<etag>.p<pieceLength>.hashes: no object bytes read
 *   'hashed'   : read anonymously (If-Match) and hashed now; the artifact is written so a retry or the next snapshot reuses it
 */
export {};
