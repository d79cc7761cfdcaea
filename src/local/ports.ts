import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Every local emulator and server listens on the IPv4 loopback address only. */
const LOOPBACK_HOST = '127.0.0.1';

/**
 * Where listening ports are picked from: below the kernel's ephemeral range, so that no outgoing
 * connection can take a port between the check and the listen. A port picked from the ephemeral
 * range (what port 0 gives) is also what the kernel hands out as the source port of the next
 * connect(), and a suite making thousands of requests took one that way (EADDRINUSE in CI).
 * 20000 stays clear of the ports common servers default to (3000–9999).
 */
const LISTEN_PORT_LOW = 20_000;

/** Where Linux starts its ephemeral range by default, for when /proc cannot be read. */
const DEFAULT_EPHEMERAL_LOW = 32_768;

/** Tries before giving up on the range below the ephemeral one and letting the kernel pick. */
const MAX_PICK_ATTEMPTS = 200;

/** The lowest port the kernel gives to outgoing connections (Linux: ip_local_port_range), read once. */
let ephemeralLow: number | undefined;

function ephemeralPortLow(): number {
  if (ephemeralLow === undefined) {
    try {
      const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
      ephemeralLow = Number.isInteger(low) && low > 0 ? low : DEFAULT_EPHEMERAL_LOW;
    } catch {
      ephemeralLow = DEFAULT_EPHEMERAL_LOW;
    }
  }
  return ephemeralLow;
}

/** Ports this process has handed out: picking at random, a second call could otherwise repeat one not yet bound. */
const handedOut = new Set<number>();

/** Binds `port` (0: the kernel picks) on the loopback address and closes it; the port, or undefined if taken. */
async function tryLoopbackPort(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error)));
    server.listen({ host: LOOPBACK_HOST, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A TCP port that is free on the loopback address right now, picked at random below the kernel's
 * ephemeral range (see LISTEN_PORT_LOW) and never the same twice in one process. Another process
 * may still take it before it is used, so callers that cannot pass port 0 themselves (a child
 * process) must still handle "in use".
 */
async function freeLoopbackPort(): Promise<number> {
  const high = ephemeralPortLow() - 1;
  const picked = (high > LISTEN_PORT_LOW ? await freeLoopbackPortIn(LISTEN_PORT_LOW, high) : undefined)
    // A kernel whose ephemeral range starts low (or a crowded range): the kernel's own pick.
    ?? (await pickLoopbackPort(() => 0));
  if (picked === undefined) throw new Error('no free TCP port on the loopback address');
  return picked;
}

/** A free loopback port from `low`–`high` (inclusive) not yet handed out, tried at random; undefined after MAX_PICK_ATTEMPTS. */
async function freeLoopbackPortIn(low: number, high: number): Promise<number | undefined> {
  return pickLoopbackPort(() => low + randomInt(high - low + 1));
}

/**
 * Binds candidates from `next` (0: the kernel picks) until one is free and not yet handed out,
 * and hands it out; undefined after MAX_PICK_ATTEMPTS.
 */
async function pickLoopbackPort(next: () => number): Promise<number | undefined> {
  for (let attempt = 0; attempt < MAX_PICK_ATTEMPTS; attempt += 1) {
    const candidate = next();
    if (handedOut.has(candidate)) continue;
    const port = await tryLoopbackPort(candidate);
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  return undefined;
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

export { LISTEN_PORT_LOW, LOOPBACK_HOST, ephemeralPortLow, freeLoopbackPort, freeLoopbackPortIn, isPortFreeOnAllInterfaces, loopbackHosts };
