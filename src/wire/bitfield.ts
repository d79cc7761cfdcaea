/** A bitfield with every piece set and the spare bits clear (BEP 3): what a seeder sends. */
function fullBitfield(pieceCount: number): Buffer {
  const bits = Buffer.alloc(Math.ceil(pieceCount / 8), 0xff);
  const spare = bits.length * 8 - pieceCount;
  if (spare > 0) bits[bits.length - 1] = (0xff << spare) & 0xff;
  return bits;
}

/** Whether a peer's bitfield says it has every piece (it is a seed too). */
function isComplete(bits: Buffer, pieceCount: number): boolean {
  return fullBitfield(pieceCount).equals(bits);
}

export { fullBitfield, isComplete };
