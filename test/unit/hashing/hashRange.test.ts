import { truncate } from 'node:fs/promises';
import fc from 'fast-check';
import {
  SegmentError,
  CHUNK_SIZE,
  SourceChangedError,
  combineRanges,
  hashRange,
  hashThreadsFor,
  openFileSource,
  planSegments,
} from '../../../src/hashing/index.js';
import type { RandomAccessSource, RangeHashes } from '../../../src/hashing/index.js';
import { TorrentFormat, buildTorrent } from '../../../src/torrent/index.js';
import { pseudoRandomBytes, tempDir, writeTestFile } from '../../helpers/files.js';
import { memorySource } from '../../helpers/sources.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Delivers `data` as a stream in uneven pieces, as a network body would. */
async function* unevenStream(data: Buffer, step = 7_919): AsyncGenerator<Uint8Array> {
  for (let at = 0, n = 1; at < data.length; n += 1) {
    const size = (step * n) % 300_000 || 1;
    yield data.subarray(at, at + size);
    at += size;
  }
}

function torrentOf(size: number, pieceLength: number, range: { v1: Uint8Array; v2?: Uint8Array | undefined }): string {
  const built = buildTorrent({ size, pieceLength, v1: range.v1, v2: range.v2 }, { name: 'f', format: TorrentFormat.Hybrid });
  return Buffer.from(built.torrent).toString('hex');
}

describe('Function: hashRange', () => {
  const data = pseudoRandomBytes(9 * MiB + 12_345, 'hashRange');

  it('gives the same hashes from a stream, a random-access source, and with 0, 1 or 2 threads', async () => {
    const pieceLength = 256 * KiB;
    const options = { size: data.length, pieceLength };
    const results = await Promise.all([
      hashRange(memorySource(data), { ...options, threads: 0 }),
      hashRange(memorySource(data), { ...options, threads: 1 }),
      hashRange(memorySource(data), { ...options, threads: 2 }),
      hashRange(unevenStream(data), { ...options, threads: 2 }),
      hashRange(unevenStream(data), { ...options, threads: 0 }),
    ]);
    const [first, ...rest] = results.map((r) => torrentOf(data.length, pieceLength, r));
    rest.forEach((torrent) => expect(torrent).toBe(first));
  });

  it('hashes pieces larger than a chunk the same from a stream and with threads', async () => {
    const pieceLength = 8 * MiB;
    const [stream, random] = await Promise.all([
      hashRange(unevenStream(data), { size: data.length, pieceLength, threads: 0 }),
      hashRange(memorySource(data), { size: data.length, pieceLength, threads: 2 }),
    ]);
    expect(Buffer.from(stream.v1).equals(Buffer.from(random.v1))).toBe(true);
    expect(Buffer.from(stream.v2 as Uint8Array).equals(Buffer.from(random.v2 as Uint8Array))).toBe(true);
  });

  it('reports progress up to the range length', async () => {
    const seen: number[] = [];
    await hashRange(memorySource(data), { size: data.length, pieceLength: 256 * KiB, threads: 2, onProgress: (done) => seen.push(done) });
    expect(Math.max(...seen)).toBe(data.length);
  });

  it('fails with SourceChangedError when a stream ends early or runs long', async () => {
    const options = { size: data.length, pieceLength: 256 * KiB, threads: 0 };
    await expect(hashRange(unevenStream(data.subarray(0, data.length - 1)), options)).rejects.toThrow(SourceChangedError);
    await expect(hashRange(unevenStream(Buffer.concat([data, Buffer.alloc(1)])), options)).rejects.toThrow(
      `input changed while hashing: expected ${data.length} bytes, got ${data.length + 1}`,
    );
  });

  it('fails with SourceChangedError when a file shrinks under the hasher', async () => {
    const shrinking: RandomAccessSource = { ...memorySource(data), read: async (into, position) => (position > MiB ? 0 : into.length) };
    await expect(hashRange(shrinking, { size: data.length, pieceLength: 256 * KiB, threads: 2 })).rejects.toThrow(SourceChangedError);
  });

  it('fails with SourceChangedError when a local file is truncated after it was opened', async () => {
    // Prepare: open (size recorded), then cut the file, as a concurrent writer would.
    const { dir, cleanup } = await tempDir('shrink');
    try {
      const path = await writeTestFile(dir, 'f.bin', 6 * MiB);
      const source = await openFileSource(path);
      await truncate(path, 5 * MiB + 3);
      // Act + Assess: the hashing threads read the file themselves and notice the short read.
      await expect(hashRange(source, { size: source.size, pieceLength: 256 * KiB, threads: 2 })).rejects.toThrow(SourceChangedError);
      await source.close();
    } finally {
      await cleanup();
    }
  });

  it('refuses ranges that are not piece-aligned', async () => {
    const base = { size: data.length, pieceLength: 256 * KiB, threads: 0 };
    await expect(hashRange(memorySource(data), { ...base, offset: 1000 })).rejects.toThrow(SegmentError);
    await expect(hashRange(memorySource(data), { ...base, offset: 0, length: 1000 })).rejects.toThrow(
      /must end on a piece boundary or at the end/,
    );
  });
});

