import { createConnection } from 'node:net';
import { PeerServer } from '../../../src/wire/index.js';
import { UtpEndpoint } from '../../../src/wire/utp/index.js';
import type { UtpSocket } from '../../../src/wire/utp/index.js';

const HOST = '127.0.0.1';
const noBudget = { take: (): void => undefined, release: (): void => undefined };

/** Resolves true once the socket closes, false if it is still open after `ms`. */
async function closesWithin(socket: { once(event: 'close', listener: () => void): unknown }, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('Class: PeerServer over uTP', () => {
  it('accepts uTP on the TCP port number and counts uTP and TCP connections against one per-address limit', async () => {
    // Prepare
    const server = await PeerServer.start({
      hosts: [HOST],
      port: 0,
      maxConnectionsPerIp: 2,
      resolve: async () => undefined,
      readFailed: () => undefined,
    });
    const client = await UtpEndpoint.bind({ host: HOST, port: 0, budget: noBudget, onConnection: (socket) => socket.destroy() });
    const sockets: UtpSocket[] = [];
    const tcp = createConnection({ host: HOST, port: server.listenPort });
    try {
      await new Promise<void>((resolve) => tcp.once('connect', () => resolve()));

      // Act: one TCP connection and two uTP ones from the same address, limit 2.
      for (let i = 0; i < 2; i += 1) {
        const socket = client.connect(HOST, server.listenPort);
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        // The seeder takes a uTP connection in once its peer sends data: a handshake's first byte.
        socket.write(Buffer.from([19]));
        sockets.push(socket);
      }
      const [first, second] = sockets as [UtpSocket, UtpSocket];

      // Assess: the first uTP connection fits, the second is hung up at once.
      expect(await closesWithin(second, 2000)).toBe(true);
      expect(await closesWithin(first, 300)).toBe(false);
      expect(server.connectionCount).toBe(2);
    } finally {
      tcp.destroy();
      for (const socket of sockets) socket.destroy();
      await client.close();
      await server.close();
    }
  });
});
