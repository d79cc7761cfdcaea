import { spanBytesFor } from '../../../src/wire/index.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('Function: spanBytesFor', () => {
  it('reads one piece per GET when the object does not fit twice in the cache (pieces come in random order)', () => {
    expect(spanBytesFor(512 * KiB, 1024 * MiB, 256 * MiB)).toBe(512 * KiB);
    expect(spanBytesFor(16 * KiB, 1024 * MiB, 256 * MiB)).toBe(256 * KiB); // tiny pieces: a few per GET
    expect(spanBytesFor(64 * MiB, 5000 * MiB, 256 * MiB)).toBe(8 * MiB); // huge pieces: part of one per GET
  });

  it('reads 8 MiB per GET when the object fits twice in the cache (every byte stays cached once read)', () => {
    expect(spanBytesFor(256 * KiB, 100 * MiB, 256 * MiB)).toBe(8 * MiB);
    expect(spanBytesFor(256 * KiB, 129 * MiB, 256 * MiB)).toBe(256 * KiB);
  });
});
