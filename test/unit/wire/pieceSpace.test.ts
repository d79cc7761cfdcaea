import fc from 'fast-check';
import { PieceSpace, WireProtocolError } from '../../../src/wire/index.js';
import type { ObjectVersion, SpaceFile } from '../../../src/wire/index.js';

const a: ObjectVersion = { bucket: 'b', key: 'p/a', etag: '"a"' };
const c: ObjectVersion = { bucket: 'b', key: 'p/c', etag: '"c"' };
const d: ObjectVersion = { bucket: 'b', key: 'p/d', etag: '"d"' };

/** Objects' bytes: byte i of an object is (i + its seed) mod 251, never 0, so zeros can only be pads. */
function bytesOf(object: ObjectVersion, offset: number, length: number): Buffer {
  const seed = object.key.charCodeAt(object.key.length - 1);
  return Buffer.from(Array.from({ length }, (_, i) => ((offset + i + seed) % 251) + 1));
}

/**
 * a (10 bytes) + pad (6) | empty | c (16) | d (5) + pad (11): pieces of 16 where each file
 * starts a piece, as in a canonical prefix torrent, and the last file padded.
 */
const padded: SpaceFile[] = [
  { offset: 0, size: 10, object: a },
  { offset: 10, size: 6, object: undefined },
  { offset: 16, size: 0, object: { bucket: 'b', key: 'p/empty', etag: '"e"' } },
  { offset: 16, size: 16, object: c },
  { offset: 32, size: 5, object: d },
  { offset: 37, size: 11, object: undefined },
];

/** A fetch from memory that records what was asked; it writes into `into` as the range reader does. */
function recordingFetch(): { fetch: (o: ObjectVersion, offset: number, length: number, into: Buffer) => Promise<Buffer>; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetch: async (object, offset, length, into) => {
      asked.push(`${object.key}@${offset}+${length}`);
      bytesOf(object, offset, length).copy(into);
      return into;
    },
  };
}

describe('Class: PieceSpace', () => {
  const space = new PieceSpace(padded);

  it('maps a block across a file and its pad to the object part and a zeros part', () => {
    expect(space.size).toBe(48);
    expect(space.parts(4, 10)).toEqual([
      { at: 0, length: 6, object: a, objectOffset: 4 },
      { at: 6, length: 4, object: undefined, objectOffset: 0 },
    ]);
  });

  it('maps a range over two members and a pad between them (empty files take no bytes)', () => {
    expect(space.parts(8, 28)).toEqual([
      { at: 0, length: 2, object: a, objectOffset: 8 },
      { at: 2, length: 6, object: undefined, objectOffset: 0 },
      { at: 8, length: 16, object: c, objectOffset: 0 },
      { at: 24, length: 4, object: d, objectOffset: 0 },
    ]);
  });

  it('reads each member part with a ranged fetch into its place and zero-fills pads without reading them', async () => {
    const { fetch, asked } = recordingFetch();
    const into = Buffer.alloc(48, 0xff); // a reused buffer: stale bytes everywhere
    const got = await space.read(fetch, 0, 48, into);
    expect(got).toBe(into);
    expect(asked.sort()).toEqual(['p/a@0+10', 'p/c@0+16', 'p/d@0+5']);
    expect(got.subarray(0, 10)).toEqual(bytesOf(a, 0, 10));
    expect(got.subarray(10, 16)).toEqual(Buffer.alloc(6));
    expect(got.subarray(16, 32)).toEqual(bytesOf(c, 0, 16));
    expect(got.subarray(32, 37)).toEqual(bytesOf(d, 0, 5));
    expect(got.subarray(37)).toEqual(Buffer.alloc(11)); // the last file's pad
  });

  it('never reads S3 for a range inside a pad', async () => {
    const { fetch, asked } = recordingFetch();
    const got = await space.read(fetch, 38, 10, Buffer.alloc(10, 0xff));
    expect(asked).toEqual([]);
    expect(got).toEqual(Buffer.alloc(10));
  });

  it('hands a single-object range to the fetch whole (an object swarm reads exactly as before)', async () => {
    const single = new PieceSpace([{ offset: 0, size: 100, object: a }]);
    const own = bytesOf(a, 20, 30);
    const got = await single.read(async () => own, 20, 30, Buffer.alloc(30));
    expect(got).toBe(own); // the fetch's own buffer passes through, as the span cache allows
  });

  it('copies a part the fetch returned in a buffer of its own into place', async () => {
    const got = await space.read(async (object, offset, length) => bytesOf(object, offset, length), 0, 48, Buffer.alloc(48, 0xff));
    expect(got.subarray(16, 32)).toEqual(bytesOf(c, 0, 16));
    expect(got.subarray(32, 37)).toEqual(bytesOf(d, 0, 5));
  });

  it('rejects with the first refused member read, and starts no read after it', async () => {
    const many = new PieceSpace(Array.from({ length: 40 }, (_, i) => ({ offset: i, size: 1, object: { bucket: 'b', key: `p/${i}`, etag: '"x"' } })));
    let started = 0;
    const refused = new Error('412');
    const read = many.read(async (object, _offset, _length, into) => {
      started += 1;
      if (object.key === 'p/0') throw refused;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return into;
    }, 0, 40, Buffer.alloc(40));
    await expect(read).rejects.toBe(refused);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started).toBeLessThan(40);
  });

  it('refuses files that leave a gap or overlap', () => {
    expect(() => new PieceSpace([{ offset: 0, size: 10, object: a }, { offset: 11, size: 5, object: c }])).toThrow(WireProtocolError);
    expect(() => new PieceSpace([{ offset: 0, size: 10, object: a }, { offset: 9, size: 5, object: c }])).toThrow(WireProtocolError);
  });

  it('reassembles any range of a random layout byte for byte', async () => {
    const layouts = fc.array(fc.record({ size: fc.integer({ min: 0, max: 40 }), pad: fc.boolean() }), { minLength: 1, maxLength: 12 });
    await fc.assert(fc.asyncProperty(layouts, fc.nat(), fc.nat(), async (shape, pickStart, pickLength) => {
      let offset = 0;
      const files = shape.map(({ size, pad }, i): SpaceFile => {
        const file = { offset, size, object: pad ? undefined : { bucket: 'b', key: `p/${String.fromCharCode(65 + i)}`, etag: '"e"' } };
        offset += size;
        return file;
      });
      fc.pre(offset > 0);
      const whole = Buffer.concat(files.map((file) => (file.object === undefined ? Buffer.alloc(file.size) : bytesOf(file.object, 0, file.size))));
      const start = pickStart % offset;
      const length = 1 + (pickLength % (offset - start));
      const got = await new PieceSpace(files).read(recordingFetch().fetch, start, length, Buffer.alloc(length, 0xff));
      expect(got).toEqual(whole.subarray(start, start + length));
    }));
  });
});
