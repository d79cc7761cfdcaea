import { InvalidMetainfoError } from './errors.js';

/**
 * Longest `info.name` in UTF-8 bytes: 255 is what common file systems allow for one path
 * segment, and clients save the file under this name.
 */
const MAX_NAME_BYTES = 255;

/**
 * Why `segment` cannot be one path segment of a saved file (a torrent's name, or one element of
 * a multi-file torrent's `path`), or undefined when it can: empty, `.`/`..`, a separator, a
 * control character, more than 255 UTF-8 bytes or broken Unicode would each make clients save
 * the file somewhere else than the torrent says, or not at all.
 */
function pathSegmentProblem(segment: string): string | undefined {
  return segment.length === 0 ? 'is empty'
    : segment === '.' || segment === '..' ? 'is a relative path'
    : /[/\\]/.test(segment) ? 'contains a path separator'
    // eslint-disable-next-line no-control-regex -- control characters are exactly what we reject
    : /[\u0000-\u001f\u007f]/.test(segment) ? 'contains a control character'
    : Buffer.byteLength(segment, 'utf8') > MAX_NAME_BYTES ? `is longer than ${MAX_NAME_BYTES} bytes`
    : !segment.isWellFormed() ? 'is not valid Unicode'
    : undefined;
}

/**
 * Throws unless `name` is a usable single-file `info.name`: non-empty, one path segment (no
 * `/`, `\`, `.` or `..`), no control characters, at most 255 UTF-8 bytes.
 *
 * @throws InvalidMetainfoError
 */
function assertValidName(name: string): void {
  const problem = pathSegmentProblem(name);
  if (problem !== undefined) throw new InvalidMetainfoError(`torrent name "${name}" ${problem}`);
}

/** Used when a key's last segment cannot serve as a file name (`photos/`, `..`). */
const FALLBACK_NAME = 'download';

/**
 * The `info.name` for an S3 object: the key's last path segment, made safe to save as a file.
 * Control characters and backslashes become `_`, `.`/`..` and empty segments fall back to
 * `download`, and the name is cut to 255 UTF-8 bytes without splitting a character.
 *
 * @example torrentNameForKey('datasets/2026/cities.csv') // 'cities.csv'
 */
function torrentNameForKey(key: string): string {
  const last = key.split('/').filter((s) => s.length > 0).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we replace
  let name = last.toWellFormed().replace(/[\u0000-\u001f\u007f\\]/g, '_');
  if (name === '' || name === '.' || name === '..') name = FALLBACK_NAME;
  while (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) name = [...name].slice(0, -1).join('');
  return name;
}

/**
 * The `info.name` of a prefix torrent: the directory clients save its files in, named after the
 * prefix's last segment and made safe as {@link torrentNameForKey} does.
 *
 * @example torrentNameForPrefix('open/climate/2026/') // '2026'
 */
function torrentNameForPrefix(prefix: string): string {
  return torrentNameForKey(prefix);
}

/**
 * Why `prefix` cannot be shared as one multi-file torrent, or undefined when it can. It must
 * end with `/` (S3 keys without one are objects), be more than the bucket (a whole bucket has no
 * name to save it under, and no bound), and have no empty, `.` or `..` segment: HTTP clients
 * and webseed URLs normalise those away, so the object URLs built from the torrent
 * (`url-list` + name + path) would no longer be the members'.
 *
 * @example prefixProblem('open/climate/2026/') // undefined
 * @example prefixProblem('a//b/') // 'has an empty segment'
 */
function prefixProblem(prefix: string): string | undefined {
  if (prefix === '' || prefix === '/') return 'is empty (a whole bucket is not a prefix)';
  if (!prefix.endsWith('/')) return 'does not end with "/"';
  const segments = prefix.slice(0, -1).split('/');
  if (segments.some((s) => s.length === 0)) return 'has an empty segment';
  if (segments.some((s) => s === '.' || s === '..')) return 'has a "." or ".." segment';
  return undefined;
}

export {
  FALLBACK_NAME,
  MAX_NAME_BYTES,
  assertValidName,
  pathSegmentProblem,
  prefixProblem,
  torrentNameForKey,
  torrentNameForPrefix,
};
