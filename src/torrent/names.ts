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

export { FALLBACK_NAME, MAX_NAME_BYTES, assertValidName, pathSegmentProblem, torrentNameForKey };
