import type { RecordedRequest } from '../../helpers/recordingProxy.js';

/** One client's webseed requests, sorted out. */
interface WebseedRequests {
  /** Unsigned GETs of member URLs answered 200/206: count per member path (relative to the prefix). */
  readonly getsPerMember: ReadonlyMap<string, number>;
  /** Everything else, each described: what S3 saw from a webseed client should be only the above. */
  readonly other: readonly string[];
}

/**
 * Sorts the requests a recording proxy saw in front of S3 (one proxy per client, so every
 * request is that client's) into GETs per member (`/<bucket>/<prefix><path>`, percent-decoded)
 * and everything else.
 */
function sortWebseedRequests(requests: readonly RecordedRequest[], bucket: string, prefix: string): WebseedRequests {
  const getsPerMember = new Map<string, number>();
  const other: string[] = [];
  const base = `/${bucket}/${prefix}`;
  for (const request of requests) {
    const [path = '', query] = request.target.split('?');
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      decoded = path;
    }
    const member = decoded.startsWith(base) ? decoded.slice(base.length) : '';
    const memberGet = request.method === 'GET' && !request.signed && query === undefined && member !== ''
      && (request.status === 200 || request.status === 206);
    if (!memberGet) {
      other.push(`${request.method} ${request.target} → ${request.status}${request.signed ? ' (signed)' : ''}`);
      continue;
    }
    getsPerMember.set(member, (getsPerMember.get(member) ?? 0) + 1);
  }
  return { getsPerMember: new Map([...getsPerMember].sort(([a], [b]) => (a < b ? -1 : 1))), other };
}

export { sortWebseedRequests };
export type { WebseedRequests };
