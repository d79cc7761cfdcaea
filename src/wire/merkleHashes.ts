import { hash } from 'node:crypto';
import { padHashAt } from '../torrent/index.js';
import { MAX_HASHES_PER_REQUEST } from './constants.js';
import type { HashRequestFields } from './messages.js';

const HASH = 32;
const BLOCK_SIZE = 16 * 1024;

/**
 * Answers BEP 52 hash requests for one file from its piece layer: every layer from the pieces
 * up to the root, padded to a power of two. Layers under the pieces (block hashes) are not
 * kept (they would need the data), so requests for them are rejected; libtorrent asks for the
 * piece layer and above, which is all a downloader needs to check whole pieces.
 */
class PieceLayerTree {
  /** `layers[0]` is the piece layer (padded), the last is the root. */
  private readonly layers: Buffer[];
  /** Layer number of the pieces, counted from the 16 KiB blocks (BEP 52's base layer 0). */
  private readonly pieceLayer: number;

  public constructor(public readonly piecesRoot: Buffer, pieceHashes: Uint8Array, pieceLength: number) {
    this.pieceLayer = Math.round(Math.log2(pieceLength / BLOCK_SIZE));
    const pieces = pieceHashes.length / HASH;
    let width = 1;
    while (width < pieces) width *= 2;
    const bottom = Buffer.alloc(width * HASH);
    bottom.set(pieceHashes, 0);
    const pad = padHashAt(this.pieceLayer);
    for (let i = pieces; i < width; i += 1) bottom.set(pad, i * HASH);
    this.layers = [bottom];
    for (let layer = bottom; layer.length > HASH;) {
      const parents = Buffer.allocUnsafe(layer.length / 2);
      for (let i = 0; i < layer.length / HASH; i += 2) {
        hash('sha256', layer.subarray(i * HASH, (i + 2) * HASH), 'buffer').copy(parents, (i / 2) * HASH);
      }
      this.layers.push(parents);
      layer = parents;
    }
  }

  /** True when the tree's root is the torrent's pieces root (guards against a corrupt layer). */
  public get consistent(): boolean {
    return this.piecesRoot.equals(this.layers[this.layers.length - 1] ?? Buffer.alloc(0));
  }

  /**
   * The `hashes` payload for a request (base hashes, then one uncle per proof layer above the
   * subtree they form, bottom up), or undefined when it must be rejected.
   */
  public answer(request: HashRequestFields): Buffer | undefined {
    const { baseLayer, index, length, proofLayers } = request;
    if (!request.piecesRoot.equals(this.piecesRoot)) return undefined;
    const level = baseLayer - this.pieceLayer;
    const base = this.layers[level];
    if (level < 0 || base === undefined) return undefined;
    const width = base.length / HASH;
    const powerOfTwo = length >= 2 && (length & (length - 1)) === 0;
    if (!powerOfTwo || length > MAX_HASHES_PER_REQUEST || index % length !== 0 || index + length > width) return undefined;
    const subtreeLayers = Math.round(Math.log2(length));
    // Uncles exist only below the root: a proof that would climb to it is malformed.
    if (proofLayers >= subtreeLayers && level + proofLayers > this.layers.length - 2) return undefined;
    const out: Buffer[] = [base.subarray(index * HASH, (index + length) * HASH)];
    for (let i = subtreeLayers - 1; i < proofLayers; i += 1) {
      if (i < 0) continue;
      const layer = this.layers[level + i + 1] as Buffer;
      const sibling = (index >> (i + 1)) ^ 1;
      out.push(layer.subarray(sibling * HASH, (sibling + 1) * HASH));
    }
    return Buffer.concat(out);
  }
}

export { PieceLayerTree };
