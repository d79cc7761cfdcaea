import { MAX_BLOCK_LENGTH, MessageId } from './constants.js';

/** Length prefix, message id, piece index, offset. */
const PIECE_HEADER_LENGTH = 13;

/** Room for the largest piece message: the header and a block of MAX_BLOCK_LENGTH. */
const MESSAGE_CAPACITY = PIECE_HEADER_LENGTH + MAX_BLOCK_LENGTH;

/**
 * Reusable buffers for outgoing piece messages (header and block in one buffer, one entry of
 * the socket's writev). Serving a GiB is 65,536 blocks: a fresh buffer each made the seeder's
 * main cost the allocation and the garbage collector (profiled: ~15% of its CPU, cold and warm).
 * A message's bytes are a copy of the cached span, never a view: a view would keep the whole
 * span (up to 8 MiB) alive while the socket holds the block, even after the cache dropped it.
 *
 * Buffers in use are bounded by the server's block budget (a message is released when the
 * socket has handed it to the kernel); at most `maxIdle` idle ones are kept.
 */
class PieceMessages {
  private readonly idle: Buffer[] = [];

  public constructor(private readonly maxIdle: number) {}

  /** Buffers kept for reuse right now. */
  public get idleCount(): number {
    return this.idle.length;
  }

  /**
   * A piece message for `block` of piece `index` at `begin`, to hand back with `release` once
   * the socket no longer needs it.
   *
   * @throws RangeError for a block over MAX_BLOCK_LENGTH (requests over it are refused earlier).
   */
  public take(index: number, begin: number, block: Uint8Array): Buffer {
    if (block.length > MAX_BLOCK_LENGTH) throw new RangeError(`block of ${block.length} bytes is over ${MAX_BLOCK_LENGTH}`);
    const whole = this.idle.pop() ?? Buffer.allocUnsafeSlow(MESSAGE_CAPACITY);
    whole.writeUInt32BE(9 + block.length, 0);
    whole[4] = MessageId.Piece;
    whole.writeUInt32BE(index, 5);
    whole.writeUInt32BE(begin, 9);
    whole.set(block, PIECE_HEADER_LENGTH);
    return whole.subarray(0, PIECE_HEADER_LENGTH + block.length);
  }

  /** Returns a message from `take`; its bytes may be overwritten from now on. */
  public release(message: Buffer): void {
    if (this.idle.length >= this.maxIdle) return;
    this.idle.push(Buffer.from(message.buffer, message.byteOffset, MESSAGE_CAPACITY));
  }
}

export { MESSAGE_CAPACITY, PIECE_HEADER_LENGTH, PieceMessages };
