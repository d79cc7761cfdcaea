import type { RecordedRequest } from '../../helpers/recordingProxy.js';

/** One client's webseed requests, sorted out. */
interface WebseedRequests {
  /**
   * Unsigned GETs of member URLs answered 200/206 (S3) or 302 (the API's webseed sends the
   * client on to S3): count per member path (relative to the prefix).
   */
  readonly getsPerMember: ReadonlyMap<string, number>;
  /** GETs of BEP 47 pad files (`.pad/<n>`) answered 200/206: only the API's webseed has them. */
  readonly padGets: number;
  /** Everything else, each described: what S3 saw from a webseed client should be only the above. */
  readonly other: readonly string[];
}

/**
 * Sorts the requests a recording proxy saw in front of a webseed (S3, or the API's webseed; one
 * proxy per client, so every request is that client's) into GETs per member
 * (`/<bucket>/<prefix><path>`, percent-decoded), GETs of pad files, and everything else.
 */
function sortWebseedRequests(requests: readonly RecordedRequest[], bucket: string, prefix: string): WebseedRequests {
  const getsPerMember = new Map<string, number>();
  const other: string[] = [];
  let padGets = 0;
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
    const plainGet = request.method === 'GET' && !request.signed && query === undefined && member !== '';
    if (plainGet && /^\.pad\/\d+$/.test(member) && (request.status === 200 || request.status === 206)) {
      padGets += 1;
      continue;
    }
    if (!plainGet || ![200, 206, 302].includes(request.status)) {
      other.push(`${request.method} ${request.target} → ${request.status}${request.signed ? ' (signed)' : ''}`);
      continue;
    }
    getsPerMember.set(member, (getsPerMember.get(member) ?? 0) + 1);
  }
  return { getsPerMember: new Map([...getsPerMember].sort(([a], [b]) => (a < b ? -1 : 1))), padGets, other };
}

export { sortWebseedRequests };
export type { WebseedRequests };
