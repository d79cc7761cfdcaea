import { SwarmStoreProtocolError } from './errors.js';

/** An error reply (`-ERR ...`): a value in a pipeline's results, not a thrown error. */
class RespErrorReply {
  public constructor(public readonly message: string) {}
}

/** A RESP2 reply: simple string, error, integer, bulk string (null when absent), or array. */
type RespReply = string | RespErrorReply | number | Buffer | null | RespReply[];

/** One argument of a command: text (sent as UTF-8) or raw bytes. */
type RespArgument = string | Uint8Array;

/** Longest bulk string or array we accept: far above any peer list we ask for, so a corrupt length cannot make us buffer gigabytes. */
const MAX_REPLY_LENGTH = 64 * 1024 * 1024;

const CRLF = Buffer.from('\r\n');

/** Encodes commands as RESP arrays of bulk strings, the form every Redis and Valkey server takes. */
function encodeCommands(commands: readonly (readonly RespArgument[])[]): Buffer {
  const parts: Buffer[] = [];
  for (const command of commands) {
    parts.push(Buffer.from(`*${command.length}\r\n`));
    for (const argument of command) {
      const bytes = typeof argument === 'string' ? Buffer.from(argument) : Buffer.from(argument.buffer, argument.byteOffset, argument.byteLength);
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
    }
  }
  return Buffer.concat(parts);
}

/** Marks "not all of this reply has arrived yet". */
const INCOMPLETE = Symbol('incomplete');

/**
 * A streaming RESP2 reader: feed it the socket's chunks, take the complete replies out. A reply
 * split across chunks is kept until its last byte arrives.
 */
class RespReader {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;

  /**
   * Adds bytes and returns every reply they complete.
   *
   * @throws SwarmStoreProtocolError on bytes that are not RESP.
   */
  public feed(chunk: Buffer): RespReply[] {
    this.buffer = this.offset < this.buffer.length ? Buffer.concat([this.buffer.subarray(this.offset), chunk]) : chunk;
    this.offset = 0;
    const replies: RespReply[] = [];
    for (;;) {
      const start = this.offset;
      const reply = this.read();
      if (reply === INCOMPLETE) {
        this.offset = start;
        break;
      }
      replies.push(reply);
    }
    return replies;
  }

  private line(): string | typeof INCOMPLETE {
    const end = this.buffer.indexOf(CRLF, this.offset);
    if (end < 0) return INCOMPLETE;
    const text = this.buffer.toString('latin1', this.offset, end);
    this.offset = end + 2;
    return text;
  }

  private length(text: string): number {
    const value = Number(text);
    if (!Number.isInteger(value) || value < -1 || value > MAX_REPLY_LENGTH) throw new SwarmStoreProtocolError(`bad length "${text.slice(0, 32)}"`);
    return value;
  }

  private read(): RespReply | typeof INCOMPLETE {
    if (this.offset >= this.buffer.length) return INCOMPLETE;
    const type = this.buffer[this.offset] as number;
    this.offset += 1;
    const text = this.line();
    if (text === INCOMPLETE) return INCOMPLETE;
    switch (type) {
      case 0x2b: // '+'
        return text;
      case 0x2d: // '-'
        return new RespErrorReply(text);
      case 0x3a: { // ':'
        const value = Number(text);
        if (!Number.isSafeInteger(value)) throw new SwarmStoreProtocolError(`bad integer "${text.slice(0, 32)}"`);
        return value;
      }
      case 0x24: { // '$'
        const size = this.length(text);
        if (size === -1) return null;
        if (this.buffer.length < this.offset + size + 2) return INCOMPLETE;
        const bytes = Buffer.from(this.buffer.subarray(this.offset, this.offset + size));
        this.offset += size + 2;
        return bytes;
      }
      case 0x2a: { // '*'
        const count = this.length(text);
        if (count === -1) return null;
        const items: RespReply[] = [];
        for (let i = 0; i < count; i += 1) {
          const item = this.read();
          if (item === INCOMPLETE) return INCOMPLETE;
          items.push(item);
        }
        return items;
      }
      default:
        throw new SwarmStoreProtocolError(`unknown reply type 0x${type.toString(16)}`);
    }
  }
}

export { RespErrorReply, RespReader, encodeCommands };
export type { RespArgument, RespReply };
