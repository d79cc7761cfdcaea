import fc from 'fast-check';
import { PieceTree } from '../../../src/hashing/PieceTree.js';
import { BLOCK_SIZE, blockHashes, merkleRoot, v2PieceWidth } from '../../../src/torrent/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';

const KiB = 1024;

/** The root the torrent module's reference functions give for one piece. */
function referenceRoot(piece: Uint8Array, width: number): string {
  return Buffer.from(merkleRoot(blockHashes(piece), width)).toString('hex');
}

describe('Class: PieceTree', () => {
  it('gives the same piece roots as blockHashes + merkleRoot, for full, short and one-piece files', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(16 * KiB, 64 * KiB, 512 * KiB),
        fc.integer({ min: 1, max: 3 * 512 * KiB }),
        fc.integer({ min: 1, max: 4 }),
        (pieceLength, size, parts) => {
          // Prepare: one tree reused for every piece of the file, as a hasher does.
          const data = pseudoRandomBytes(size, `tree:${size}`);
          const tree = new PieceTree(pieceLength / BLOCK_SIZE);
          for (let offset = 0; offset < size; offset += pieceLength) {
            const piece = data.subarray(offset, offset + pieceLength);
            const width = v2PieceWidth(size, pieceLength, piece.length);
            // Act: the piece's leaves arrive in up to `parts` runs of whole blocks, as the
            // chunks of a piece larger than a chunk do.
            tree.reset();
            const step = Math.max(BLOCK_SIZE, Math.ceil(piece.length / parts / BLOCK_SIZE) * BLOCK_SIZE);
            for (let at = 0; at < piece.length; at += step) tree.addLeaves(piece.subarray(at, at + step));
            // Assess
            expect(Buffer.from(tree.root(width)).toString('hex')).toBe(referenceRoot(piece, width));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
