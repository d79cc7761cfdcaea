import { createServer } from 'node:net';

/** Every local emulator and server listens on the IPv4 loopback address only. */
const LOOPBACK_HOST = '127.0.0.1';

/**
 * A TCP port that is free on the loopback address right now: the kernel picks it for a
 * listener on port 0, which is then closed. Another process may take it before it is used, so
 * callers that cannot pass port 0 themselves (a child process) must still handle "in use".
 */
async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK_HOST, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether `port` can be bound on every interface, as a JVM server that takes no bind address
 * does: false when anything (on any address) already listens there.
 */
async function isPortFreeOnAllInterfaces(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The loopback addresses this machine has: 127.0.0.1, and ::1 unless IPv6 is off (some
 * containers have no IPv6 loopback).
 */
async function loopbackHosts(): Promise<string[]> {
  const hasIpv6 = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: '::1', port: 0 }, () => server.close(() => resolve(true)));
  });
  return hasIpv6 ? [LOOPBACK_HOST, '::1'] : [LOOPBACK_HOST];
}

export { LOOPBACK_HOST, freeLoopbackPort, isPortFreeOnAllInterfaces, loopbackHosts };
