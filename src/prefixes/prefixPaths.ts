import { objectUrl } from '../storage/index.js';
import { PAD_DIRECTORY, memberPathProblem as filePathProblem, prefixProblem as prefixNameProblem } from '../torrent/index.js';

/**
 * How a prefix and the keys under it become a multi-file torrent: the prefix's last segment is
 * `info.name`, the rest of each key is a file's `path`, and the webseed is the prefix's parent,
 * so that BEP 19's `url + name + "/" + path` is each object's public URL.
 */

/** Why a prefix (non-empty, ending in `/`) cannot be a torrent, as the API's message; undefined when it can. */
function prefixProblem(prefix: string): string | undefined {
  const problem = prefixNameProblem(prefix);
  return problem === undefined ? undefined : `The prefix "${prefix}" ${problem}: it cannot name a torrent's folder.`;
}

/** A member's `path` in the torrent: its key below the prefix, by segment. */
function memberPath(prefix: string, key: string): string[] {
  return key.slice(prefix.length).split('/');
}

/**
 * Why a member's path cannot be a file of the torrent, as the API's message, or undefined. The
 * member is public, so naming it in the reply is fine.
 */
function memberPathProblem(prefix: string, key: string): string | undefined {
  const problem = filePathProblem(memberPath(prefix, key));
  if (problem === undefined) return undefined;
  return problem.problem === 'reserved-path'
    ? `The object "${key}" is under "${prefix}${PAD_DIRECTORY}/", where torrents keep their padding files.`
    : `The object "${key}" has a ${problem.message}: a torrent cannot carry it.`;
}

/** The BEP 19 multi-file webseed: the public URL of the prefix's parent, ending in `/`. */
function prefixWebseedUrl(webseedBaseUrl: string, bucket: string, prefix: string): string {
  const parent = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1);
  const url = objectUrl(webseedBaseUrl, bucket, parent);
  return url.endsWith('/') ? url : `${url}/`;
}

export { memberPath, memberPathProblem, prefixProblem, prefixWebseedUrl };
