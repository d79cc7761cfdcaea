import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { UtpPacketError } from './errors.js';
import { PacketType, decodePacket, encodeHeader } from './packet.js';
import type { UtpPacket } from './packet.js';
import { UtpSocket } from './UtpSocket.js';
import type { SendBudget, UtpTransport } from './UtpSocket.js';

/** How often connections check their retransmission timeouts (the shortest timeout is 500 ms). */
const TICK_MS = 50;

/**
 * Kernel buffers we ask for: a burst of a few hundred packets from many peers at once must not
 * overflow the default (~200 KiB) receive buffer; the kernel caps it at net.core.rmem_max.
 */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Connections answered (ST_STATE sent) whose peer has not sent its first DATA yet. They hold no
 * connection slot of the owner; this bounds what SYNs from spoofed addresses can make us keep.
 */
const MAX_HALF_OPEN = 1024;

/** A half-open connection whose peer sends no DATA by then is forgotten (libtorrent gives up on a SYN after 3 s). */
const HALF_OPEN_TIMEOUT_MS = 5000;

interface UtpEndpointOptions {
  /** Address to bind ('127.0.0.1', '::', ...). */
  readonly host: string;
  /** UDP port; 0 = any free one. */
  readonly port: number;
  readonly budget: SendBudget;
  /** A peer connected to us: its SYN was answered and its first DATA acknowledged our answer. */
  readonly onConnection: (socket: UtpSocket) => void;
  /** A datagram that is not uTP was dropped (counted for logs; a DHT query to the peer port, say). */
  readonly onDropped?: ((error: UtpPacketError) => void) | undefined;
}

/**
 * uTP (BEP 29) on one UDP socket: demultiplexes datagrams to connections by (address, port,
 * connection id), answers SYNs, resets packets for connections it does not know, and runs the
 * connections' timers.
 */
class UtpEndpoint implements UtpTransport {
  private readonly connections = new Map<string, UtpSocket>();
  /** Answered SYNs waiting for the peer's first DATA, and when they were answered. */
  private readonly halfOpen = new Map<UtpSocket, number>();
  private readonly timer: NodeJS.Timeout;

  private constructor(private readonly udp: UdpSocket, private readonly options: UtpEndpointOptions) {
    udp.on('message', (datagram, remote) => this.received(datagram, remote));
    // A send to a vanished peer can come back as ECONNREFUSED; the connection times out by itself.
    udp.on('error', () => undefined);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Binds the UDP socket. @throws the bind error (address in use, ...). */
  public static async bind(options: UtpEndpointOptions): Promise<UtpEndpoint> {
    const udp = createSocket({ type: options.host.includes(':') ? 'udp6' : 'udp4', ipv6Only: options.host.includes(':') });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: options.host, port: options.port, exclusive: true }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    try {
      udp.setRecvBufferSize(SOCKET_BUFFER_BYTES);
      udp.setSendBufferSize(SOCKET_BUFFER_BYTES);
    } catch {
      // The kernel's defaults still work, with more loss under bursts.
    }
    return new UtpEndpoint(udp, options);
  }

  public get port(): number {
    return this.udp.address().port;
  }

  public get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Connects out to a uTP peer (tests, and the client side of the protocol).
   * @returns the socket; it emits 'connect' once the peer answered the SYN.
   */
  public connect(address: string, port: number): UtpSocket {
    let receiveId = randomInt(0x10000);
    while (this.connections.has(key(address, port, receiveId))) receiveId = randomInt(0x10000);
    const socket = UtpSocket.connect({ transport: this, budget: this.options.budget, address, port, receiveId }, () => socket.emit('connect'));
    this.connections.set(key(address, port, receiveId), socket);
    return socket;
  }

  public send(parts: readonly Buffer[], port: number, address: string): void {
    this.udp.send(parts as Buffer[], port, address);
  }

  public forget(socket: UtpSocket): void {
    const id = key(socket.remoteAddress, socket.remotePort, socket.receiveId);
    if (this.connections.get(id) === socket) this.connections.delete(id);
    this.halfOpen.delete(socket);
  }

  public async close(): Promise<void> {
    clearInterval(this.timer);
    for (const socket of [...this.connections.values()]) socket.destroy();
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
  }

  private received(datagram: Buffer, remote: RemoteInfo): void {
    let packet: UtpPacket;
    try {
      packet = decodePacket(datagram);
    } catch (error) {
      if (error instanceof UtpPacketError) this.options.onDropped?.(error);
      return;
    }
    const existing = this.connections.get(key(remote.address, remote.port, packet.connectionId));
    if (existing !== undefined) {
      existing.receive(packet);
      return;
    }
    if (packet.type === PacketType.Syn) {
      this.syn(packet, remote);
      return;
    }
    // BEP 29: a packet for a connection we do not have is answered with a reset, so the peer
    // gives up at once instead of retrying (never a reset for a reset: no ping-pong).
    if (packet.type !== PacketType.Reset) this.reset(packet, remote);
  }

  private syn(packet: UtpPacket, remote: RemoteInfo): void {
    const answering = this.connections.get(key(remote.address, remote.port, (packet.connectionId + 1) & 0xffff));
    if (answering !== undefined) {
      answering.repeatedSyn();
      return;
    }
    if (this.halfOpen.size >= MAX_HALF_OPEN) {
      this.reset(packet, remote);
      return;
    }
    const socket = UtpSocket.accept({ transport: this, budget: this.options.budget, address: remote.address, port: remote.port }, packet, () => {
      this.halfOpen.delete(socket);
      // The owner may refuse it (limits) by destroying it at once.
      this.options.onConnection(socket);
    });
    this.connections.set(key(remote.address, remote.port, socket.receiveId), socket);
    this.halfOpen.set(socket, Date.now());
  }

  private reset(packet: UtpPacket, remote: RemoteInfo): void {
    const header = encodeHeader({
      type: PacketType.Reset,
      connectionId: packet.connectionId,
      timestamp: 0,
      timestampDifference: 0,
      windowSize: 0,
      seq: 0,
      ack: packet.seq,
    });
    this.udp.send(header, remote.port, remote.address);
  }

  private tick(): void {
    const now = Date.now();
    for (const [socket, answeredAt] of [...this.halfOpen]) if (now - answeredAt > HALF_OPEN_TIMEOUT_MS) socket.destroy();
    for (const socket of [...this.connections.values()]) socket.tick(now);
  }
}

function key(address: string, port: number, connectionId: number): string {
  return `${address}|${port}|${connectionId}`;
}

export { UtpEndpoint };
export type { UtpEndpointOptions };
