import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Duplex } from 'node:stream';
import { CongestionControl } from './CongestionControl.js';
import { UtpConnectionError } from './errors.js';
import { HEADER_LENGTH, MAX_SELECTIVE_ACK_BYTES, PacketType, encodeHeader, seqDistance } from './packet.js';
import type { UtpPacket } from './packet.js';

/**
 * Whole datagram we send, header included: fits a 1500-byte Ethernet MTU under IPv6 + UDP
 * headers and a selective ack, so nothing is fragmented on the way (libutp sends the same size).
 */
const PACKET_SIZE = 1400;
const PAYLOAD_SIZE = PACKET_SIZE - HEADER_LENGTH;

/**
 * Bytes a connection holds unsent or unacknowledged: the uTP counterpart of a TCP socket's
 * kernel send buffer, and the largest window. 1 MiB keeps ~10 MB/s per peer at 100 ms RTT.
 */
const SEND_BUFFER_BYTES = 1024 * 1024;

/**
 * Receive window we advertise. A seeder receives requests and small extension messages only;
 * a peer that sends past it (or while the reader is paused) has its packets dropped unacked.
 */
const RECEIVE_WINDOW_BYTES = 1024 * 1024;

/** Out-of-order packets we keep: more than a window's worth ahead is dropped (the peer resends). */
const MAX_REORDER_PACKETS = 1024;

/** Packets past a hole that make it count as lost (BEP 29 / libutp: three duplicate acks). */
const DUPLICATE_ACKS_FOR_LOSS = 3;

/** Timeouts in a row before the peer is given up (with backoff: about 20 s of silence). */
const MAX_CONSECUTIVE_TIMEOUTS = 6;

/** Most packets in flight: sequence numbers are 16 bits, and a selective ack spans 256 of them. */
const MAX_PACKETS_IN_FLIGHT = Math.floor(SEND_BUFFER_BYTES / PAYLOAD_SIZE) + 2;

/** Microseconds on a clock that wraps at 2^32, as uTP timestamps are. */
function nowMicros(): number {
  return Math.floor(performance.now() * 1000) >>> 0;
}

/** What a connection needs from the UDP endpoint that owns it. */
interface UtpTransport {
  send(parts: readonly Buffer[], port: number, address: string): void;
  forget(socket: UtpSocket): void;
}

/**
 * The seeder's memory budget for block bytes. A TCP socket's send buffer lives in the kernel; a
 * uTP connection's lives in our heap, so its bytes are counted there from the moment they are
 * written until the peer acknowledges them: new block reads wait while uTP buffers are full.
 * Counting never refuses (the bytes written were already reserved by the reader, and refusing
 * them here could leave every reservation waiting on every other); each connection's own
 * SEND_BUFFER_BYTES is what holds its writer back.
 */
interface SendBudget {
  take(bytes: number): void;
  release(bytes: number): void;
}

interface OutgoingPacket {
  readonly seq: number;
  readonly type: PacketType;
  readonly payload: Buffer;
  sentAt: number;
  transmissions: number;
  /** Acknowledged by a selective ack while an earlier packet is still missing. */
  acked: boolean;
  /** Counted lost (timeout or selective acks past it): sent again before any new data. */
  lost: boolean;
  /** Sent again already because of selective acks: only a timeout sends it once more. */
  fastResent: boolean;
}

/** Counted in bytesInFlight: sent, and neither acknowledged nor given up as lost. */
function inFlight(packet: OutgoingPacket): boolean {
  return packet.transmissions > 0 && !packet.acked && !packet.lost;
}

type State = 'syn-sent' | 'connected' | 'closed';

interface UtpSocketInit {
  readonly transport: UtpTransport;
  readonly budget: SendBudget;
  readonly address: string;
  readonly port: number;
  /** connection_id on the packets the peer sends us. */
  readonly receiveId: number;
  /** connection_id on the packets we send. */
  readonly sendId: number;
}

/**
 * One uTP connection (BEP 29) as a Node stream, so the peer wire runs on it exactly as on a TCP
 * socket: in-order delivery, selective acks, fast retransmit and timeouts, LEDBAT congestion
 * control, and send-buffer back-pressure through `write()`'s callbacks and `'drain'`.
 */
