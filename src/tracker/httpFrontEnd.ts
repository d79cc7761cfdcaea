import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseIp } from './addresses.js';
import { encodeAnnounce, encodeFailure, encodeScrape } from './httpReplies.js';
import { parseHttpRequest } from './parseHttpRequest.js';
import type { Tracker } from './Tracker.js';

/** A reply ready to send. */
interface HttpReply {
  readonly status: number;
  readonly body: Uint8Array;
}

async function answer(tracker: Tracker, req: IncomingMessage): Promise<HttpReply> {
  const request = parseHttpRequest(req.method, req.url);
  if (request.kind === 'invalid') return { status: request.status, body: encodeFailure(request.reason) };
  if (request.kind === 'scrape') {
    const result = await tracker.scrape(request.infoHashHexes);
    return { status: 200, body: result.ok ? encodeScrape(result.counts) : encodeFailure(result.reason) };
  }
  // The socket's address, never the request's `ip` parameter; a dual-stack socket's ::ffff:a.b.c.d is IPv4.
  const remote = parseIp(req.socket.remoteAddress ?? '');
  if (remote === undefined) return { status: 200, body: encodeFailure('cannot tell your address') };
  const result = await tracker.announce(request.announce, remote, 'both');
  return { status: 200, body: result.ok ? encodeAnnounce(result.reply, request.compact) : encodeFailure(result.reason) };
}

function send(res: ServerResponse, reply: HttpReply): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(reply.status, {
    'Content-Type': 'text/plain',
    'Content-Length': reply.body.length,
    // Anything but a tracker reply ends the connection: its sender is not a BitTorrent client.
    ...(reply.status === 200 ? {} : { Connection: 'close' }),
  });
  res.end(reply.body);
}

/** The `request` listener of the tracker's HTTP servers: `GET /announce` and `GET /scrape`, bencoded replies. */
function httpTrackerHandler(tracker: Tracker): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    answer(tracker, req).then(
      (reply) => send(res, reply),
      () => send(res, { status: 500, body: encodeFailure('internal tracker error') }),
    );
  };
}

export { httpTrackerHandler };
