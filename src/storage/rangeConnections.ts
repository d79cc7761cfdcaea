import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';

/**
 * Keep-alive HTTP/1.1 connections made for one kind of request: a ranged GET of an S3 object
 * whose reply has a Content-Length (S3 and the S3-compatible servers answer GetObject so). The
 * socket reads straight into the buffer the body is returned in (`onread`), so a byte from S3
 * is copied once, by the kernel. node:http cost the seeder about 1.3 CPU-s per GiB in 512 KiB
 * ranges on its own (a fresh 64 KiB buffer per socket read, a copy into the body, the parser's
 * objects), most of the seeder's cold-path CPU; this costs a fraction (see bench seeder-cpu).
 */

/** Largest reply head (status line and headers) accepted; S3's are under 1 KiB. */
const MAX_HEAD_BYTES = 16 * 1024;

/**
 * An idle connection is closed after this long, before S3 closes it (about 20 s idle): a
 * request is then rarely sent on a connection the server is closing.
 */
const IDLE_CLOSE_MS = 10_000;

/** Idle connections kept per origin; the caller bounds the GETs in flight. */
const MAX_IDLE_PER_ORIGIN = 64;

/** What a reply said, and its body (the bytes asked for) when it was a 200 or 206. */
interface RangeReply {
  readonly status: number;
  readonly etag: string | undefined;
  readonly contentRange: string | undefined;
  /** 2xx only: the first `length` bytes of the body (fewer if the body was shorter). */
  readonly body: Buffer | undefined;
}

interface Pending {
  readonly length: number;
  /** Where the body goes, when the caller gave a buffer of at least `length` bytes. */
  readonly into: Buffer | undefined;
  readonly resolve: (reply: RangeReply) => void;
  readonly reject: (error: Error) => void;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** One connection: one request at a time, its reply read into the caller's buffer. */
class RangeConnection {
  private readonly socket: Socket;
  private readonly head = Buffer.allocUnsafe(MAX_HEAD_BYTES);
  private headLength = 0;
  private body: Buffer | undefined;
  private filled = 0;
  private reply: Omit<RangeReply, 'body'> | undefined;
  /** Read the whole reply and may send another request. */
  private reusable = false;
  private pending: Pending | undefined;
  private closed = false;
  /** Sent at least one request before the current one (a stale keep-alive may fail it). */
  public reused = false;
  /** Bytes of the current reply received so far. */
  public received = 0;

  public constructor(
    url: URL,
    private readonly timeoutMs: number,
    ca: string | undefined,
    private readonly onIdle: (connection: RangeConnection) => void,
    private readonly onClose: (connection: RangeConnection) => void,
  ) {
    const onread = { buffer: () => this.nextBuffer(), callback: (bytes: number) => this.onRead(bytes) };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    // tls.connect takes `onread` like net.connect (Node passes it to the socket it creates);
    // @types/node 20 does not declare it.
    const tlsOptions: ConnectionOptions = { host, port, servername: host, ...(ca === undefined ? {} : { ca }), ...{ onread } };
    this.socket = url.protocol === 'https:' ? tlsConnect(tlsOptions) : netConnect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.on('timeout', () => this.socket.destroy(new Error(this.pending === undefined ? 'idle' : `no answer within ${this.timeoutMs} ms`)));
    this.socket.on('error', (error) => this.close(error));
    this.socket.on('close', () => this.close(new Error('connection closed by the server')));
  }

  /**
   * Sends one GET; resolves with the reply once `length` bytes of body (or all of it) are in,
   * read into `into` when given (the body is then a view of it).
   */
  public request(text: string, length: number, into?: Buffer): Promise<RangeReply> {
    if (this.pending !== undefined || this.closed) return Promise.reject(new Error('connection busy or closed'));
    this.received = 0;
    this.headLength = 0;
    this.body = undefined;
    this.socket.setTimeout(this.timeoutMs);
    return new Promise<RangeReply>((resolve, reject) => {
      this.pending = { length, into: into !== undefined && into.length >= length ? into : undefined, resolve, reject };
      this.socket.write(text);
    });
  }

  public destroy(): void {
    this.socket.destroy();
  }

  private nextBuffer(): Buffer {
    if (this.body !== undefined && this.filled < this.body.length) return this.body.subarray(this.filled);
    return this.head.subarray(this.headLength);
  }

  private onRead(bytes: number): boolean {
    this.received += bytes;
    if (this.pending === undefined) {
      this.socket.destroy(); // bytes nobody asked for: the connection is out of step
      return false;
    }
    if (this.body !== undefined) {
      this.filled += bytes;
    } else {
      this.headLength += bytes;
      const end = this.head.subarray(0, this.headLength).indexOf(HEAD_END);
      if (end < 0) {
        if (this.headLength === MAX_HEAD_BYTES) this.socket.destroy(new Error(`reply head over ${MAX_HEAD_BYTES} bytes`));
        return true;
      }
      if (!this.startBody(this.pending, end)) return false;
    }
    if (this.body !== undefined && this.filled === this.body.length) this.finish();
    return true;
  }

