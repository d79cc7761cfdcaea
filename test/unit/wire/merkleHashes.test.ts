import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { padHashAt, piecesRootFromLayer } from '../../../src/torrent/index.js';
import { PieceLayerTree } from '../../../src/wire/index.js';

const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

/** Climbs from `length` base hashes with the uncles given, as a downloader checks a hashes reply. */
function rootFromReply(reply: Buffer, index: number, length: number, proofLayers: number): Buffer {
  let layer: Buffer[] = [];
  for (let i = 0; i < length; i += 1) layer.push(reply.subarray(i * 32, (i + 1) * 32));
  while (layer.length > 1) {
    const up: Buffer[] = [];
    for (let i = 0; i < layer.length; i += 2) up.push(sha256(Buffer.concat([layer[i] as Buffer, layer[i + 1] as Buffer])));
    layer = up;
  }
  let node = layer[0] as Buffer;
  let position = index / length;
  const uncles = proofLayers - (Math.log2(length) - 1);
  for (let i = 0; i < uncles; i += 1) {
    const uncle = reply.subarray((length + i) * 32, (length + i + 1) * 32);
    node = sha256(position % 2 === 0 ? Buffer.concat([node, uncle]) : Buffer.concat([uncle, node]));
    position = Math.floor(position / 2);
  }
  return node;
}

describe('Class: PieceLayerTree', () => {
  const pieceLength = 64 * 1024;
  const pieceLayerNumber = 2; // 64 KiB pieces = 4 blocks of 16 KiB: two layers above the blocks

  it('answers piece-layer requests whose proof climbs to the pieces root', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 300 }), fc.nat(), fc.nat(), (pieces, pickLength, pickIndex) => {
      const layer = randomBytes(pieces * 32);
      const root = Buffer.from(piecesRootFromLayer(layer, pieceLength));
      const tree = new PieceLayerTree(root, layer, pieceLength);
      expect(tree.consistent).toBe(true);
      let width = 1;
      while (width < pieces) width *= 2;
      const length = 2 ** (1 + (pickLength % Math.log2(width)));
      const index = (pickIndex % (width / length)) * length;
      const proofLayers = Math.log2(width) - 1; // up to just under the root
      const reply = tree.answer({ piecesRoot: root, baseLayer: pieceLayerNumber, index, length, proofLayers }) as Buffer;
      expect(reply).toBeDefined();
      const real = Math.max(0, Math.min(length, pieces - index)); // the rest is padding
      expect(reply.subarray(0, real * 32).equals(layer.subarray(index * 32, (index + real) * 32))).toBe(true);
      expect(rootFromReply(reply, index, length, proofLayers).equals(root)).toBe(true);
    }), { numRuns: 200 });
  });

  it('pads the piece layer with the hash of a zero-filled piece', () => {
    const layer = randomBytes(3 * 32);
    const root = Buffer.from(piecesRootFromLayer(layer, pieceLength));
    const reply = new PieceLayerTree(root, layer, pieceLength).answer({ piecesRoot: root, baseLayer: pieceLayerNumber, index: 0, length: 4, proofLayers: 0 });
    expect(reply?.subarray(96, 128)).toEqual(Buffer.from(padHashAt(pieceLayerNumber)));
  });

  it.each([
    ['another file', { piecesRoot: Buffer.alloc(32, 1) }],
    ['block hashes (below the piece layer)', { baseLayer: 0 }],
    ['a length that is not a power of two', { length: 3 }],
    ['an index not aligned to the length', { index: 2, length: 4 }],
    ['hashes past the end of the padded layer', { index: 16, length: 8 }],
    ['a proof that climbs to the root', { proofLayers: 4 }],
  ])('rejects a request for %s', (_name, change) => {
    const layer = randomBytes(10 * 32); // padded to 16 pieces: 4 layers up to the root
    const root = Buffer.from(piecesRootFromLayer(layer, pieceLength));
    const tree = new PieceLayerTree(root, layer, pieceLength);
    const request = { piecesRoot: root, baseLayer: pieceLayerNumber, index: 0, length: 2, proofLayers: 3, ...change };
    expect(tree.answer(request)).toBeUndefined();
  });
});
