// Minimal tracker clients for the tests: raw-byte HTTP GETs and a BEP 15 UDP client, every
// wait bounded.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { request } from 'node:http';
import { decodeBencode } from '../../../src/torrent/index.js';
import type { BencodeDict } from '../../../src/torrent/index.js';

/** Longest wait for any one reply. */
const REPLY_TIMEOUT_MS = 3_000;

const PROTOCOL_ID = 0x41727101980n;

/** Percent-escapes every byte, as libtorrent does for binary values. */
function escapeBytes(bytes: Uint8Array): string {
  return [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

interface AnnounceParams {
  readonly infoHash: Uint8Array;
  readonly peerId?: Uint8Array;
  readonly port: number;
  readonly left?: number;
  readonly event?: string;
  readonly numwant?: number;
  readonly compact?: 0 | 1;
  readonly extra?: string;
}

/** The query of an HTTP announce. */
function announceQuery(p: AnnounceParams): string {
  const parts = [
    `info_hash=${escapeBytes(p.infoHash)}`,
    `peer_id=${escapeBytes(p.peerId ?? Buffer.alloc(20, 0x2d))}`,
    `port=${p.port}`,
    'uploaded=0',
    'downloaded=0',
    `left=${p.left ?? 100}`,
    `compact=${p.compact ?? 1}`,
  ];
  if (p.event !== undefined) parts.push(`event=${p.event}`);
  if (p.numwant !== undefined) parts.push(`numwant=${p.numwant}`);
  if (p.extra !== undefined) parts.push(p.extra);
  return parts.join('&');
}

interface HttpResult {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/** GET `path` (sent as is, raw bytes and all) from host:port. */
async function httpGet(host: string, port: number, path: string, method = 'GET'): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, timeout: REPLY_TIMEOUT_MS, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no reply from ${host}:${port} in ${REPLY_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Decodes a bencoded reply (strictly: unsorted keys fail). */
function bdict(body: Uint8Array): BencodeDict {
  return decodeBencode(body) as BencodeDict;
}

/** Splits compact peers (6 or 18 bytes each) into `ip:port` strings. */
function compactPeers(bytes: Uint8Array | undefined, size: 6 | 18): string[] {
  const out: string[] = [];
  if (bytes === undefined) return out;
  const buffer = Buffer.from(bytes);
  for (let at = 0; at + size <= buffer.length; at += size) {
    const port = buffer.readUInt16BE(at + size - 2);
    if (size === 6) {
      out.push(`${[...buffer.subarray(at, at + 4)].join('.')}:${port}`);
    } else {
      const words: string[] = [];
      for (let i = 0; i < 16; i += 2) words.push(buffer.readUInt16BE(at + i).toString(16));
      out.push(`[${words.join(':')}]:${port}`);
    }
  }
  return out;
}

/** The failure reason of a reply, if it is one. */
function failureOf(body: Uint8Array): string | undefined {
  const reason = bdict(body).get('failure reason');
  return reason === undefined ? undefined : Buffer.from(reason as Uint8Array).toString();
}

interface UdpAnnounceFields {
  readonly infoHash: Uint8Array;
  readonly port: number;
  readonly left?: bigint;
  readonly event?: number;
  readonly numwant?: number;
  readonly peerId?: Uint8Array;
}

/** A BEP 15 client on its own socket; replies are matched by transaction id. */
class UdpTrackerClient {
  private nextTransaction = 1;
  private readonly waiting = new Map<number, (reply: Buffer) => void>();

  private constructor(
    private readonly socket: Socket,
    private readonly host: string,
    private readonly port: number,
  ) {
    socket.on('message', (reply) => {
      if (reply.length < 8) return;
      this.waiting.get(reply.readUInt32BE(4))?.(reply);
    });
  }

  public static async open(host: string, port: number): Promise<UdpTrackerClient> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return new UdpTrackerClient(socket, host, port);
  }

  /** Sends a datagram as is, without waiting. */
  public sendRaw(packet: Uint8Array): void {
    this.socket.send(packet, this.port, this.host);
  }

  /** Sends `body` after an 8-byte connection id, action and a fresh transaction id; resolves to the reply. */
  public async request(connectionId: Uint8Array | bigint, action: number, body: Uint8Array = new Uint8Array(0), timeoutMs = REPLY_TIMEOUT_MS): Promise<Buffer> {
    const transactionId = this.nextTransaction;
    this.nextTransaction += 1;
    const packet = Buffer.alloc(16 + body.length);
    if (typeof connectionId === 'bigint') packet.writeBigUInt64BE(connectionId, 0);
    else packet.set(connectionId, 0);
    packet.writeUInt32BE(action, 8);
    packet.writeUInt32BE(transactionId, 12);
    packet.set(body, 16);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(transactionId);
        reject(new Error(`no UDP reply to transaction ${transactionId} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(transactionId, (reply) => {
        clearTimeout(timer);
        this.waiting.delete(transactionId);
        resolve(reply);
      });
      this.socket.send(packet, this.port, this.host);
    });
  }

  /** BEP 15 connect; resolves to the connection id. */
  public async connect(): Promise<Buffer> {
    const reply = await this.request(PROTOCOL_ID, 0);
    if (reply.readUInt32BE(0) !== 0 || reply.length < 16) throw new Error(`connect failed: ${reply.toString('hex')}`);
    return reply.subarray(8, 16);
  }

  /** The 82-byte body of an announce after the request head. */
  public static announceBody(f: UdpAnnounceFields): Buffer {
    const body = Buffer.alloc(82);
    body.set(f.infoHash, 0);
    body.set(f.peerId ?? Buffer.alloc(20, 0x2d), 20);
    body.writeBigUInt64BE(f.left ?? 100n, 48);
    body.writeUInt32BE(f.event ?? 2, 64);
    body.writeInt32BE(f.numwant ?? -1, 76);
    body.writeUInt16BE(f.port, 80);
    return body;
  }

  public async announce(connectionId: Uint8Array, fields: UdpAnnounceFields): Promise<Buffer> {
    return this.request(connectionId, 1, UdpTrackerClient.announceBody(fields));
  }

  /**
   * An announce retried as a real client would (BEP 15 retransmits; UDP may drop a datagram,
   * all the more on a socket being flooded): up to `attempts` tries of `timeoutMs` each.
   */
  public async announceWithRetries(connectionId: Uint8Array, fields: UdpAnnounceFields, attempts: number, timeoutMs: number): Promise<{ reply: Buffer; retries: number }> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return { reply: await this.request(connectionId, 1, UdpTrackerClient.announceBody(fields), timeoutMs), retries: attempt - 1 };
      } catch (error) {
        if (attempt >= attempts) throw error;
      }
    }
  }

  public async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** The action, and for an error its message, of a UDP reply. */
function udpError(reply: Buffer): string | undefined {
  return reply.readUInt32BE(0) === 3 ? reply.subarray(8).toString() : undefined;
}

/** Peers of a UDP announce reply. */
function udpPeers(reply: Buffer, size: 6 | 18): string[] {
  if (reply.readUInt32BE(0) !== 1) throw new Error(`not an announce reply: ${udpError(reply) ?? reply.toString('hex')}`);
  return compactPeers(reply.subarray(20), size);
}

export { REPLY_TIMEOUT_MS, UdpTrackerClient, announceQuery, bdict, compactPeers, escapeBytes, failureOf, httpGet, udpError, udpPeers };
export type { AnnounceParams, HttpResult };
