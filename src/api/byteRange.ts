/** The bytes `start`..`end` (inclusive) of a representation, as a `Range` header asked. */
interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A single `bytes=` range: `a-b`, `a-` or `-suffix` (RFC 9110, 14.1.2). */
const SINGLE_BYTE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * What a `Range` header asks of a representation of `size` bytes: one range (clamped to the
 * end), `'unsatisfiable'` (a 416), or undefined for the whole thing. A header we do not take
 * (absent, malformed, several ranges) is ignored, as RFC 9110 lets a server do: the reply is then
 * a 200 with everything, which every client accepts.
 */
function byteRangeOf(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = SINGLE_BYTE_RANGE.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

export { byteRangeOf };
export type { ByteRange };
