import { createHash } from 'node:crypto';
import { combineRanges, hashFile, hashRange, planSegments } from '../../../src/hashing/index.js';
import { pseudoRandomBytes, tempDir, writeTestFile } from '../../helpers/files.js';
import { memorySource } from '../../helpers/sources.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The last piece as a multi-file torrent holds it: the file's tail, then the pad's zeros. */
function expectedPaddedTail(data: Buffer, pieceLength: number): string {
  const tail = data.subarray(data.length - (data.length % pieceLength));
  return createHash('sha1').update(tail).update(Buffer.alloc(pieceLength - tail.length)).digest('hex');
}

function hex(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');
}

/** Delivers `data` as a stream in uneven parts, as a network body would. */
async function* unevenStream(data: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0, n = 1; at < data.length; n += 1) {
    const size = (7_919 * n) % 300_000 || 1;
    yield data.subarray(at, at + size);
    at += size;
  }
}

describe('Feature: padded tail of the last piece (BEP 47)', () => {
  const pieceLength = 256 * KiB;

  it.each([
    ['1 byte', 1],
    ['a piece less one byte', pieceLength - 1],
    ['a piece and one byte', pieceLength + 1],
    ['several chunks and a bit', 9 * MiB + 12_345],
  ])('matches SHA-1 of the tail and zeros for %s, from a stream and a source, with and without threads', async (_name, size) => {
    // Prepare
    const data = pseudoRandomBytes(size, `padded:${size}`);
    const options = { size, pieceLength };
    // Act
    const results = await Promise.all([
      hashRange(memorySource(data), { ...options, threads: 0 }),
      hashRange(memorySource(data), { ...options, threads: 2 }),
      hashRange(unevenStream(data), { ...options, threads: 0 }),
      hashRange(unevenStream(data), { ...options, threads: 2 }),
    ]);
    // Assess: every path gives the padded tail, and the short piece's own hash is unchanged.
    const expected = expectedPaddedTail(data, pieceLength);
    const lastV1 = createHash('sha1').update(data.subarray(data.length - (size % pieceLength))).digest('hex');
    for (const result of results) {
      expect(hex(result.v1PaddedTail)).toBe(expected);
      expect(hex(result.v1.subarray(result.v1.length - 20))).toBe(lastV1);
    }
  });

  it('has none when the size is a whole number of pieces', async () => {
    const data = pseudoRandomBytes(3 * pieceLength, 'whole');
    const result = await hashRange(memorySource(data), { size: data.length, pieceLength, threads: 2 });
    expect(result.v1PaddedTail).toBeUndefined();
  });

  it('is computed for pieces larger than a chunk (hashed in parts) too', async () => {
    // 8 MiB pieces: the last piece is fed in 4 MiB chunks, its padded tail from the partial state.
    const big = 8 * MiB;
    const data = pseudoRandomBytes(big + 5 * MiB + 7, 'big pieces');
    const [inline, threaded] = await Promise.all([
      hashRange(unevenStream(data), { size: data.length, pieceLength: big, threads: 0 }),
      hashRange(memorySource(data), { size: data.length, pieceLength: big, threads: 2 }),
    ]);
    expect(hex(inline.v1PaddedTail)).toBe(expectedPaddedTail(data, big));
    expect(hex(threaded.v1PaddedTail)).toBe(expectedPaddedTail(data, big));
  });

  it('is carried by the segment holding the last piece only, and through combineRanges', async () => {
    // Prepare: a 3-segment object.
    const size = 2 * MiB + 1000;
    const data = pseudoRandomBytes(size, 'segments');
    const segments = planSegments(size, pieceLength, MiB);
    expect(segments).toHaveLength(3);
    // Act
    const ranges = await Promise.all(
      segments.map((s) =>
        hashRange(unevenStream(data.subarray(s.offset, s.offset + s.length)), { size, pieceLength, offset: s.offset, length: s.length, threads: 2 }),
      ),
    );
    // Assess
    expect(ranges.map((r) => r.v1PaddedTail === undefined)).toEqual([true, true, false]);
    const combined = combineRanges([...ranges].reverse(), size, pieceLength);
    expect(hex(combined.v1PaddedTail)).toBe(expectedPaddedTail(data, pieceLength));
  });

  it('is returned by hashFile for a local file read by the hashing threads themselves', async () => {
    const { dir, cleanup } = await tempDir('padded');
    try {
      const size = 6 * MiB + 3;
      const path = await writeTestFile(dir, 'f.bin', size);
      const data = pseudoRandomBytes(size, `f.bin:${size}`);
      for (const threads of [0, 2]) {
        const hashes = await hashFile(path, { pieceLength, threads });
        expect(hex(hashes.v1PaddedTail)).toBe(expectedPaddedTail(data, pieceLength));
      }
    } finally {
      await cleanup();
    }
  });
});