describe('Function: combineRanges', () => {
  it('gives exactly the one-pass hashes for any piece-aligned split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 * MiB }),
        fc.constantFrom(16 * KiB, 32 * KiB, 64 * KiB, 256 * KiB),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom(0, 2),
        async (size, pieceLength, cutSeeds, threads) => {
          // Prepare: random cut points on piece boundaries.
          const data = pseudoRandomBytes(size, `split:${size}`);
          const pieces = Math.ceil(size / pieceLength);
          const cuts = [...new Set(cutSeeds.map((s) => (s % pieces) * pieceLength).filter((c) => c > 0))].sort((a, b) => a - b);
          const bounds = [0, ...cuts, size];
          // Act
          const whole = await hashRange(memorySource(data), { size, pieceLength, threads: 0 });
          const parts = await Promise.all(
            bounds.slice(1).map((end, i) => {
              const offset = bounds[i] as number;
              return hashRange(unevenStream(data.subarray(offset, end)), { size, pieceLength, offset, length: end - offset, threads });
            }),
          );
          const combined = combineRanges(parts.reverse(), size, pieceLength);
          // Assess
          expect(torrentOf(size, pieceLength, combined)).toBe(torrentOf(size, pieceLength, whole));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('names the gap when a range is missing', async () => {
    const data = pseudoRandomBytes(MiB, 'gap');
    const segments = planSegments(data.length, 64 * KiB, 256 * KiB);
    const ranges = await Promise.all(
      segments.map((s) => hashRange(memorySource(data), { size: data.length, pieceLength: 64 * KiB, offset: s.offset, length: s.length, threads: 0 })),
    );
    expect(() => combineRanges([ranges[0], ranges[2], ranges[3]] as RangeHashes[], data.length, 64 * KiB)).toThrow(
      'bytes [262144, 524288) were not hashed',
    );
    expect(() => combineRanges([...ranges, ranges[1] as RangeHashes], data.length, 64 * KiB)).toThrow('ranges overlap at byte 262144');
  });
});

describe('Function: planSegments', () => {
  it('covers the file once, on piece boundaries', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 5000 }), (size, exp, wanted) => {
        // Prepare: a segment size that yields at most a few thousand segments.
        const pieceLength = 16 * KiB * 2 ** exp;
        const segmentSize = Math.ceil(size / wanted);
        // Act
        const segments = planSegments(size, pieceLength, segmentSize);
        // Assess
        let expected = 0;
        const misplaced = segments.filter((s) => {
          const wrong = s.offset !== expected || s.offset % pieceLength !== 0 || s.firstPiece * pieceLength !== s.offset;
          expected += s.length;
          return wrong;
        });
        expect(misplaced).toEqual([]);
        expect(expected).toBe(size);
      }),
      { numRuns: 300 },
    );
  });

  it('rounds the segment size down to whole pieces, at least one', () => {
    expect(planSegments(10 * MiB, MiB, 4.5 * MiB).map((s) => s.length)).toEqual([4 * MiB, 4 * MiB, 2 * MiB]);
    expect(planSegments(3 * MiB, MiB, 1).map((s) => s.pieceCount)).toEqual([1, 1, 1]);
  });
});

describe('hashThreadsFor', () => {
  it('hashes a range of one chunk or less on the caller\'s thread whatever is configured, a larger one with the configured threads', () => {
    expect(hashThreadsFor(1, 4)).toBe(0);
    expect(hashThreadsFor(CHUNK_SIZE, 4)).toBe(0);
    expect(hashThreadsFor(CHUNK_SIZE + 1, 4)).toBe(4);
    expect(hashThreadsFor(CHUNK_SIZE + 1, 0)).toBe(0);
  });
});
