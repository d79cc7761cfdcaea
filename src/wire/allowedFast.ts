import { hash } from 'node:crypto';
import { isIPv4 } from 'node:net';

/**
 * BEP 6's canonical allowed-fast set for a peer: pieces it may download while choked, derived
 * from its IPv4 /24 and the infohash so that every seeder offers it the same ones. BEP 6 defines
 * it for IPv4 only; other peers get none.
 */
function allowedFastSet(ip: string, infoHash: Uint8Array, pieceCount: number, size: number): number[] {
  if (!isIPv4(ip) || pieceCount === 0) return [];
  const want = Math.min(size, pieceCount);
  const octets = ip.split('.').map(Number);
  let x: Buffer = Buffer.concat([Buffer.from([octets[0] ?? 0, octets[1] ?? 0, octets[2] ?? 0, 0]), infoHash]);
  const set: number[] = [];
  // Each round yields five candidates; duplicates are skipped, so a bound keeps it finite.
  for (let round = 0; set.length < want && round < 1000; round += 1) {
    x = hash('sha1', x, 'buffer');
    for (let i = 0; i < 5 && set.length < want; i += 1) {
      const index = x.readUInt32BE(i * 4) % pieceCount;
      if (!set.includes(index)) set.push(index);
    }
  }
  return set;
}

export { allowedFastSet };
