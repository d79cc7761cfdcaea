import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { compactAddress, normalizeAddress } from './addresses.js';
import { allowedFastSet } from './allowedFast.js';
import { fullBitfield, isComplete } from './bitfield.js';
import type { Choker } from './Choker.js';
import type { PieceMessages } from './pieceMessages.js';
import { ADVERTISED_REQUEST_QUEUE, ALLOWED_FAST_SET_SIZE, HANDSHAKE_LENGTH, MAX_BLOCK_LENGTH, PROTOCOL, UT_METADATA_ID } from './constants.js';
import { WireProtocolError } from './errors.js';
import { decodeExtensionHandshake, decodeMetadataMessage, encodeExtensionHandshake, metadataReply } from './extensions.js';
import { decodeHandshake, encodeHandshake } from './handshake.js';
import type { Handshake, PeerCapabilities } from './handshake.js';
import { MessageFramer, decodeMessage, encode } from './messages.js';
import type { BlockRef, HashRequestFields, PeerMessage } from './messages.js';
import type { Swarm } from './Swarm.js';
import type { TorrentView } from './SwarmTorrent.js';

/** Requests one peer may have queued; more are rejected. Twice what we advertise as `reqq`. */
const MAX_QUEUED_REQUESTS = 2 * ADVERTISED_REQUEST_QUEUE;

/**
 * Block reads in flight per connection. Clients ask for pieces in random order, so on a cold
 * cache each piece may be an S3 GET of its own: a first download's rate is the spans being read
 * at once over the GET latency. libtorrent requests whole pieces, up to our `reqq` blocks at a
 * time; at 256 reads a peer had 16 pieces of 256 KiB (4 of 1 MiB) in flight and never reached
 * the seeder's GETs in flight (S3TORRENT_SEEDER_MAX_FETCHES). Memory is bounded seeder-wide by
 * the host's block budget (16 MiB for one peer's reads here).
 */
const MAX_READS_IN_FLIGHT = 1024;

/** Bytes queued on the socket before we wait for it to drain: bounds memory per slow peer. */
const SOCKET_HIGH_WATER = 1024 * 1024;

/**
 * A peer that keeps asking for metadata or hashes while not reading what it gets: past this
 * many unsent bytes it is dropped (those replies are small; only a peer that never reads
 * gets here).
 */
const MAX_UNSENT_BYTES = 4 * SOCKET_HIGH_WATER;

/**
 * The byte stream a peer connection runs on: a TCP socket (node:net) or a uTP connection
 * (UtpSocket), which offer the same stream, addresses and write back-pressure.
 */
type PeerSocket = Duplex & {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  setNoDelay(noDelay?: boolean): unknown;
};

/** What a connection needs from the server that owns it. */
interface PeerHost {
  readonly peerId: Buffer;
  readonly listenPort: number | undefined;
  readonly choker: Choker<PeerConnection>;
  /** The swarm and view an infohash names, when it is READY; undefined otherwise. */
  resolve(infoHash: Buffer): Promise<{ swarm: Swarm; view: TorrentView } | undefined>;
  closed(connection: PeerConnection, reason: string): void;
  readFailed(swarm: Swarm, error: unknown): void;
  /**
   * Takes `bytes` from the seeder-wide budget of block bytes being read or waiting in socket
   * buffers; false when it is spent (the host then calls `pump()` again once bytes are released).
   */
  reserveBlockBytes(connection: PeerConnection, bytes: number): boolean;
  releaseBlockBytes(bytes: number): void;
  /** Buffers for outgoing piece messages, shared by every connection. */
  readonly pieceMessages: PieceMessages;
}

type Phase = 'handshake' | 'resolving' | 'active' | 'closed';

const OUR_CAPABILITIES: PeerCapabilities = { extended: true, fast: true, v2: false };

/**
 * One peer connection, seeding: handshake, have-all or bitfield, extension handshake and
 * ut_metadata, BEP 52 hash requests, and block requests served from the swarm's cached reads.
 * A malformed message closes this connection only.
 */
class PeerConnection {
  public readonly remoteAddress: string;
  public readonly remotePort: number;
  public readonly connectedAt = Date.now();
  public lastReceivedAt = Date.now();
  public lastSentAt = Date.now();
  public uploaded = 0;
  public peerListenPort: number | undefined;
  /** Whether the peer wants data from us; the choker reads it. */
  public interested = false;

