import { InvalidMetainfoError, MalformedTorrentError } from './errors.js';

/**
 * Largest .torrent we read: 10 MB, libtorrent's default `load_torrent_limits.max_buffer_size`.
 * A larger file would not load in libtorrent anyway; our own largest (a hybrid torrent of a
 * 5 TiB object) is about 4.3 MB.
 */
const MAX_TORRENT_FILE_SIZE = 10_000_000;

/** Deepest nesting we follow: libtorrent's default `max_decode_depth`; guards the stack. */
const MAX_BENCODE_DEPTH = 100;

/**
 * A decoded bencode value. Strings stay bytes (piece hashes are binary); dictionary keys are
 * "binary strings" (one char per byte, latin1) so that any key survives and JavaScript string
 * order equals the byte order BEP 3 sorts keys by.
 */
type BencodeValue = number | Uint8Array | BencodeValue[] | BencodeDict;
type BencodeDict = Map<string, BencodeValue>;

/**
 * What {@link encodeBencode} writes: strings as UTF-8, byte strings as they are, integers, lists,
 * and dictionaries as plain objects or Maps (whose keys may also be byte strings, as `piece
 * layers` needs). `undefined` values leave their key out.
 */
type Encodable =
  | number
  | string
  | Uint8Array
  | ReadonlyArray<Encodable>
  | ReadonlyMap<string | Uint8Array, Encodable | undefined>
  | { readonly [key: string]: Encodable | undefined };

/** Where a dictionary sat in the input: `[start, end)` byte offsets. */
interface ByteSpan {
  readonly start: number;
  readonly end: number;
}

const spans = new WeakMap<BencodeDict, ByteSpan>();

const CHAR_I = 0x69;
const CHAR_L = 0x6c;
const CHAR_D = 0x64;
const CHAR_E = 0x65;
const CHAR_COLON = 0x3a;
const CHAR_MINUS = 0x2d;
const CHAR_0 = 0x30;
const CHAR_9 = 0x39;

