import { createServer } from 'node:net';
import { LISTEN_PORT_LOW, LOOPBACK_HOST, ephemeralPortLow, freeLoopbackPort, freeLoopbackPortIn } from '../../../src/local/ports.js';

// The local stack and the tests hand ports to child processes (RGW, DynamoDB Local, the built
// CLI), which bind them a moment later. A port from the ephemeral range can be taken in that
// moment by any outgoing connection on the machine; CI saw it (EADDRINUSE on the stack's API).

/** Listens on `port` on the loopback address and closes again; rejects if it cannot. */
async function listenOnce(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: LOOPBACK_HOST, port, exclusive: true }, resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}

describe('freeLoopbackPort', () => {
  it('hands out ports below the range the kernel gives to outgoing connections, and they can be listened on', async () => {
    const ephemeralLow = ephemeralPortLow();
    expect(ephemeralLow).toBeGreaterThan(LISTEN_PORT_LOW);
    for (let i = 0; i < 20; i += 1) {
      const port = await freeLoopbackPort();
      expect(port).toBeGreaterThanOrEqual(LISTEN_PORT_LOW);
      expect(port).toBeLessThan(ephemeralLow);
      await listenOnce(port);
    }
  });

  it('never hands out the same port twice in one process, even before the first is bound', async () => {
    const ports = await Promise.all(Array.from({ length: 200 }, async () => freeLoopbackPort()));
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('skips ports something already listens on', async () => {
    // Ten ports of the range, nine held by listeners: only the tenth may come back.
    const low = LISTEN_PORT_LOW + 7_000;
    const free = low + 4;
    const held = await Promise.all(Array.from({ length: 10 }, (_, i) => low + i).filter((port) => port !== free).map(async (port) => {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: LOOPBACK_HOST, port, exclusive: true }, resolve);
      });
      return server;
    }));
    try {
      expect(await freeLoopbackPortIn(low, low + 9)).toBe(free);
      // Handed out once, it is not handed out again; the rest are taken.
      expect(await freeLoopbackPortIn(low, low + 9)).toBeUndefined();
    } finally {
      await Promise.all(held.map(async (server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});