class UtpSocket extends Duplex {
  public readonly remoteAddress: string;
  public readonly remotePort: number;
  public readonly receiveId: number;
  private readonly sendId: number;
  private readonly transport: UtpTransport;
  private readonly budget: SendBudget;
  private state: State = 'connected';
  private readonly control = new CongestionControl(PAYLOAD_SIZE, SEND_BUFFER_BYTES);
  /** Next sequence number we send. */
  private seq = randomInt(0x10000);
  /** Last sequence number received in order from the peer. */
  private ack = 0;
  /** Their send clock minus ours, on their last packet: what we report as timestamp_difference. */
  private replyDelay = 0;
  private peerWindow = RECEIVE_WINDOW_BYTES;
  /** Sent and not yet cumulatively acknowledged, in sequence order (seq, seq+1, ...). */
  private readonly outgoing: OutgoingPacket[] = [];
  private bytesInFlight = 0;
  private readonly unsent: Buffer[] = [];
  private unsentBytes = 0;
  /** Bytes reserved from the budget: unsent plus unacknowledged payload. */
  private bufferedBytes = 0;
  private blockedWrite: { readonly data: Buffer; readonly callback: (error?: Error | null) => void } | undefined;
  private readonly reorder = new Map<number, Buffer>();
  private peerFinSeq: number | undefined;
  private ackDue = false;
  private flushScheduled = false;
  private lastProgressAt = Date.now();
  private consecutiveTimeouts = 0;
  /** Sequence number sent last when we last halved the window: one halving per window of losses. */
  private lossRecoveryUntil: number | undefined;
  private onConnect: (() => void) | undefined;
  /**
   * Answering side: set until the peer's first DATA acknowledges our random sequence number,
   * proof that the SYN came from the address it names (a spoofed SYN never sees our ST_STATE).
   */
  private onEstablished: (() => void) | undefined;

  private constructor(init: UtpSocketInit) {
    super({ allowHalfOpen: false });
    this.transport = init.transport;
    this.budget = init.budget;
    this.remoteAddress = init.address;
    this.remotePort = init.port;
    this.receiveId = init.receiveId;
    this.sendId = init.sendId;
  }

  /**
   * The answering side: a SYN arrived; we acknowledge it at once (ST_STATE). `established` runs
   * when the peer's first DATA acknowledges that ST_STATE; nothing it sends counts before.
   */
  public static accept(init: Omit<UtpSocketInit, 'receiveId' | 'sendId'>, syn: UtpPacket, established: () => void): UtpSocket {
    const socket = new UtpSocket({ ...init, receiveId: (syn.connectionId + 1) & 0xffff, sendId: syn.connectionId });
    socket.onEstablished = established;
    socket.ack = syn.seq;
    socket.noteArrival(syn);
    socket.sendState();
    return socket;
  }

  /** The calling side: sends a SYN; `connected` runs on the peer's ST_STATE. */
  public static connect(init: Omit<UtpSocketInit, 'sendId'>, connected: () => void): UtpSocket {
    const socket = new UtpSocket({ ...init, sendId: (init.receiveId + 1) & 0xffff });
    socket.state = 'syn-sent';
    socket.onConnect = connected;
    socket.queuePacket(PacketType.Syn, Buffer.alloc(0));
    socket.transmit(socket.outgoing[0] as OutgoingPacket);
    return socket;
  }

  /** TCP's Nagle switch; uTP here always sends at once (writes in one tick share packets anyway). */
  public setNoDelay(): this {
    return this;
  }

  /** Bytes the congestion controller lets into flight now. */
  public get congestionWindow(): number {
    return this.control.window;
  }

  /** The peer sent the same SYN again (our ST_STATE was lost): answer it again. */
  public repeatedSyn(): void {
    if (this.state === 'connected') this.sendState();
  }

  /** A packet for this connection, from the endpoint. */
  public receive(packet: UtpPacket): void {
    if (this.state === 'closed') return;
    if (packet.type === PacketType.Reset) {
      this.destroy(new UtpConnectionError('connection reset by peer'));
      return;
    }
    if (this.onEstablished !== undefined) {
      // The peer acknowledges the sequence number before the first one we will send.
      if (packet.type !== PacketType.Data || packet.ack !== ((this.seq - 1) & 0xffff)) return;
      const established = this.onEstablished;
      this.onEstablished = undefined;
      established();
    }
    this.noteArrival(packet);
    if (this.state === 'syn-sent') {
      if (packet.type !== PacketType.State) return;
      // The peer's next data packet carries packet.seq: everything before it counts as received.
      this.ack = (packet.seq - 1) & 0xffff;
      this.state = 'connected';
      this.onConnect?.();
    }
    this.acknowledged(packet);
    if (packet.type === PacketType.Data || packet.type === PacketType.Fin) this.arrived(packet);
    if (this.destroyed) return;
    this.flush();
  }

