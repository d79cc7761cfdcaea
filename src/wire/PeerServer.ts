import { randomBytes } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import type { Server } from 'node:net';
import { Choker } from './Choker.js';
import { normalizeAddress } from './addresses.js';
import { PeerConnection } from './PeerConnection.js';
import { PieceMessages } from './pieceMessages.js';
import type { PeerHost, PeerSocket } from './PeerConnection.js';
import { UtpEndpoint } from './utp/index.js';
import type { Swarm } from './Swarm.js';
import type { TorrentView } from './SwarmTorrent.js';

/** Defaults that keep one seeder alive under load; each is a PeerServerOptions field. */
const PeerServerDefaults = {
  /** Connections in total: each costs a socket and up to ~1 MiB of send buffer. */
  maxConnections: 1000,
  /** Per remote address: one host cannot take every slot (a NAT may hide several peers). */
  maxConnectionsPerIp: 32,
  /** Peers downloading at once; the rest wait their turn (round robin). */
  maxUnchoked: 64,
  /** A peer that has not completed its handshake by then is dropped. */
  handshakeTimeoutMs: 10_000,
  /** BEP 3 peers send keep-alives every two minutes; silence beyond that is a dead peer. */
  idleTimeoutMs: 150_000,
  keepAliveMs: 60_000,
  /** How often the choker rotates unchoked peers when others wait. */
  rotateMs: 10_000,
  /** Connect timeout of a connection we dial. */
  dialTimeoutMs: 5_000,
  /** Dials in progress at once: each holds a socket until it connects or times out. */
  maxPendingDials: 64,
  /**
   * Block bytes being read or waiting in socket buffers, all peers together: with the span
   * cache, what bounds the seeder's memory however many peers ask and however slowly they read.
   */
  maxBlockBytes: 128 * 1024 * 1024,
} as const;

/** Tries at a free port (port 0) whose UDP twin turns out to be taken. */
const FREE_PORT_ATTEMPTS = 5;

type PeerServerSettings = { -readonly [K in keyof typeof PeerServerDefaults]: number };

interface PeerServerOptions extends Partial<PeerServerSettings> {
  /** Addresses to listen on, e.g. ['127.0.0.1', '::1'] or ['0.0.0.0', '::']. */
  readonly hosts: readonly string[];
  /** 0 = any free port (the same on every host). */
  readonly port: number;
  readonly resolve: PeerHost['resolve'];
  readonly readFailed: PeerHost['readFailed'];
  /** Notified of every connection that closes (logging, metrics). */
  readonly onClose?: ((connection: PeerConnection, reason: string) => void) | undefined;
}

/**
 * Idle piece-message buffers kept for reuse (16 KiB each, 16 MiB in all): enough for the
 * messages of a busy tick to find buffers ready; the rest of a burst's buffers are left to the
 * garbage collector, so that memory after a burst is not pinned at the block budget.
 */
const MAX_IDLE_PIECE_MESSAGES = 1024;

/** Azureus-style peer id: `-S30100-` then 12 random bytes. */
function newPeerId(): Buffer {
  return Buffer.concat([Buffer.from('-S30100-', 'latin1'), randomBytes(12)]);
}

/**
 * The seeder's peer-wire listener and dialler: accepts peers on every host, dials leechers it
 * is told about, enforces the connection limits and timeouts, and runs the choker.
 */
class PeerServer implements PeerHost {
  public readonly peerId = newPeerId();
  public readonly choker: Choker<PeerConnection>;
  public readonly pieceMessages = new PieceMessages(MAX_IDLE_PIECE_MESSAGES);
  private readonly settings: PeerServerSettings;
  private readonly connections = new Set<PeerConnection>();
  private readonly perIp = new Map<string, number>();
  /** `ip|port|swarm` of dials in progress or connected, so a leecher is dialled once per swarm. */
  private readonly dialled = new Map<PeerConnection, string>();
  private readonly dialKeys = new Set<string>();
  /** Dials not yet connected, per address: they count against the address's limit too. */
  private readonly pendingDials = new Map<string, number>();
  private pendingDialCount = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private listenPortValue = 0;
  private blockBytes = 0;
  /** Connections that found the block budget spent, pumped again as bytes are released. */
  private readonly starved = new Set<PeerConnection>();