  /** Parses the head ending at `end`; false when the connection was closed over it. */
  private startBody(pending: Pending, end: number): boolean {
    const lines = this.head.toString('latin1', 0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? Number.NaN);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const ok = status === 200 || status === 206;
    // Only a 2xx body is read, and of it only what was asked for: the status alone says what
    // an error is, and a connection left with unread bytes is closed rather than reused.
    const declared = ok ? Number(headers.get('content-length') ?? Number.NaN) : 0;
    if (Number.isNaN(status) || (ok && (headers.has('transfer-encoding') || !Number.isSafeInteger(declared)))) {
      this.socket.destroy(new Error(`unexpected reply (${lines[0] ?? ''}, ${headers.get('transfer-encoding') ?? `Content-Length ${String(declared)}`})`));
      return false;
    }
    this.reply = { status, etag: headers.get('etag'), contentRange: headers.get('content-range') };
    const wanted = Math.min(pending.length, declared);
    this.reusable = ok && wanted === declared && headers.get('connection')?.toLowerCase() !== 'close';
    const early = this.head.subarray(end + HEAD_END.length, this.headLength);
    if (early.length > wanted) this.reusable = false;
    this.body = pending.into?.subarray(0, wanted) ?? Buffer.allocUnsafe(wanted);
    this.filled = early.copy(this.body, 0, 0, wanted);
    return true;
  }

  private finish(): void {
    const pending = this.pending as Pending;
    const reply = { ...(this.reply as Omit<RangeReply, 'body'>), body: this.reply?.status === 200 || this.reply?.status === 206 ? this.body : undefined };
    this.pending = undefined;
    this.body = undefined;
    this.headLength = 0;
    if (this.reusable) {
      this.reused = true;
      this.socket.setTimeout(IDLE_CLOSE_MS);
      this.onIdle(this);
    } else {
      this.socket.destroy();
    }
    pending.resolve(reply);
  }

  private close(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose(this);
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}

/** Keep-alive connections per origin for ranged GETs; see RangeConnection. */
class RangeConnections {
  private readonly idle = new Map<string, RangeConnection[]>();
  private readonly all = new Set<RangeConnection>();

  /** @param ca trusted certificates (PEM) instead of Node's own: for servers of tests. */
  public constructor(
    private readonly timeoutMs: number,
    private readonly ca?: string,
  ) {}

  /**
   * GETs `length` bytes from `offset` of `url` with the extra headers. A request that fails on a
   * reused connection before any byte of the reply came back is sent once more on a new one
   * (the server closed the idle connection as we sent). The body is read into `into` when given
   * (at least `length` bytes); a failed request may have written into it.
   *
   * @throws Error for a network failure, a timeout or a reply this client does not read.
   */
  public async get(url: URL, offset: number, length: number, headers: Readonly<Record<string, string>>, into?: Buffer): Promise<RangeReply> {
    const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, `Range: bytes=${offset}-${offset + length - 1}`];
    for (const [name, value] of Object.entries(headers)) {
      if (/[\r\n]/.test(value)) throw new Error(`header ${name} holds a line break`);
      lines.push(`${name}: ${value}`);
    }
    const text = `${lines.join('\r\n')}\r\n\r\n`;
    const connection = this.take(url);
    try {
      return await connection.request(text, length, into);
    } catch (error) {
      if (!connection.reused || connection.received > 0) throw error;
      // Nothing was received on the failed connection, so nothing was written into `into`.
      return this.open(url).request(text, length, into);
    }
  }

  /** Closes every connection; requests in flight fail. */
  public destroy(): void {
    for (const connection of [...this.all]) connection.destroy();
  }

  private take(url: URL): RangeConnection {
    return this.idle.get(url.origin)?.pop() ?? this.open(url);
  }

  private open(url: URL): RangeConnection {
    const origin = url.origin;
    const connection = new RangeConnection(
      url,
      this.timeoutMs,
      this.ca,
      (free) => {
        const list = this.idle.get(origin) ?? [];
        this.idle.set(origin, list);
        if (list.length >= MAX_IDLE_PER_ORIGIN) free.destroy();
        else list.push(free);
      },
      (gone) => {
        this.all.delete(gone);
        const list = this.idle.get(origin) ?? [];
        const at = list.indexOf(gone);
        if (at >= 0) list.splice(at, 1);
      },
    );
    this.all.add(connection);
    return connection;
  }
}

export { RangeConnections };
export type { RangeReply };