  /** Retransmission timer, called by the endpoint a few times a second. */
  public tick(now: number): void {
    if (this.state === 'closed') return;
    const oldest = this.outgoing[0];
    const waiting = oldest !== undefined && oldest.transmissions > 0;
    // A zero window is probed the same way: after a timeout one packet goes anyway.
    const stalled = waiting || (this.unsentBytes > 0 && this.bytesInFlight === 0);
    if (!stalled || now - this.lastProgressAt < this.control.timeout) return;
    this.consecutiveTimeouts += 1;
    if (this.consecutiveTimeouts > MAX_CONSECUTIVE_TIMEOUTS) {
      this.destroy(new UtpConnectionError(`no acknowledgement after ${MAX_CONSECUTIVE_TIMEOUTS} timeouts`));
      return;
    }
    this.control.timedOut();
    this.lastProgressAt = now;
    for (const packet of this.outgoing) if (inFlight(packet)) this.markLost(packet);
    this.flush(true);
  }

  public override _read(): void {
    // Data is pushed as it arrives; the advertised window is what holds a fast sender back.
  }

  /**
   * A write is done (its callback runs) once its bytes are in our send buffer, where they stay
   * until acknowledged: so they are copied there, as a TCP socket's kernel copies them. The
   * writer may reuse its buffer from then on, and the seeder does (src/wire/pieceMessages.ts):
   * packets cut from it would otherwise go out, or be resent, with the next message's bytes.
   */
  public override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.accept(Buffer.from(chunk), callback);
  }

  public override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    // Buffer.concat copies, even a single chunk.
    this.accept(Buffer.concat(chunks.map((entry) => entry.chunk)), callback);
  }

  public override _final(callback: (error?: Error | null) => void): void {
    this.sendFin();
    callback();
  }

  public override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.state === 'connected' && !(error instanceof UtpConnectionError)) this.sendFin();
    this.state = 'closed';
    this.budget.release(this.bufferedBytes);
    this.bufferedBytes = 0;
    this.outgoing.length = 0;
    this.unsent.length = 0;
    this.unsentBytes = 0;
    this.reorder.clear();
    const blocked = this.blockedWrite;
    this.blockedWrite = undefined;
    this.transport.forget(this);
    blocked?.callback(error ?? new UtpConnectionError('connection closed'));
    callback(error);
  }

  /** Acknowledgements freed room in the send buffer: take in a write that was waiting for it. */
  private pump(): void {
    const blocked = this.blockedWrite;
    if (blocked === undefined || this.state === 'closed') return;
    this.blockedWrite = undefined;
    this.accept(blocked.data, blocked.callback);
  }

  /** Takes written bytes into the send buffer, or holds the write until there is room. */
  private accept(data: Buffer, callback: (error?: Error | null) => void): void {
    if (this.state === 'closed') {
      callback(new UtpConnectionError('connection closed'));
      return;
    }
    if (this.bufferedBytes > 0 && this.bufferedBytes + data.length > SEND_BUFFER_BYTES) {
      this.blockedWrite = { data, callback };
      return;
    }
    this.budget.take(data.length);
    this.bufferedBytes += data.length;
    this.unsent.push(data);
    this.unsentBytes += data.length;
    this.scheduleFlush();
    callback();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Everything written in one tick (a piece header and its block) shares packets.
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private noteArrival(packet: UtpPacket): void {
    this.replyDelay = (nowMicros() - packet.timestamp) >>> 0;
    this.peerWindow = packet.windowSize;
  }

  /** The peer's cumulative and selective acks: frees acknowledged packets, detects losses. */
  private acknowledged(packet: UtpPacket): void {
    const oldest = this.outgoing[0];
    // An ack for something we never sent is ignored (a stale or forged packet).
    if (oldest === undefined || seqDistance(packet.ack, (this.seq - 1) & 0xffff) < 0) return;
    const now = Date.now();
    let bytes = 0;
    let rtt: number | undefined;
    let advanced = false;
    while (this.outgoing.length > 0 && seqDistance((this.outgoing[0] as OutgoingPacket).seq, packet.ack) >= 0) {
      const done = this.outgoing.shift() as OutgoingPacket;
      advanced = true;
      if (done.acked) continue;
      // Karn: a round trip only from a packet sent once, and acknowledged by this very packet.
      if (done.transmissions === 1) rtt = now - done.sentAt;
      bytes += this.settle(done);
    }
    const sack = packet.selectiveAck;
    if (sack !== undefined && this.outgoing.length > 0) bytes += this.selectivelyAcked(packet.ack, sack);
    // The retransmission timer restarts only when the cumulative ack moves: selective acks
    // past a hole whose resend was lost too must not keep it waiting.
    if (advanced) {
      this.lastProgressAt = now;
      this.consecutiveTimeouts = 0;
    }
    this.control.acked(bytes, packet.timestampDifference, rtt, now);
    if (bytes > 0) {
      this.budget.release(bytes);
      this.bufferedBytes -= bytes;
      this.pump();
    }
  }

  /** Bytes a newly acknowledged packet frees. */
  private settle(packet: OutgoingPacket): number {
    if (inFlight(packet)) this.bytesInFlight -= packet.payload.length;
    packet.acked = true;
    packet.lost = false;
    return packet.payload.length;
  }

  private markLost(packet: OutgoingPacket): void {
    if (inFlight(packet)) this.bytesInFlight -= packet.payload.length;
    packet.lost = true;
  }

  private selectivelyAcked(ack: number, sack: Buffer): number {
    const first = (this.outgoing[0] as OutgoingPacket).seq;
    let bytes = 0;
    let ackedAfter = 0;
    const resend: OutgoingPacket[] = [];
    // Bit i acknowledges ack + 2 + i; walk from the newest so "acked after" counts are ready.
    for (let i = sack.length * 8 - 1; i >= -1; i -= 1) {
      const seq = (ack + 2 + i) & 0xffff;
      const index = seqDistance(first, seq);
      const packet = index >= 0 ? this.outgoing[index] : undefined;
      if (packet === undefined) continue;
      const bit = i >= 0 && ((sack[i >> 3] as number) & (1 << (i & 7))) !== 0;
      if (bit) {
        if (!packet.acked) bytes += this.settle(packet);
        ackedAfter += 1;
      } else if (inFlight(packet) && !packet.fastResent && ackedAfter >= DUPLICATE_ACKS_FOR_LOSS) {
        this.markLost(packet);
        packet.fastResent = true;
        resend.push(packet);
        if (this.lossRecoveryUntil === undefined || seqDistance(this.lossRecoveryUntil, packet.seq) > 0) {
          this.control.lost();
          this.lossRecoveryUntil = (this.seq - 1) & 0xffff;
        }
      }
    }
    // Fast retransmit: a hole with three packets acknowledged past it goes again at once.
    for (const packet of resend.reverse()) this.transmit(packet);
    return bytes;
  }

  /** A DATA or FIN packet: delivered in order, kept if early, acknowledged either way. */
  private arrived(packet: UtpPacket): void {
    const distance = seqDistance(this.ack, packet.seq);
    this.ackDue = true;
    if (packet.type === PacketType.Fin && this.peerFinSeq === undefined && distance > 0) this.peerFinSeq = packet.seq;
    if (distance === 1) {
      if (!this.deliver(packet.payload)) return;
      this.ack = packet.seq;
      for (let next = this.reorder.get((this.ack + 1) & 0xffff); next !== undefined; next = this.reorder.get((this.ack + 1) & 0xffff)) {
        this.reorder.delete((this.ack + 1) & 0xffff);
        this.ack = (this.ack + 1) & 0xffff;
        this.deliver(next);
      }
    } else if (distance > 1 && distance <= MAX_REORDER_PACKETS && !this.reorder.has(packet.seq)) {
      this.reorder.set(packet.seq, packet.payload);
    }
    if (this.peerFinSeq !== undefined && this.ack === this.peerFinSeq) {
      this.sendState();
      this.push(null);
      this.destroy();
    }
  }

  /** Hands in-order payload to the reader; false (and unacknowledged) past the receive window. */
  private deliver(payload: Buffer): boolean {
    if (this.readableLength > RECEIVE_WINDOW_BYTES) return false;
    if (payload.length > 0) this.push(Buffer.from(payload));
    return true;
  }

  private receiveWindow(): number {
    return Math.max(0, RECEIVE_WINDOW_BYTES - this.readableLength);
  }

  /** Sends what the windows allow: packets counted lost first, then new data, else a bare ack. */
  private flush(probe = false): void {
    if (this.state !== 'connected') {
      if (this.state === 'syn-sent' && probe) this.resendLost();
      return;
    }
    let allowance = Math.min(this.control.window, this.peerWindow) - this.bytesInFlight;
    // With nothing in flight one packet always goes: it probes a zero window or a lost ack.
    if (this.bytesInFlight === 0) allowance = Math.max(allowance, PAYLOAD_SIZE);
    let resendsLeft = false;
    for (const packet of this.outgoing) {
      if (!packet.lost || packet.acked) continue;
      if (allowance < packet.payload.length) {
        resendsLeft = true;
        break;
      }
      allowance -= packet.payload.length;
      this.transmit(packet);
    }
    while (!resendsLeft && this.unsentBytes > 0 && allowance > 0 && this.outgoing.length < MAX_PACKETS_IN_FLIGHT) {
      const size = Math.min(PAYLOAD_SIZE, this.unsentBytes);
      if (size > allowance && this.bytesInFlight > 0) break;
      allowance -= size;
      this.transmit(this.queuePacket(PacketType.Data, this.takeUnsent(size)));
    }
    if (this.ackDue) this.sendState();
  }

  private resendLost(): void {
    for (const packet of this.outgoing) if (!packet.acked && (packet.lost || packet.transmissions === 0)) this.transmit(packet);
  }

  private takeUnsent(size: number): Buffer {
    const parts: Buffer[] = [];
    let wanted = size;
    while (wanted > 0) {
      const head = this.unsent[0] as Buffer;
      if (head.length <= wanted) {
        parts.push(head);
        this.unsent.shift();
        wanted -= head.length;
      } else {
        parts.push(head.subarray(0, wanted));
        this.unsent[0] = head.subarray(wanted);
        wanted = 0;
      }
    }
    this.unsentBytes -= size;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
  }

  private queuePacket(type: PacketType, payload: Buffer): OutgoingPacket {
    const packet: OutgoingPacket = { seq: this.seq, type, payload, sentAt: 0, transmissions: 0, acked: false, lost: false, fastResent: false };
    this.seq = (this.seq + 1) & 0xffff;
    this.outgoing.push(packet);
    return packet;
  }

  private transmit(packet: OutgoingPacket): void {
    if (!inFlight(packet)) {
      // Into an empty flight: the retransmission timer starts now, not at the last ack.
      if (this.bytesInFlight === 0) this.lastProgressAt = Date.now();
      this.bytesInFlight += packet.payload.length;
    }
    packet.lost = false;
    packet.transmissions += 1;
    packet.sentAt = Date.now();
    // The SYN carries the id the peer will answer to; everything else the id it listens on.
    const connectionId = packet.type === PacketType.Syn ? this.receiveId : this.sendId;
    this.sendPacket(packet.type, packet.seq, connectionId, packet.payload);
  }

  /** A bare acknowledgement: seq is the next one we will send (BEP 29: ST_STATE does not use one). */
  private sendState(): void {
    this.sendPacket(PacketType.State, this.seq, this.sendId, undefined);
  }

  private sendFin(): void {
    if (this.state !== 'connected') return;
    this.sendPacket(PacketType.Fin, this.seq, this.sendId, undefined);
  }

  private sendPacket(type: PacketType, seq: number, connectionId: number, payload: Buffer | undefined): void {
    this.ackDue = false;
    const header = encodeHeader({
      type,
      connectionId,
      timestamp: nowMicros(),
      timestampDifference: this.replyDelay,
      windowSize: this.receiveWindow(),
      seq,
      ack: this.ack,
      selectiveAck: this.selectiveAck(),
    });
    this.transport.send(payload === undefined || payload.length === 0 ? [header] : [header, payload], this.remotePort, this.remoteAddress);
  }

  /** Bit i: we hold packet ack + 2 + i (BEP 29). Undefined when nothing arrived out of order. */
  private selectiveAck(): Buffer | undefined {
    if (this.reorder.size === 0) return undefined;
    const bits = Buffer.alloc(MAX_SELECTIVE_ACK_BYTES);
    let highest = -1;
    for (const seq of this.reorder.keys()) {
      const i = seqDistance(this.ack, seq) - 2;
      if (i < 0 || i >= bits.length * 8) continue;
      bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
      highest = Math.max(highest, i);
    }
    if (highest < 0) return undefined;
    return bits.subarray(0, (Math.floor(highest / 32) + 1) * 4);
  }
}

export { PACKET_SIZE, RECEIVE_WINDOW_BYTES, SEND_BUFFER_BYTES, UtpSocket };
export type { SendBudget, UtpTransport };
