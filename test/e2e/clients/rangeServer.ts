import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';

/** A running webseed server. */
interface RunningRangeServer {
  /** URL of the file: a BEP 19 url-list entry for a single-file torrent. */
  readonly url: string;
  /**
   * Requests served so far, optionally only those whose User-Agent contains `agent`
   * (case-insensitive): proves which client used the webseed.
   */
  requests(agent?: string): number;
  stop(): Promise<void>;
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` against `size`; undefined when unsatisfiable. */
function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  const start = first === '' ? Math.max(0, size - Number(last)) : Number(first);
  const end = first === '' || last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return start <= end && start < size ? { start, end } : undefined;
}

/**
 * Serves one file at `http://127.0.0.1:P/<name>` with single-range `Range` support (206, 416),
 * which every client needs from a webseed (python's http.server has none). Multi-range
 * requests are answered with the whole file, which HTTP allows.
 */
async function startRangeServer(file: string): Promise<RunningRangeServer> {
  const name = basename(file);
  const { size } = await stat(file);
  const agents: string[] = [];
  const server = createServer((request, response) => {
    agents.push((request.headers['user-agent'] ?? '').toLowerCase());
    if (decodeURIComponent(request.url ?? '') !== `/${name}`) {
      response.writeHead(404).end();
      return;
    }
    const header = request.headers.range;
    const range = header === undefined || header.includes(',') ? { start: 0, end: size - 1 } : parseRange(header, size);
    if (range === undefined) {
      response.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    const partial = header !== undefined && !header.includes(',');
    response.writeHead(partial ? 206 : 200, {
      'accept-ranges': 'bytes',
      'content-length': String(range.end - range.start + 1),
      'content-type': 'application/octet-stream',
      ...(partial ? { 'content-range': `bytes ${range.start}-${range.end}/${size}` } : {}),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file, { start: range.start, end: range.end }).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    requests: (agent) => agents.filter((seen) => agent === undefined || seen.includes(agent.toLowerCase())).length,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export { startRangeServer };
export type { RunningRangeServer };