  private phase: Phase = 'handshake';
  private readonly framer = new MessageFramer();
  private swarm: Swarm | undefined;
  private view: TorrentView | undefined;
  private peer: PeerCapabilities = { extended: false, fast: false, v2: false };
  private peerMetadataId: number | undefined;
  private choked = true;
  private allowedFast = new Set<number>();
  private readonly queue: BlockRef[] = [];
  private readsInFlight = 0;
  private waitingForDrain = false;
  private corked = false;

  /**
   * @param outgoing for a connection we dial: the swarm and infohash to offer. Undefined for an
   *   incoming connection, whose infohash comes from the peer's handshake.
   */
  public constructor(
    private readonly socket: PeerSocket,
    private readonly host: PeerHost,
    outgoing?: { swarm: Swarm; view: TorrentView },
  ) {
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', () => this.close('socket error'));
    socket.on('close', () => this.close('closed by peer'));
    socket.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
    if (outgoing !== undefined) {
      this.swarm = outgoing.swarm;
      this.view = outgoing.view;
      this.send(encodeHandshake({ infoHash: outgoing.view.infoHash, peerId: host.peerId, capabilities: this.ourCapabilities() }));
    }
  }

  public get isActive(): boolean {
    return this.phase === 'active';
  }

  public get handshaking(): boolean {
    return this.phase === 'handshake' || this.phase === 'resolving';
  }

  /** The swarm the connection serves, once its handshake named one. */
  public get servedSwarm(): Swarm | undefined {
    return this.swarm;
  }

  public get infoHashHex(): string | undefined {
    return this.view?.infoHash.toString('hex');
  }

  /** Closes the connection (idempotent); the host forgets it. What the kernel holds for the peer still goes out. */
  public close(reason: string): void {
    this.end(reason, false);
  }

  /**
   * Closes the connection with a TCP reset: the kernel drops what it still holds for the peer
   * instead of sending it after the close (a slow peer's share of the send and receive buffers
   * is megabytes, seconds of blocks at its pace). uTP sockets drop their unsent bytes on any
   * close.
   */
  public cutOff(reason: string): void {
    this.end(reason, true);
  }

