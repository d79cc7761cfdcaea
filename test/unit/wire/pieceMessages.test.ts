import { MAX_BLOCK_LENGTH, decodeMessage } from '../../../src/wire/index.js';
import { PieceMessages } from '../../../src/wire/pieceMessages.js';

describe('Class: PieceMessages', () => {
  it('frames a block as a piece message a peer decodes', () => {
    const block = Buffer.alloc(MAX_BLOCK_LENGTH, 7);
    const message = new PieceMessages(4).take(3, 49_152, block);
    expect(message.readUInt32BE(0)).toBe(message.length - 4);
    expect(decodeMessage(message.subarray(4))).toEqual({ type: 'piece', index: 3, begin: 49_152, block });
  });

  it('reuses a released buffer and never one still in use', () => {
    const messages = new PieceMessages(4);
    const first = messages.take(0, 0, Buffer.alloc(100, 1));
    const second = messages.take(1, 0, Buffer.alloc(100, 2));
    messages.release(first);
    const third = messages.take(2, 0, Buffer.alloc(50, 3));
    expect(third.buffer).toBe(first.buffer);
    // The message still held by a socket keeps its bytes.
    expect(decodeMessage(second.subarray(4))).toEqual({ type: 'piece', index: 1, begin: 0, block: Buffer.alloc(100, 2) });
    expect(decodeMessage(third.subarray(4))).toEqual({ type: 'piece', index: 2, begin: 0, block: Buffer.alloc(50, 3) });
  });

  it('keeps at most maxIdle buffers after a burst', () => {
    const messages = new PieceMessages(2);
    const burst = Array.from({ length: 5 }, (_, i) => messages.take(i, 0, Buffer.alloc(10)));
    burst.forEach((message) => messages.release(message));
    expect(messages.idleCount).toBe(2);
  });

  it('refuses a block over 16 KiB', () => {
    expect(() => new PieceMessages(1).take(0, 0, Buffer.alloc(MAX_BLOCK_LENGTH + 1))).toThrow(RangeError);
  });
});