  /** uTP (BEP 29) on the same port number over UDP, one endpoint per host. */
  private readonly utp: UtpEndpoint[] = [];

  private constructor(private readonly servers: Server[], private readonly options: PeerServerOptions) {
    this.settings = { ...PeerServerDefaults };
    for (const key of Object.keys(PeerServerDefaults) as Array<keyof PeerServerSettings>) {
      const value = options[key];
      if (value !== undefined) this.settings[key] = value;
    }
    this.choker = new Choker<PeerConnection>(this.settings.maxUnchoked);
  }

  /**
   * Listens on every host, TCP and uTP (UDP) on the same port number.
   * @throws the listen error (address in use, ...).
   */
  public static async start(options: PeerServerOptions): Promise<PeerServer> {
    for (let attempt = 1; ; attempt += 1) {
      const server = new PeerServer([], options);
      try {
        await server.listen();
        server.startTimers();
        return server;
      } catch (error) {
        await server.close();
        // With port 0 the kernel picks a free TCP port; the same number may be taken on UDP.
        const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!taken || options.port !== 0 || attempt >= FREE_PORT_ATTEMPTS) throw error;
      }
    }
  }

  private async listen(): Promise<void> {
    let port = this.options.port;
    for (const host of this.options.hosts) {
      const listener = createServer({ pauseOnConnect: false }, (socket) => this.accept(socket));
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen({ host, port, ipv6Only: host.includes(':') }, () => {
          listener.off('error', reject);
          resolve();
        });
      });
      const address = listener.address();
      if (typeof address === 'object' && address !== null) port = address.port;
      this.servers.push(listener);
      // libtorrent (and qBittorrent, Deluge) try uTP first: with nothing on UDP at this port
      // every connection would wait for that attempt to time out before trying TCP.
      this.utp.push(await UtpEndpoint.bind({
        host,
        port,
        budget: { take: (bytes) => this.takeBlockBytes(bytes), release: (bytes) => this.releaseBlockBytes(bytes) },
        onConnection: (socket) => this.accept(socket),
      }));
    }
    this.listenPortValue = port;
  }

  public get listenPort(): number {
    return this.listenPortValue;
  }

  public get connectionCount(): number {
    return this.connections.size;
  }

  public resolve(infoHash: Buffer): ReturnType<PeerHost['resolve']> {
    return this.options.resolve(infoHash);
  }

  public readFailed(swarm: Swarm, error: unknown): void {
    this.options.readFailed(swarm, error);
  }

  public reserveBlockBytes(connection: PeerConnection, bytes: number): boolean {
    if (this.blockBytes + bytes > this.settings.maxBlockBytes) {
      this.starved.add(connection);
      return false;
    }
    this.blockBytes += bytes;
    return true;
  }

  /** Counts bytes held in a uTP send buffer (our heap, not the kernel's) without refusing them. */
  private takeBlockBytes(bytes: number): void {
    this.blockBytes += bytes;
  }

  public releaseBlockBytes(bytes: number): void {
    this.blockBytes -= bytes;
    if (this.starved.size === 0) return;
    // Those that still find the budget spent add themselves again, for the next release.
    const waiting = [...this.starved];
    this.starved.clear();
    for (const connection of waiting) connection.pump();
  }

  /** Block bytes reserved right now (being read or waiting in socket buffers). */
  public get blockBytesInFlight(): number {
    return this.blockBytes;
  }

  public closed(connection: PeerConnection, reason: string): void {
    this.starved.delete(connection);
    if (!this.connections.delete(connection)) return;
    const count = (this.perIp.get(connection.remoteAddress) ?? 1) - 1;
    if (count <= 0) this.perIp.delete(connection.remoteAddress);
    else this.perIp.set(connection.remoteAddress, count);
    const key = this.dialled.get(connection);
    if (key !== undefined) {
      this.dialled.delete(connection);
      this.dialKeys.delete(key);
    }
    this.options.onClose?.(connection, reason);
  }

  /**
   * Connects out to a leecher that announced itself (some clients only download when the
   * seeder dials them). Skipped when it is connected already or a limit is reached.
   */
  public dial(ip: string, port: number, swarm: Swarm, view: TorrentView): void {
    // One dial per peer and swarm: a hybrid client announces both infohashes, and a second
    // connection to it would only be closed again as a duplicate peer id.
    const key = `${ip}|${port}|${swarm.torrent.id}`;
    if (this.dialKeys.has(key) || !this.hasRoomFor(ip, this.pendingDials.get(ip) ?? 0)) return;
    if (this.pendingDialCount >= this.settings.maxPendingDials) return;
    for (const connection of this.connections) {
      if (connection.remoteAddress === ip && connection.peerListenPort === port && connection.servedSwarm === swarm) return;
    }
    this.dialKeys.add(key);
    this.pendingDialCount += 1;
    this.pendingDials.set(ip, (this.pendingDials.get(ip) ?? 0) + 1);
    let pending = true;
    const settle = (): void => {
      if (!pending) return;
      pending = false;
      this.pendingDialCount -= 1;
      const left = (this.pendingDials.get(ip) ?? 1) - 1;
      if (left <= 0) this.pendingDials.delete(ip);
      else this.pendingDials.set(ip, left);
    };
    const socket = createConnection({ host: ip, port, timeout: this.settings.dialTimeoutMs });
    const failed = (): void => {
      settle();
      this.dialKeys.delete(key);
      socket.destroy();
    };
    socket.once('timeout', failed);
    socket.once('error', failed);
    socket.once('connect', () => {
      settle();
      socket.off('error', failed);
      socket.off('timeout', failed);
      socket.setTimeout(0);
      const connection = this.admit(socket, { swarm, view });
      if (connection === undefined) this.dialKeys.delete(key);
      else {
        connection.peerListenPort = port;
        this.dialled.set(connection, key);
      }
    });
  }

  public async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const connection of [...this.connections]) connection.close('seeder stopping');
    await Promise.all([
      ...this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      ...this.utp.map((endpoint) => endpoint.close()),
    ]);
  }

  private accept(socket: PeerSocket): void {
    this.admit(socket, undefined);
  }

  private hasRoomFor(ip: string, alsoPending = 0): boolean {
    return this.connections.size + this.pendingDialCount < this.settings.maxConnections
      && (this.perIp.get(ip) ?? 0) + alsoPending < this.settings.maxConnectionsPerIp;
  }

  private admit(socket: PeerSocket, outgoing: { swarm: Swarm; view: TorrentView } | undefined): PeerConnection | undefined {
    const ip = normalizeAddress(socket.remoteAddress ?? '');
    if (!this.hasRoomFor(ip)) {
      socket.destroy();
      return undefined;
    }
    const connection = new PeerConnection(socket, this, outgoing);
    this.connections.add(connection);
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    return connection;
  }

  private startTimers(): void {
    const sweep = setInterval(() => this.sweep(), 1000);
    const rotate = setInterval(() => this.choker.rotate(), this.settings.rotateMs);
    sweep.unref();
    rotate.unref();
    this.timers.push(sweep, rotate);
  }

  /** Drops peers stuck in the handshake or silent too long; keeps quiet peers' links alive. */
  private sweep(): void {
    const now = Date.now();
    for (const connection of [...this.connections]) {
      if (connection.handshaking && now - connection.connectedAt > this.settings.handshakeTimeoutMs) {
        connection.close('handshake timed out');
      } else if (now - connection.lastReceivedAt > this.settings.idleTimeoutMs) {
        connection.close('idle');
      } else if (now - connection.lastSentAt > this.settings.keepAliveMs) {
        connection.sendKeepAlive();
      }
    }
  }
}

export { PeerServer, PeerServerDefaults };
export type { PeerServerOptions };
