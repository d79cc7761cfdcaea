import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
import type { Duplex } from 'node:stream';
import { HTTP_HEADERS_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS, MAX_BIND_ATTEMPTS, MAX_HTTP_CONNECTIONS, MAX_HTTP_HEADER_BYTES, UDP_SOCKET_BUFFER_BYTES } from './constants.js';
import { TrackerBindError } from './errors.js';

/** What every socket hands its traffic to. */
interface ListenHandlers {
  readonly request: (req: IncomingMessage, res: ServerResponse) => void;
  readonly message: (socket: Socket, packet: Buffer, rinfo: RemoteInfo) => void;
}

/** HTTP servers and UDP sockets on every host, all on one port. */
interface Listeners {
  readonly port: number;
  readonly http: readonly Server[];
  readonly udp: readonly Socket[];
}

/** Thrown inside the bind loop when the port is taken, so port 0 can try another. */
class PortTaken extends TrackerBindError {}

function bindFailure(host: string, port: number, error: unknown): TrackerBindError {
  const code = (error as NodeJS.ErrnoException).code;
  const problem = error instanceof Error ? error.message : String(error);
  return code === 'EADDRINUSE' ? new PortTaken(host, port, problem, { cause: error }) : new TrackerBindError(host, port, problem, { cause: error });
}

/** Answers what Node's HTTP parser rejects (garbage, an oversized head) and hangs up. */
function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (socket.writable && error.code !== 'ECONNRESET') {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroy();
}

async function listenHttp(host: string, port: number, handlers: ListenHandlers): Promise<Server> {
  const server = createServer(
    { maxHeaderSize: MAX_HTTP_HEADER_BYTES, headersTimeout: HTTP_HEADERS_TIMEOUT_MS, requestTimeout: HTTP_HEADERS_TIMEOUT_MS, keepAliveTimeout: HTTP_KEEP_ALIVE_TIMEOUT_MS },
    handlers.request,
  );
  server.maxConnections = MAX_HTTP_CONNECTIONS;
  server.on('clientError', onClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(bindFailure(host, port, error)));
    // ipv6Only: `::` must not also take the IPv4 port, which another host entry may want.
    server.listen({ host, port, exclusive: true, ipv6Only: isIPv6(host) }, resolve);
  });
  server.on('error', () => undefined);
  return server;
}

async function bindUdp(host: string, port: number, handlers: ListenHandlers): Promise<Socket> {
  const socket = createSocket({
    type: isIPv6(host) ? 'udp6' : 'udp4',
    ipv6Only: isIPv6(host),
    recvBufferSize: UDP_SOCKET_BUFFER_BYTES,
    sendBufferSize: UDP_SOCKET_BUFFER_BYTES,
    // Replies go to the address a request came from, always an IP literal: answering the
    // "lookup" at once spares every reply dns.lookup's deferred callback (and isIPv6's regex).
    lookup: (address, _options, callback) => callback(null, address, address.includes(':') ? 6 : 4),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error) => reject(bindFailure(host, port, error)));
    socket.bind({ address: host, port, exclusive: true }, resolve);
  });
  // A send to a vanished peer reports an error here; it must not end the process.
  socket.on('error', () => undefined);
  socket.on('message', (packet, rinfo) => handlers.message(socket, packet, rinfo));
  return socket;
}

async function closeAll(http: readonly Server[], udp: readonly Socket[]): Promise<void> {
  await Promise.all([
    ...http.map(
      async (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
    ...udp.map(async (socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
  ]);
}

/** One attempt: TCP then UDP on every host, on `port` (0: the first host's TCP listener picks). */
async function listenOnce(hosts: readonly string[], port: number, handlers: ListenHandlers): Promise<Listeners> {
  const http: Server[] = [];
  const udp: Socket[] = [];
  let chosen = port;
  try {
    for (const host of hosts) {
      const server = await listenHttp(host, chosen, handlers);
      http.push(server);
      const address = server.address();
      if (chosen === 0 && typeof address === 'object' && address !== null) chosen = address.port;
      udp.push(await bindUdp(host, chosen, handlers));
    }
    return { port: chosen, http, udp };
  } catch (error) {
    await closeAll(http, udp);
    throw error;
  }
}

/**
 * Listens for HTTP and UDP on every host on one port number. For port 0 the kernel picks a TCP
 * port on the first host; if that number is taken elsewhere (UDP, another host) it tries again.
 *
 * @throws TrackerBindError when a host cannot be bound, or no common free port was found.
 */
async function listenAll(hosts: readonly string[], port: number, handlers: ListenHandlers): Promise<Listeners> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await listenOnce(hosts, port, handlers);
    } catch (error) {
      if (!(error instanceof PortTaken) || port !== 0 || attempt >= MAX_BIND_ATTEMPTS) {
        if (error instanceof PortTaken && port === 0) throw new TrackerBindError(error.host, 0, `no port free on every host after ${attempt} attempts`, { cause: error });
        throw error;
      }
    }
  }
}

export { closeAll, listenAll };
export type { ListenHandlers, Listeners };
