import type { RemoteInfo, Socket } from 'node:dgram';
import { parseIp } from './addresses.js';
import type { ConnectionIds } from './ConnectionIds.js';
import { MAX_PENDING_UDP_REQUESTS, MAX_UDP_REPLY_BYTES } from './constants.js';
import type { AnnounceResult, Tracker } from './Tracker.js';
import { ANNOUNCE_REPLY_HEAD_BYTES, encodeAnnounceReply, encodeConnectReply, encodeErrorReply, encodeScrapeReply, parseUdpRequest } from './udpCodec.js';
import type { UdpScrape } from './udpCodec.js';

/** The error sent for a connection id we did not issue to this address lately (the client then reconnects). */
const BAD_CONNECTION_ID = 'connection id expired or invalid';

/** Peers that fit one unfragmented announce reply: 238 IPv4 or 79 IPv6. */
const MAX_UDP_PEERS = { 4: Math.floor((MAX_UDP_REPLY_BYTES - ANNOUNCE_REPLY_HEAD_BYTES) / 6), 6: Math.floor((MAX_UDP_REPLY_BYTES - ANNOUNCE_REPLY_HEAD_BYTES) / 18) } as const;

const ignore = (): void => undefined;

/**
 * The BEP 15 side of the tracker, shared by every UDP socket. A datagram never makes it throw:
 * garbage is dropped, bad requests with a valid connection id get an error reply.
 */
class UdpFrontEnd {
  /** Requests waiting on the registry; bounded so a flood cannot queue without end. */
  private pending = 0;

  public constructor(
    private readonly tracker: Tracker,
    private readonly ids: ConnectionIds,
  ) {}

  /** The socket's `message` listener. */
  public handle(socket: Socket, packet: Buffer, rinfo: RemoteInfo): void {
    try {
      this.dispatch(socket, packet, rinfo);
    } catch {
      // Every read is length-checked; this only guards against a socket closed under us.
    }
  }

  private dispatch(socket: Socket, packet: Buffer, rinfo: RemoteInfo): void {
    const request = parseUdpRequest(packet);
    if (request.kind === 'ignored') return;
    const remote = parseIp(rinfo.address);
    if (remote === undefined) return;
    if (request.kind === 'connect') {
      send(socket, encodeConnectReply(request.transactionId, this.ids.issue(remote.bytes)), rinfo);
      return;
    }
    // Checked before anything else is said: an address that never got our connect reply (a
    // spoofed source) learns nothing and gets nothing bigger than what it sent.
    if (!this.ids.verify(request.connectionId, remote.bytes)) {
      send(socket, encodeErrorReply(request.transactionId, BAD_CONNECTION_ID), rinfo);
      return;
    }
    if (request.kind === 'invalid') {
      send(socket, encodeErrorReply(request.transactionId, request.reason), rinfo);
      return;
    }
    if (this.pending >= MAX_PENDING_UDP_REQUESTS) return;
    if (request.kind === 'announce') {
      // BEP 15: a request over IPv4 gets 6-byte peers, over IPv6 18-byte ones; an IPv4 client on a
      // dual-stack socket (::ffff:a.b.c.d) is IPv4.
      const result = this.tracker.announce(request.announce, remote, remote.family, MAX_UDP_PEERS[remote.family]);
      // The usual case: the torrent's verdict is known, the reply goes out in this same turn.
      if (!(result instanceof Promise)) {
        send(socket, encodeAnnounce(request.transactionId, remote.family, result), rinfo);
        return;
      }
      this.later(socket, rinfo, result.then((settled) => encodeAnnounce(request.transactionId, remote.family, settled)));
      return;
    }
    this.later(socket, rinfo, this.scrape(request));
  }

  /** Sends the answer when it comes, counting it as pending until then. */
  private later(socket: Socket, rinfo: RemoteInfo, answer: Promise<Buffer>): void {
    this.pending += 1;
    answer.then((data) => send(socket, data, rinfo), ignore).finally(() => {
      this.pending -= 1;
    });
  }

  private async scrape(request: UdpScrape): Promise<Buffer> {
    const result = await this.tracker.scrape(request.infoHashHexes);
    if (!result.ok) return encodeErrorReply(request.transactionId, result.reason);
    // The reply is positional: a torrent we do not serve reads as all zeros.
    const zero = { complete: 0, downloaded: 0, incomplete: 0 };
    return encodeScrapeReply(request.transactionId, request.infoHashHexes.map((hex) => result.counts.get(hex) ?? zero));
  }
}

function encodeAnnounce(transactionId: number, family: 4 | 6, result: AnnounceResult): Buffer {
  if (!result.ok) return encodeErrorReply(transactionId, result.reason);
  const { reply } = result;
  return encodeAnnounceReply(transactionId, reply.intervalSeconds, reply.incomplete, reply.complete, family === 4 ? reply.peers4 : reply.peers6);
}

/** No callback: a failed send is reported as the socket's 'error', which is ignored. */
function send(socket: Socket, data: Buffer, rinfo: RemoteInfo): void {
  // An answer that arrives after close() has nowhere to go; send would throw.
  try {
    socket.send(data, rinfo.port, rinfo.address);
  } catch {
    // the tracker is closing
  }
}

export { BAD_CONNECTION_ID, UdpFrontEnd };