/**
 * A binary string (one char per byte) fit for an error message: a file that is not a torrent
 * would otherwise put raw bytes, terminal escapes included, on the user's terminal. Bytes
 * outside printable ASCII become `\xNN`, a backslash `\\`.
 */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we escape
  return text.replace(/[^\x20-\x7e]|\\/g, (char) => (char === '\\' ? '\\\\' : `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/**
 * Strict bencode decoder. We do not use bencode 4's `decode`: it accepts truncated strings
 * (slicing past the end), turns binary dictionary keys into hex text, and cannot tell where the
 * `info` dictionary's bytes were, which the infohash is computed from (re-encoding a decoded
 * dict is exactly how aria2 gets hybrid infohashes wrong). This one rejects anything BEP 3
 * does not allow: leading zeros, `-0`, unsorted or duplicate keys, trailing bytes.
 */
class StrictDecoder {
  private position = 0;

  public constructor(private readonly data: Uint8Array) {}

  public decodeAll(): BencodeValue {
    if (this.data.length === 0) throw new MalformedTorrentError('empty input');
    const value = this.next(0);
    if (this.position !== this.data.length) {
      throw new MalformedTorrentError('trailing bytes after the bencoded value', this.position);
    }
    return value;
  }

  private next(depth: number): BencodeValue {
    if (depth >= MAX_BENCODE_DEPTH) {
      throw new MalformedTorrentError(`nesting deeper than ${MAX_BENCODE_DEPTH}`, this.position);
    }
    const byte = this.peek();
    if (byte === CHAR_I) return this.integer();
    if (byte === CHAR_L) return this.list(depth);
    if (byte === CHAR_D) return this.dict(depth);
    if (byte >= CHAR_0 && byte <= CHAR_9) return this.bytes();
    throw new MalformedTorrentError(`unexpected byte 0x${byte.toString(16)}`, this.position);
  }

  private peek(): number {
    const byte = this.data[this.position];
    if (byte === undefined) throw new MalformedTorrentError('truncated input', this.position);
    return byte;
  }

  /** Reads ASCII digits up to `terminator`; returns them and moves past the terminator. */
  private digitsUntil(terminator: number): string {
    const start = this.position;
    const end = this.data.indexOf(terminator, start);
    if (end < 0) throw new MalformedTorrentError('truncated input', this.data.length);
    this.position = end + 1;
    return Buffer.from(this.data.buffer, this.data.byteOffset + start, end - start).toString('latin1');
  }

  private integer(): number {
    const at = this.position;
    this.position += 1;
    const text = this.digitsUntil(CHAR_E);
    if (!/^(0|-?[1-9][0-9]*)$/.test(text)) {
      throw new MalformedTorrentError(`invalid integer "${printable(text.slice(0, 24))}"`, at);
    }
    const value = Number(text);
    if (!Number.isSafeInteger(value)) {
      throw new MalformedTorrentError(`integer out of range "${printable(text.slice(0, 24))}"`, at);
    }
    return value;
  }

  private bytes(): Uint8Array {
    const at = this.position;
    const text = this.digitsUntil(CHAR_COLON);
    if (!/^(0|[1-9][0-9]*)$/.test(text)) {
      throw new MalformedTorrentError(`invalid string length "${printable(text.slice(0, 24))}"`, at);
    }
    const length = Number(text);
    if (length > this.data.length - this.position) {
      throw new MalformedTorrentError(`string of ${length} bytes runs past the end`, at);
    }
    const value = this.data.subarray(this.position, this.position + length);
    this.position += length;
    return value;
  }

  private list(depth: number): BencodeValue[] {
    this.position += 1;
    const items: BencodeValue[] = [];
    while (this.peek() !== CHAR_E) items.push(this.next(depth + 1));
    this.position += 1;
    return items;
  }

  private dict(depth: number): BencodeDict {
    const start = this.position;
    this.position += 1;
    const dict: BencodeDict = new Map();
    let previousKey: string | undefined;
    while (this.peek() !== CHAR_E) {
      const keyAt = this.position;
      if (this.peek() === CHAR_MINUS || this.peek() < CHAR_0 || this.peek() > CHAR_9) {
        throw new MalformedTorrentError('dictionary key is not a string', keyAt);
      }
      const key = Buffer.from(this.bytes()).toString('latin1');
      if (previousKey !== undefined && key <= previousKey) {
        throw new MalformedTorrentError(
          key === previousKey ? `duplicate key "${printable(key)}"` : `keys out of order ("${printable(key)}" after "${printable(previousKey)}")`,
          keyAt,
        );
      }
      previousKey = key;
      dict.set(key, this.next(depth + 1));
    }
    this.position += 1;
    spans.set(dict, { start, end: this.position });
    return dict;
  }
}

/**
 * Decodes bencode strictly.
 *
 * @throws MalformedTorrentError for anything that is not exactly one valid bencoded value.
 */
function decodeBencode(data: Uint8Array): BencodeValue {
  if (data.length > MAX_TORRENT_FILE_SIZE) {
    throw new MalformedTorrentError(`input of ${data.length} bytes exceeds the ${MAX_TORRENT_FILE_SIZE}-byte limit`);
  }
  return new StrictDecoder(data).decodeAll();
}

/** The `[start, end)` bytes a dictionary returned by {@link decodeBencode} was decoded from. */
function spanOf(dict: BencodeDict): ByteSpan | undefined {
  return spans.get(dict);
}

const E = Buffer.from('e');

function encodeInto(value: Encodable, out: Uint8Array[]): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new InvalidMetainfoError(`bencode holds only integers, not ${value}`);
    out.push(Buffer.from(`i${value}e`));
  } else if (typeof value === 'string') {
    const utf8 = Buffer.from(value, 'utf8');
    out.push(Buffer.from(`${utf8.length}:`), utf8);
  } else if (value instanceof Uint8Array) {
    out.push(Buffer.from(`${value.length}:`), value);
  } else if (Array.isArray(value)) {
    out.push(Buffer.from('l'));
    for (const item of value as ReadonlyArray<Encodable>) encodeInto(item, out);
    out.push(E);
  } else {
    const entries = value instanceof Map ? [...(value as ReadonlyMap<string | Uint8Array, Encodable | undefined>)] : Object.entries(value);
    const keyed = entries
      .filter((entry): entry is [string | Uint8Array, Encodable] => entry[1] !== undefined)
      .map(([key, item]) => ({ key: typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key), item }));
    // BEP 3: keys sorted as raw byte strings. JavaScript's string order (UTF-16 code units)
    // differs for characters above U+FFFF, and Arrays.sort on byte-string keys compares their
    // decimal text, so neither a plain object nor the `bencode` package gets this right.
    keyed.sort((a, b) => Buffer.compare(a.key, b.key));
    out.push(Buffer.from('d'));
    keyed.forEach(({ key, item }, i) => {
      if (i > 0 && (keyed[i - 1] as { key: Buffer }).key.equals(key)) {
        throw new InvalidMetainfoError(`duplicate dictionary key "${printable(key.toString('latin1'))}"`);
      }
      out.push(Buffer.from(`${key.length}:`), key);
      encodeInto(item, out);
    });
    out.push(E);
  }
}

/**
 * Encodes bencode: dictionary keys sorted by their bytes (strings as UTF-8), as BEP 3 requires
 * and libtorrent writes, whatever the characters.
 *
 * @throws InvalidMetainfoError for a non-integer number or two keys with the same bytes.
 */
function encodeBencode(value: Encodable): Uint8Array {
  const out: Uint8Array[] = [];
  encodeInto(value, out);
  // A Uint8Array of its own, as the `bencode` package returned (not a view of Buffer's pool).
  const encoded = new Uint8Array(out.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of out) {
    encoded.set(part, at);
    at += part.length;
  }
  return encoded;
}

export { MAX_BENCODE_DEPTH, MAX_TORRENT_FILE_SIZE, decodeBencode, encodeBencode, spanOf };
export type { BencodeDict, BencodeValue, ByteSpan, Encodable };
