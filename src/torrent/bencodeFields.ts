import type { BencodeDict, BencodeValue } from './bencode.js';
import { MalformedTorrentError } from './errors.js';

/**
 * Typed readers of decoded bencode fields for the .torrent parsers: each returns the value or
 * throws MalformedTorrentError naming the field.
 *
 * @internal
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(value: BencodeValue | undefined, field: string): string {
  if (!(value instanceof Uint8Array)) throw new MalformedTorrentError(`"${field}" must be a string`);
  try {
    return utf8.decode(value);
  } catch (cause) {
    throw new MalformedTorrentError(`"${field}" is not valid UTF-8`, undefined, { cause });
  }
}

function optionalText(value: BencodeValue | undefined, field: string): string | undefined {
  return value === undefined ? undefined : text(value, field);
}

function integer(value: BencodeValue | undefined, field: string, min: number): number {
  if (typeof value !== 'number' || value < min) {
    throw new MalformedTorrentError(`"${field}" must be an integer ≥ ${min}`);
  }
  return value;
}

function bytes(value: BencodeValue | undefined, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new MalformedTorrentError(`"${field}" must be a byte string`);
  return value;
}

function dict(value: BencodeValue | undefined, field: string): BencodeDict {
  if (!(value instanceof Map)) throw new MalformedTorrentError(`"${field}" must be a dictionary`);
  return value;
}

function list(value: BencodeValue | undefined, field: string): BencodeValue[] {
  if (!Array.isArray(value)) throw new MalformedTorrentError(`"${field}" must be a list`);
  return value;
}

/** Dictionary keys are latin1 "binary strings" (see bencode.ts); names in them are UTF-8. */
function keyText(key: string, field: string): string {
  return text(Buffer.from(key, 'latin1'), field);
}

export { bytes, dict, integer, keyText, list, optionalText, text };
