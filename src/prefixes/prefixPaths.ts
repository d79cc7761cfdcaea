import { objectUrl } from '../storage/index.js';
import { PAD_DIRECTORY, pathSegmentProblem } from '../torrent/index.js';

/**
 * How a prefix and the keys under it become a multi-file torrent: the prefix's last segment is
 * `info.name`, the rest of each key is a file's `path`, and the webseed is the prefix's parent,
 * so that BEP 19's `url + name + "/" + path` is each object's public URL.
 */

/**
 * Why a prefix (non-empty, ending in `/`) cannot be a torrent, or undefined when it can: each of
 * its segments becomes a directory name clients create, so none may be empty (`a//b/`), `.` or
 * `..`, or otherwise unfit for a path segment (pathSegmentProblem).
 */
function prefixProblem(prefix: string): string | undefined {
  const segments = prefix.slice(0, -1).split('/');
  for (const segment of segments) {
    const problem = pathSegmentProblem(segment);
    if (problem !== undefined) return `The prefix "${prefix}" has a path segment that ${problem}: it cannot name a torrent's folder.`;
  }
  return undefined;
}

/** `info.name` of a prefix's torrent: its last segment (`climate/2026/` → `2026`). */
function prefixTorrentName(prefix: string): string {
  return prefix.slice(0, -1).split('/').pop() as string;
}

/** A member's `path` in the torrent: its key below the prefix, by segment. */
function memberPath(prefix: string, key: string): string[] {
  return key.slice(prefix.length).split('/');
}

/**
 * Why a member's path cannot be a file of the torrent, or undefined: a segment unfit for a path
 * (empty from `a//b`, `.`/`..`, a control character...), or under `.pad/`, where BEP 47 pad
 * files live. The member is public, so naming it in the reply is fine.
 */
function memberPathProblem(prefix: string, key: string): string | undefined {
  const path = memberPath(prefix, key);
  if (path[0] === PAD_DIRECTORY) return `The object "${key}" is under "${prefix}${PAD_DIRECTORY}/", where torrents keep their padding files.`;
  for (const segment of path) {
    const problem = pathSegmentProblem(segment);
    if (problem !== undefined) return `The object "${key}" has a path segment that ${problem}: a torrent cannot carry it.`;
  }
  return undefined;
}

/** The BEP 19 multi-file webseed: the public URL of the prefix's parent, ending in `/`. */
function prefixWebseedUrl(webseedBaseUrl: string, bucket: string, prefix: string): string {
  const parent = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1);
  const url = objectUrl(webseedBaseUrl, bucket, parent);
  return url.endsWith('/') ? url : `${url}/`;
}

export { memberPath, memberPathProblem, prefixProblem, prefixTorrentName, prefixWebseedUrl };
