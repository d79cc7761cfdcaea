// A minimal BitTorrent peer for tests: one TCP connection to the seeder, our own wire codec,
// every wait bounded. It leeches and checks what it gets; it never serves anything.
import { hash, randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { decodeBencode, encodeBencode, parseTorrent } from '../../src/torrent/index.js';
import { HANDSHAKE_LENGTH, MessageFramer, decodeHandshake, decodeMessage, encode, encodeHandshake } from '../../src/wire/index.js';
import type { Handshake, PeerCapabilities, PeerMessage } from '../../src/wire/index.js';

/** Blocks are 16 KiB: the most a seeder must serve (BEP 3). */
const BLOCK = 16 * 1024;

/** Default bound of every wait. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Our ut_metadata id in our extension handshake (any 1–255 works; the seeder must use ours). */
const OUR_UT_METADATA_ID = 3;

/** What a test needs of a v1 torrent to fetch and check pieces. */
interface TorrentInfo {
  readonly infoHash: Buffer;
  readonly size: number;
  readonly pieceLength: number;
  readonly pieceCount: number;
  /** The concatenated 20-byte SHA-1 piece hashes of `info.pieces`. */
  readonly pieceHashes: Buffer;
}

/** Why a step did not succeed: the seeder hung up, was too slow, refused or sent something wrong. */
type PeerFailure =
  | { readonly ok: false; readonly kind: 'closed'; readonly closed: true; readonly detail: string }
  | { readonly ok: false; readonly kind: 'timeout' | 'rejected' | 'invalid'; readonly closed: false; readonly detail: string };

type PeerResult<T extends object> = ({ readonly ok: true } & T) | PeerFailure;

interface PeerClientOptions {
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  readonly torrent: TorrentInfo;
  /** Handshake with this infohash instead of the torrent's (an unknown or withdrawn one). */
  readonly infoHash?: Buffer;
  /**
   * The infohash the seeder must answer with. @default the one we send (a v2-capable peer on a
   * hybrid torrent's v1 infohash is answered with the truncated v2 one: BEP 52's upgrade).
   */
  readonly expectedInfoHash?: Buffer;
  /** @default fast and extended, no v2 */
  readonly capabilities?: Partial<PeerCapabilities>;
  /** Bound of each wait, connecting included. @default 10 s */
  readonly timeoutMs?: number;
}

/** The size of piece `index` (the last one is shorter unless the size is a multiple). */
function pieceSize(torrent: TorrentInfo, index: number): number {
  return index === torrent.pieceCount - 1 ? torrent.size - index * torrent.pieceLength : torrent.pieceLength;
}

/** Reads a v1 (or hybrid) .torrent: the v1 infohash and piece hashes. */
function torrentInfoOf(bytes: Uint8Array): TorrentInfo {
  const summary = parseTorrent(bytes);
  const root = decodeBencode(bytes);
  const info = root instanceof Map ? root.get('info') : undefined;
  const pieces = info instanceof Map ? info.get('pieces') : undefined;
  if (summary.infoHashV1 === undefined || !(pieces instanceof Uint8Array)) throw new TypeError('not a v1 torrent');
  return {
    infoHash: Buffer.from(summary.infoHashV1, 'hex'),
    size: summary.size,
    pieceLength: summary.pieceLength,
    pieceCount: summary.pieceCount,
    pieceHashes: Buffer.from(pieces),
  };
}

/** Offset just past the bencoded value at `at` (a ut_metadata data message has raw bytes after its dict). */
function bencodeEnd(data: Buffer, at: number, depth = 0): number {
  const c = data[at];
  if (c === undefined || depth > 32) throw new RangeError('truncated bencode');
  if (c === 0x69) return data.indexOf(0x65, at) + 1; // i…e
  if (c === 0x6c || c === 0x64) {
    let next = at + 1;
    while (data[next] !== 0x65) {
      if (next >= data.length) throw new RangeError('truncated bencode');
      next = bencodeEnd(data, next, depth + 1);
    }
    return next + 1;
  }
  const colon = data.indexOf(0x3a, at);
  if (colon < 0) throw new RangeError('truncated bencode');
  return colon + 1 + Number(data.subarray(at, colon).toString('latin1'));
}

/**
 * One leeching connection. Every step returns a {@link PeerResult}: `{ ok: true, … }`, or why
 * not (`{ closed: true }` when the seeder hung up). Counters let a test check what arrived.
 */
class PeerClient {
  /** The seeder's handshake, once it came. */
  public remote: Handshake | undefined;
  /** What the seeder has: 'all' (have-all) or its bitfield. */
  public have: 'all' | Buffer | undefined;
  public choked = true;
  public readonly allowedFast = new Set<number>();
  /** The seeder's extension handshake: its ut_metadata id, the metadata size and its `reqq`. */
  public extensions: { readonly utMetadata: number | undefined; readonly metadataSize: number | undefined; readonly requestQueue: number | undefined } | undefined;
  public bytesReceived = 0;
  /** Piece messages received, each a block, and when the last one came (ms since the epoch). */
  public blocksReceived = 0;
  public lastBlockAt: number | undefined;
  public readonly received = new Map<PeerMessage['type'], number>();
  /** `index` fields of hashes / hash-reject messages: a fuzzer's markers that a batch was read. */
  public readonly hashReplies = new Set<number>();
  /** Why the connection ended, once it has. */
  public closedReason: string | undefined;

  private readonly framer = new MessageFramer();
  private readonly blocks = new Map<string, Buffer>();
  private readonly rejected = new Set<string>();
  private readonly metadataPieces = new Map<number, Buffer>();
  private metadataRejected = false;
  private readonly waiters = new Set<() => void>();
  private readonly timeoutMs: number;
  private readonly infoHash: Buffer;
  private readonly expectedInfoHash: Buffer;

  private constructor(private readonly socket: Socket, public readonly torrent: TorrentInfo, options: PeerClientOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.infoHash = options.infoHash ?? torrent.infoHash;
    this.expectedInfoHash = options.expectedInfoHash ?? this.infoHash;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.ended(`socket error: ${error.message}`));
    socket.on('close', () => this.ended('closed by the seeder'));
  }

  /** Connects (bounded); the TCP connection must succeed, or this throws. */
  public static async connect(options: PeerClientOptions): Promise<PeerClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = createConnection({ host: options.host ?? '127.0.0.1', port: options.port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TCP connection to port ${options.port} in ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return new PeerClient(socket, options.torrent, options);
  }

  /** Connects and handshakes; the result carries the client when the seeder answered. */
  public static async open(options: PeerClientOptions): Promise<PeerResult<{ client: PeerClient }>> {
    const client = await PeerClient.connect(options);
    const shook = await client.handshake(options.capabilities);
    if (!shook.ok) client.close();
    return shook.ok ? { ok: true, client } : shook;
  }

  public get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /**
   * Sends our handshake (and extension handshake when extended), then waits for the seeder's
   * handshake and its have-all or bitfield.
   */
  public async handshake(capabilities: Partial<PeerCapabilities> = {}): Promise<PeerResult<{ handshake: Handshake }>> {
    const ours: PeerCapabilities = { fast: true, extended: true, v2: false, ...capabilities };
    const peerId = Buffer.concat([Buffer.from('-TC0001-', 'latin1'), randomBytes(12)]);
    this.send(encodeHandshake({ infoHash: this.infoHash, peerId, capabilities: ours }));
    if (ours.extended) this.send(encode.extended(0, encodeBencode({ m: { ut_metadata: OUR_UT_METADATA_ID }, v: 'peerClient test' })));
    const got = await this.until(() => this.have !== undefined, 'handshake and have-all/bitfield');
    if (!got.ok) return got;
    const remote = this.remote as Handshake;
    if (!remote.infoHash.equals(this.expectedInfoHash)) return this.invalid(`the seeder answered with infohash ${remote.infoHash.toString('hex')}, not ${this.expectedInfoHash.toString('hex')}`);
    return { ok: true, handshake: remote };
  }

  public interested(): void {
    this.send(encode.interested());
  }

  public notInterested(): void {
    this.send(Buffer.from([0, 0, 0, 1, 3]));
  }

  public keepAlive(): void {
    this.send(encode.keepAlive());
  }

  public async waitForUnchoke(): Promise<PeerResult<object>> {
    return this.until(() => !this.choked, 'unchoke');
  }

  /** Requests every 16 KiB block of a piece at once and assembles it; unchecked. */
  public async requestPiece(index: number): Promise<PeerResult<{ data: Buffer }>> {
    if (index < 0 || index >= this.torrent.pieceCount) throw new RangeError(`piece ${index} is not in the torrent`);
    const size = pieceSize(this.torrent, index);
    const keys: string[] = [];
    for (let begin = 0; begin < size; begin += BLOCK) {
      const length = Math.min(BLOCK, size - begin);
      keys.push(`${index}:${begin}:${length}`);
      this.send(encode.request({ index, begin, length }));
    }
    const got = await this.until(() => keys.every((key) => this.blocks.has(key)) || keys.some((key) => this.rejected.has(key)), `piece ${index}`);
    const parts = keys.map((key) => this.blocks.get(key));
    for (const key of keys) {
      this.blocks.delete(key);
      this.rejected.delete(key);
    }
    if (!got.ok) return got;
    if (parts.some((part) => part === undefined)) return { ok: false, kind: 'rejected', closed: false, detail: `the seeder rejected a block of piece ${index}` };
    return { ok: true, data: Buffer.concat(parts as Buffer[]) };
  }

  /** Fetches a piece and checks it against the torrent's SHA-1 piece hash. */
  public async downloadPiece(index: number): Promise<PeerResult<{ data: Buffer }>> {
    const piece = await this.requestPiece(index);
    if (!piece.ok) return piece;
    const expected = this.torrent.pieceHashes.subarray(index * 20, index * 20 + 20);
    if (!hash('sha1', piece.data, 'buffer').equals(expected)) return this.invalid(`piece ${index} fails its SHA-1 check`);
    return piece;
  }

  /** Interested, unchoked, then every piece in order, each checked; the object's bytes. */
  public async downloadAll(): Promise<PeerResult<{ data: Buffer }>> {
    this.interested();
    const unchoked = await this.waitForUnchoke();
    if (!unchoked.ok) return unchoked;
    const pieces: Buffer[] = [];
    for (let index = 0; index < this.torrent.pieceCount; index += 1) {
      const piece = await this.downloadPiece(index);
      if (!piece.ok) return piece;
      pieces.push(piece.data);
    }
    return { ok: true, data: Buffer.concat(pieces) };
  }

  /** The info dictionary over ut_metadata (BEP 9), checked against the infohash. */
  public async fetchMetadata(): Promise<PeerResult<{ metadata: Buffer }>> {
    const got = await this.until(() => this.extensions !== undefined, 'extension handshake');
    if (!got.ok) return got;
    const { utMetadata, metadataSize } = this.extensions ?? {};
    if (utMetadata === undefined || metadataSize === undefined) return this.invalid('the seeder offers no ut_metadata');
    const count = Math.ceil(metadataSize / BLOCK);
    for (let piece = 0; piece < count; piece += 1) this.send(encode.extended(utMetadata, encodeBencode({ msg_type: 0, piece })));
    const all = await this.until(() => this.metadataRejected || this.metadataPieces.size === count, 'metadata');
    if (!all.ok) return all;
    if (this.metadataRejected) return { ok: false, kind: 'rejected', closed: false, detail: 'the seeder rejected a metadata request' };
    const metadata = Buffer.concat(Array.from({ length: count }, (_, piece) => this.metadataPieces.get(piece) as Buffer));
    if (!hash('sha1', metadata, 'buffer').equals(this.infoHash)) return this.invalid('metadata does not hash to the infohash');
    return { ok: true, metadata };
  }

  /** Stops reading the socket: what the seeder sends waits in its buffers (a slow peer). */
  public pause(): void {
    this.socket.pause();
  }

  public resume(): void {
    this.socket.resume();
  }

  /** Raw bytes, as they are (a fuzzer's). */
  public send(data: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(data);
  }

  /** Waits until `condition` holds (re-checked on every message), the seeder hangs up, or the bound. */
  public async until(condition: () => boolean, what: string, timeoutMs = this.timeoutMs): Promise<PeerResult<object>> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (condition()) finish({ ok: true });
        else if (this.closed) finish({ ok: false, kind: 'closed', closed: true, detail: `${this.closedReason ?? ''} while waiting for ${what}` });
      };
      const timer = setTimeout(() => finish({ ok: false, kind: 'timeout', closed: false, detail: `no ${what} within ${timeoutMs} ms` }), timeoutMs);
      const finish = (result: PeerResult<object>): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(result);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves true once the seeder closed the connection, false if it is still open after `timeoutMs`. */
  public async waitClosed(timeoutMs = this.timeoutMs): Promise<boolean> {
    const result = await this.until(() => false, 'close', timeoutMs);
    return !result.ok && result.kind === 'closed';
  }

  /** Half-closes: we send nothing more, and wait for the seeder to hang up. */
  public end(): void {
    this.socket.end();
  }

  public close(): void {
    this.socket.destroy();
  }

  private invalid(detail: string): PeerFailure {
    this.close();
    return { ok: false, kind: 'invalid', closed: false, detail };
  }

  private ended(reason: string): void {
    this.closedReason ??= reason;
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.framer.push(chunk);
    try {
      if (this.remote === undefined) {
        const raw = this.framer.take(HANDSHAKE_LENGTH);
        if (raw === undefined) return;
        this.remote = decodeHandshake(raw);
      }
      for (let body = this.framer.next(); body !== undefined; body = this.framer.next()) this.onMessage(decodeMessage(body));
    } catch (error) {
      this.closedReason ??= `the seeder sent garbage: ${String(error)}`;
      this.close();
    }
    this.wake();
  }

  private onMessage(message: PeerMessage): void {
    this.received.set(message.type, (this.received.get(message.type) ?? 0) + 1);
    switch (message.type) {
      case 'haveAll':
        this.have = 'all';
        return;
      case 'bitfield':
        this.have = message.bits;
        return;
      case 'choke':
      case 'unchoke':
        this.choked = message.type === 'choke';
        return;
      case 'allowedFast':
        this.allowedFast.add(message.index);
        return;
      case 'piece':
        this.blocksReceived += 1;
        this.lastBlockAt = Date.now();
        this.blocks.set(`${message.index}:${message.begin}:${message.block.length}`, message.block);
        return;
      case 'reject':
        this.rejected.add(`${message.index}:${message.begin}:${message.length}`);
        return;
      case 'hashes':
      case 'hashReject':
        this.hashReplies.add(message.index);
        return;
      case 'extended':
        this.onExtended(message.extendedId, message.payload);
        return;
      default:
        return;
    }
  }

  private onExtended(id: number, payload: Buffer): void {
    if (id === 0) {
      const dict = decodeBencode(payload);
      const m = dict instanceof Map ? dict.get('m') : undefined;
      const utMetadata = m instanceof Map ? m.get('ut_metadata') : undefined;
      const size = dict instanceof Map ? dict.get('metadata_size') : undefined;
      const reqq = dict instanceof Map ? dict.get('reqq') : undefined;
      this.extensions = {
        utMetadata: typeof utMetadata === 'number' ? utMetadata : undefined,
        metadataSize: typeof size === 'number' ? size : undefined,
        requestQueue: typeof reqq === 'number' ? reqq : undefined,
      };
      return;
    }
    if (id !== OUR_UT_METADATA_ID) return;
    const end = bencodeEnd(payload, 0);
    const dict = decodeBencode(payload.subarray(0, end));
    const type = dict instanceof Map ? dict.get('msg_type') : undefined;
    const piece = dict instanceof Map ? dict.get('piece') : undefined;
    if (type === 1 && typeof piece === 'number') this.metadataPieces.set(piece, Buffer.from(payload.subarray(end)));
    else if (type === 2) this.metadataRejected = true;
  }
}

export { BLOCK, PeerClient, pieceSize, torrentInfoOf };
export type { PeerClientOptions, PeerFailure, PeerResult, TorrentInfo };
