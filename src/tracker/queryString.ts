/** A query string decoded to bytes: each name maps to its values in order of appearance. */
type RawQuery = ReadonlyMap<string, readonly Uint8Array[]>;

/** Why a query string could not be decoded. */
interface QueryProblem {
  readonly problem: string;
}

const PERCENT = 0x25;
const PLUS = 0x2b;
const SPACE = 0x20;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Percent-decodes `text[from, to)` to bytes. Characters that are not escaped stand for their own
 * code (`req.url` holds the request line's bytes as latin1); `+` is a space, as in forms.
 *
 * @returns undefined for a malformed escape or a character past one byte.
 */
function decodeComponent(text: string, from: number, to: number): Uint8Array | undefined {
  const out = new Uint8Array(to - from);
  let length = 0;
  for (let i = from; i < to; i += 1) {
    const code = text.charCodeAt(i);
    if (code === PERCENT) {
      if (i + 2 >= to) return undefined;
      const high = hexValue(text.charCodeAt(i + 1));
      const low = hexValue(text.charCodeAt(i + 2));
      if (high < 0 || low < 0) return undefined;
      out[length] = (high << 4) | low;
      i += 2;
    } else if (code > 0xff) {
      return undefined;
    } else {
      out[length] = code === PLUS ? SPACE : code;
    }
    length += 1;
  }
  return out.subarray(0, length);
}

/**
 * Splits a raw query string (without `?`) into byte values, without `URLSearchParams`: that
 * decodes to UTF-8 text and so corrupts binary `info_hash` and `peer_id` values.
 *
 * @returns the parameters, or the first problem found (a malformed escape).
 */
function parseRawQuery(query: string): RawQuery | QueryProblem {
  const params = new Map<string, Uint8Array[]>();
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    if (end > start) {
      const equals = query.indexOf('=', start);
      const nameEnd = equals >= 0 && equals < end ? equals : end;
      const nameBytes = decodeComponent(query, start, nameEnd);
      const value = nameEnd === end ? new Uint8Array(0) : decodeComponent(query, nameEnd + 1, end);
      if (nameBytes === undefined || value === undefined) {
        return { problem: `malformed percent-encoding in the query at offset ${start}` };
      }
      const name = String.fromCharCode(...nameBytes);
      const values = params.get(name);
      if (values === undefined) params.set(name, [value]);
      else values.push(value);
    }
    start = end + 1;
  }
  return params;
}

/** Whether {@link parseRawQuery} failed. */
function isQueryProblem(result: RawQuery | QueryProblem): result is QueryProblem {
  return !(result instanceof Map);
}

export { decodeComponent, isQueryProblem, parseRawQuery };
export type { QueryProblem, RawQuery };
