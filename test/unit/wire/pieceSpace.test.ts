import fc from 'fast-check';
import { PieceSpace, WireProtocolError } from '../../../src/wire/index.js';
import type { ObjectVersion, SpaceFile } from '../../../src/wire/index.js';

const a: ObjectVersion = { bucket: 'b', key: 'p/a', etag: '"a"' };
const c: ObjectVersion = { bucket: 'b', key: 'p/c', etag: '"c"' };
const d: ObjectVersion = { bucket: 'b', key: 'p/d', etag: '"d"' };

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

describe('Class: PieceSpace', () => {
  const space = new PieceSpace(padded);

  it('keeps the non-empty files and counts the bytes of objects apart from the pads', () => {
    expect(space.size).toBe(48);
    expect(space.contentBytes).toBe(31);
    expect(space.files.map((file) => file.object?.key)).toEqual(['p/a', undefined, 'p/c', 'p/d', undefined]);
  });

  it('maps a block across a file and its pad to the object part and a zeros part', () => {
    expect(space.parts(4, 10)).toEqual([
      { at: 0, length: 6, file: 0, objectOffset: 4 },
      { at: 6, length: 4, file: undefined, objectOffset: 0 },
    ]);
  });

  it('maps a range over two members and a pad between them (empty files take no bytes)', () => {
    expect(space.parts(8, 28)).toEqual([
      { at: 0, length: 2, file: 0, objectOffset: 8 },
      { at: 2, length: 6, file: undefined, objectOffset: 0 },
      { at: 8, length: 16, file: 2, objectOffset: 0 },
      { at: 24, length: 4, file: 3, objectOffset: 0 },
    ]);
  });

  it('maps the last file and its pad to the end of the space, and refuses a range past it', () => {
    expect(space.parts(36, 12)).toEqual([
      { at: 0, length: 1, file: 3, objectOffset: 4 },
      { at: 1, length: 11, file: undefined, objectOffset: 0 },
    ]);
    expect(() => space.parts(40, 9)).toThrow(RangeError);
  });

  it('refuses files that leave a gap or overlap', () => {
    expect(() => new PieceSpace([{ offset: 0, size: 10, object: a }, { offset: 11, size: 5, object: c }])).toThrow(WireProtocolError);
    expect(() => new PieceSpace([{ offset: 0, size: 10, object: a }, { offset: 9, size: 5, object: c }])).toThrow(WireProtocolError);
  });

  it('covers any range of a random layout exactly once, in order', () => {
    const layouts = fc.array(fc.record({ size: fc.integer({ min: 0, max: 40 }), pad: fc.boolean() }), { minLength: 1, maxLength: 12 });
    fc.assert(fc.property(layouts, fc.nat(), fc.nat(), (shape, pickStart, pickLength) => {
      let offset = 0;
      const files = shape.map(({ size, pad }, i): SpaceFile => {
        const file = { offset, size, object: pad ? undefined : { bucket: 'b', key: `p/${i}`, etag: '"e"' } };
        offset += size;
        return file;
      });
      fc.pre(offset > 0);
      const mapped = new PieceSpace(files);
      const start = pickStart % offset;
      const length = 1 + (pickLength % (offset - start));
      let at = 0;
      for (const part of mapped.parts(start, length)) {
        expect(part.at).toBe(at);
        const file = part.file === undefined ? undefined : mapped.files[part.file];
        if (file !== undefined) {
          // The part's bytes are the file's at objectOffset, and inside it.
          expect(file.offset + part.objectOffset).toBe(start + part.at);
          expect(part.objectOffset + part.length).toBeLessThanOrEqual(file.size);
        }
        at += part.length;
      }
      expect(at).toBe(length);
    }));
  });
});