  private end(reason: string, reset: boolean): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.queue.length = 0;
    this.host.choker.remove(this);
    this.swarm?.leave(this);
    if (reset && this.socket instanceof Socket && !this.socket.destroyed) this.socket.resetAndDestroy();
    else this.socket.destroy();
    this.host.closed(this, reason);
  }

  public sendKeepAlive(): void {
    if (this.phase === 'active') this.send(encode.keepAlive());
  }

  /** The choker's decision. Choking a fast peer rejects its queued requests (BEP 6). */
  public setChoked(choked: boolean): void {
    if (this.phase !== 'active' || this.choked === choked) return;
    this.choked = choked;
    if (!choked) {
      this.send(encode.unchoke());
      this.pump();
      return;
    }
    this.send(encode.choke());
    const kept = this.queue.filter((ref) => this.allowedFast.has(ref.index));
    if (this.peer.fast) for (const ref of this.queue) if (!this.allowedFast.has(ref.index)) this.send(encode.reject(ref));
    this.queue.splice(0, this.queue.length, ...kept);
  }

  private ourCapabilities(): PeerCapabilities {
    return { ...OUR_CAPABILITIES, v2: this.view?.hybrid === true };
  }

  /** Queues bytes on the socket; `flushed` runs once they are handed to the kernel (or the socket died). */
  private send(data: Buffer, flushed?: () => void): void {
    if (this.phase === 'closed') {
      flushed?.();
      return;
    }
    this.lastSentAt = Date.now();
    // Everything sent in one tick leaves in one writev: a piece is a header and a block, and
    // blocks finish reading in bursts.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    // write()'s own signal trips at 16 KiB, one block: waiting for 'drain' that often starves
    // a fast peer. pump() waits only past SOCKET_HIGH_WATER instead.
    this.socket.write(data, flushed === undefined ? undefined : () => flushed());
  }

  private received(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.lastReceivedAt = Date.now();
    this.framer.push(chunk);
    try {
      this.drainInput();
    } catch (error) {
      this.close(error instanceof WireProtocolError ? error.message : `error: ${String(error)}`);
    }
  }

  private drainInput(): void {
    if (this.phase === 'handshake') {
      const raw = this.framer.take(HANDSHAKE_LENGTH);
      if (raw === undefined) {
        // Refuse at once what cannot become a handshake, instead of waiting for 68 bytes.
        if (this.framer.peekByte() !== undefined && this.framer.peekByte() !== PROTOCOL.length) {
          throw new WireProtocolError('not a BitTorrent handshake');
        }
        return;
      }
      this.onHandshake(decodeHandshake(raw));
      return;
    }
    while (this.phase === 'active') {
      const body = this.framer.next();
      if (body === undefined) return;
      this.onMessage(decodeMessage(body));
    }
  }

  private onHandshake(handshake: Handshake): void {
    this.peer = handshake.capabilities;
    if (this.view !== undefined && this.swarm !== undefined) {
      // We dialled: the peer must answer for the torrent we offered.
      const answered = this.swarm.torrent.answeredView(this.view, handshake.infoHash);
      if (answered === undefined) throw new WireProtocolError('peer answered with another infohash');
      this.view = answered;
      this.start();
      return;
    }
    this.phase = 'resolving';
    this.socket.pause();
    this.host.resolve(handshake.infoHash).then(
      (found) => {
        if (this.phase !== 'resolving') return;
        if (found === undefined) {
          this.close('unknown or unpublished infohash');
          return;
        }
        this.swarm = found.swarm;
        this.view = found.swarm.torrent.upgradedView(found.view, handshake.capabilities.v2);
        this.send(encodeHandshake({ infoHash: this.view.infoHash, peerId: this.host.peerId, capabilities: this.ourCapabilities() }));
        this.start();
        this.socket.resume();
        this.received(Buffer.alloc(0));
      },
      (error: unknown) => this.close(`lookup failed: ${String(error)}`),
    );
  }

  private start(): void {
    const swarm = this.swarm as Swarm;
    const view = this.view as TorrentView;
    if (!swarm.join(this)) {
      this.close('torrent withdrawn');
      return;
    }
    this.phase = 'active';
    const torrent = swarm.torrent;
    if (this.peer.fast) this.send(encode.haveAll());
    else this.send(encode.bitfield(fullBitfield(torrent.pieceCount)));
    if (this.peer.extended) {
      this.send(encode.extended(0, encodeExtensionHandshake({
        metadataSize: view.metadata.length,
        listenPort: this.host.listenPort,
        yourIp: compactAddress(this.remoteAddress),
      })));
    }
    if (this.peer.fast) {
      this.allowedFast = new Set(allowedFastSet(this.remoteAddress, view.infoHash, torrent.pieceCount, ALLOWED_FAST_SET_SIZE));
      for (const index of this.allowedFast) this.send(encode.allowedFast(index));
    }
  }

  private onMessage(message: PeerMessage): void {
    const torrent = (this.swarm as Swarm).torrent;
    switch (message.type) {
      case 'interested':
        this.interested = true;
        this.host.choker.interested(this);
        return;
      case 'notInterested':
        this.interested = false;
        this.host.choker.remove(this);
        return;
      case 'have':
        if (message.index >= torrent.pieceCount) throw new WireProtocolError(`have of piece ${message.index} out of range`);
        return;
      case 'bitfield':
        if (message.bits.length !== Math.ceil(torrent.pieceCount / 8)) throw new WireProtocolError('bitfield has the wrong length');
        if (isComplete(message.bits, torrent.pieceCount)) this.close('peer is a seed too');
        return;
      case 'haveAll':
        if (!this.peer.fast) throw new WireProtocolError('have-all without the fast extension');
        this.close('peer is a seed too');
        return;
      case 'request':
        this.onRequest(message);
        return;
      case 'cancel':
        this.onCancel(message);
        return;
      case 'extended':
        this.onExtended(message.extendedId, message.payload);
        return;
      case 'hashRequest':
        this.onHashRequest(message);
        return;
      default:
        // choke/unchoke, haveNone, port, suggest, allowedFast, reject, piece, hashes, unknown:
        // nothing a seeder acts on.
        return;
    }
  }

  private onRequest(ref: BlockRef): void {
    const torrent = (this.swarm as Swarm).torrent;
    if (ref.index >= torrent.pieceCount || ref.length === 0 || ref.begin + ref.length > torrent.pieceSize(ref.index)) {
      throw new WireProtocolError(`request outside the torrent (piece ${ref.index}, ${ref.begin}+${ref.length})`);
    }
    const refuse = ref.length > MAX_BLOCK_LENGTH || (this.choked && !this.allowedFast.has(ref.index)) || this.queue.length >= MAX_QUEUED_REQUESTS;
    if (refuse) {
      if (this.peer.fast) this.send(encode.reject(ref));
      else if (ref.length > MAX_BLOCK_LENGTH) throw new WireProtocolError(`request of ${ref.length} bytes is over 16 KiB`);
      return;
    }
    this.queue.push(ref);
    this.pump();
  }

  private onCancel(ref: BlockRef): void {
    const at = this.queue.findIndex((q) => q.index === ref.index && q.begin === ref.begin && q.length === ref.length);
    if (at < 0) return;
    this.queue.splice(at, 1);
    // BEP 6: with the fast extension every request is answered, a cancelled one by a reject.
    if (this.peer.fast) this.send(encode.reject(ref));
  }

  private onExtended(extendedId: number, payload: Buffer): void {
    if (extendedId === 0) {
      const extensions = decodeExtensionHandshake(payload);
      this.peerMetadataId = extensions.utMetadataId;
      this.peerListenPort = extensions.listenPort;
      return;
    }
    if (extendedId !== UT_METADATA_ID) return;
    const request = decodeMetadataMessage(payload);
    if (request.type !== 'request' || this.peerMetadataId === undefined) return;
    if (this.socket.writableLength > MAX_UNSENT_BYTES) throw new WireProtocolError('peer does not read its metadata replies');
    this.send(encode.extended(this.peerMetadataId, metadataReply((this.view as TorrentView).metadata, request.piece)));
  }

  private onHashRequest(request: HashRequestFields): void {
    if (this.socket.writableLength > MAX_UNSENT_BYTES) throw new WireProtocolError('peer does not read its hash replies');
    const tree = this.view?.hybrid === true ? this.swarm?.torrent.hashTree(request.piecesRoot) : undefined;
    const hashes = tree?.answer(request);
    this.send(hashes === undefined ? encode.hashReject(request) : encode.hashes(request, hashes));
  }

  /**
   * Serves queued requests, several reads at a time, as long as the socket keeps up and the
   * seeder's budget of block bytes in flight allows.
   */
  public pump(): void {
    while (this.phase === 'active' && !this.waitingForDrain && this.readsInFlight < MAX_READS_IN_FLIGHT && this.queue.length > 0) {
      if (this.socket.writableLength > SOCKET_HIGH_WATER) {
        this.waitingForDrain = true;
        return;
      }
      const ref = this.queue[0] as BlockRef;
      if (!this.host.reserveBlockBytes(this, ref.length)) return; // the host pumps us again when bytes free up
      this.queue.shift();
      const swarm = this.swarm as Swarm;
      this.readsInFlight += 1;
      // The block is copied out of the span at once (see PieceMessages), into a buffer reused
      // once the socket is done with it: the cache reuses the span's buffer once it drops it.
      const copy = (block: Buffer): Buffer | undefined => (this.phase === 'active' ? this.host.pieceMessages.take(ref.index, ref.begin, block) : undefined);
      swarm.read(ref.index * swarm.torrent.pieceLength + ref.begin, ref.length, copy).then(
        (message) => {
          this.readsInFlight -= 1;
          if (message === undefined || this.phase !== 'active') {
            if (message !== undefined) this.host.pieceMessages.release(message);
            this.host.releaseBlockBytes(ref.length);
            return;
          }
          this.send(message, () => {
            this.host.pieceMessages.release(message);
            this.host.releaseBlockBytes(ref.length);
          });
          this.uploaded += ref.length;
          swarm.recordServed(ref.length);
          this.pump();
        },
        (error: unknown) => {
          this.readsInFlight -= 1;
          this.host.releaseBlockBytes(ref.length);
          if (this.phase === 'active' && this.peer.fast) this.send(encode.reject(ref));
          this.host.readFailed(swarm, error);
          this.pump();
        },
      );
    }
  }
}

export { PeerConnection };
export type { PeerHost, PeerSocket };
