import { Socket, connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { SwarmStoreError, SwarmStoreUnavailableError } from './errors.js';
import { RespErrorReply, RespReader, encodeCommands } from './resp.js';
import type { RespArgument, RespReply } from './resp.js';
import type { SwarmStoreOptions } from './storeOptions.js';

/** First wait before reconnecting after a failure; doubled each failed attempt. */
const FIRST_RETRY_MS = 100;

/** Longest wait between reconnect attempts: a recovered store is used again within this. */
const MAX_RETRY_MS = 5_000;

/** Longest wait for a connection (TCP + TLS + AUTH) or for a pipeline's replies; past it the connection is dropped. A store on the same VPC answers in about a millisecond. */
const REPLY_TIMEOUT_MS = 2_000;

/** Whether the store can be used now, as the sync tells its operator. */
type StoreStatus = { readonly state: 'up' } | { readonly state: 'down'; readonly reason: string };

interface Pending {
  readonly count: number;
  readonly replies: RespReply[];
  readonly resolve: (replies: RespReply[]) => void;
  readonly reject: (error: Error) => void;
}

/**
 * One connection to Valkey or Redis (RESP2), kept open: TLS and AUTH when configured, pipelines
 * of commands in one write, and reconnection with backoff when the store goes away. Commands are
 * never queued while it is down: a pipeline then fails at once, so the caller keeps its batch and
 * the tracker is never held up.
 */
class StoreConnection {
  private socket: Socket | undefined;
  private reader = new RespReader();
  private ready = false;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private replyTimer: NodeJS.Timeout | undefined;
  private readonly pending: Pending[] = [];
  private lastStatus: StoreStatus | undefined;
  /** Commands sent since start, for the operator (and the bench's ops per second). */
  public commandsSent = 0;

  public constructor(
    private readonly options: SwarmStoreOptions,
    private readonly onStatus: (status: StoreStatus) => void,
  ) {
    this.open();
  }

  /** Whether a pipeline sent now would go out. */
  public get isReady(): boolean {
    return this.ready;
  }

  /**
   * Sends the commands in one write and resolves with one reply per command (error replies
   * included, as {@link RespErrorReply}).
   *
   * @throws SwarmStoreUnavailableError when not connected, or when the connection drops first.
   */
  public async pipeline(commands: readonly (readonly RespArgument[])[]): Promise<RespReply[]> {
    if (commands.length === 0) return [];
    const socket = this.socket;
    if (!this.ready || socket === undefined) throw new SwarmStoreUnavailableError(this.lastStatus?.state === 'down' ? this.lastStatus.reason : 'connecting');
    return this.send(socket, commands);
  }

  /** Drops the connection and stops reconnecting; pending pipelines fail. */
  public close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.drop(new SwarmStoreUnavailableError('closed'));
  }

  private async send(socket: Socket, commands: readonly (readonly RespArgument[])[]): Promise<RespReply[]> {
    return new Promise<RespReply[]>((resolve, reject) => {
      this.pending.push({ count: commands.length, replies: [], resolve, reject });
      this.commandsSent += commands.length;
      socket.write(encodeCommands(commands));
      this.replyTimer ??= setTimeout(() => this.fail(new SwarmStoreUnavailableError(`no reply in ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS);
    });
  }

  private open(): void {
    if (this.closed) return;
    const { host, port, tls } = this.options;
    const socket = tls ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
    this.socket = socket;
    this.reader = new RespReader();
    socket.setNoDelay(true);
    socket.setKeepAlive(true, REPLY_TIMEOUT_MS);
    const connectTimer = setTimeout(() => {
      if (this.socket === socket && !this.ready) this.fail(new SwarmStoreUnavailableError(`no connection in ${REPLY_TIMEOUT_MS} ms`));
    }, REPLY_TIMEOUT_MS);
    connectTimer.unref();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new SwarmStoreUnavailableError('connection closed')));
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      void this.login(socket).then(
        () => {
          clearTimeout(connectTimer);
          if (this.socket !== socket) return;
          this.ready = true;
          this.retryMs = FIRST_RETRY_MS;
          this.report({ state: 'up' });
        },
        (error: unknown) => {
          clearTimeout(connectTimer);
          if (this.socket === socket) this.fail(error instanceof Error ? error : new SwarmStoreError(String(error)));
        },
      );
    });
  }

  private async login(socket: Socket): Promise<void> {
    const { username, password } = this.options;
    const commands: RespArgument[][] = [];
    if (password !== undefined) commands.push(username === undefined ? ['AUTH', password] : ['AUTH', username, password]);
    // PING proves the server speaks RESP before anything is sent for real.
    commands.push(['PING']);
    const replies = await this.send(socket, commands);
    for (const reply of replies) {
      if (reply instanceof RespErrorReply) throw new SwarmStoreError(`login refused: ${reply.message}`);
    }
  }

  private receive(chunk: Buffer): void {
    let replies: RespReply[];
    try {
      replies = this.reader.feed(chunk);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    for (const reply of replies) {
      const head = this.pending[0];
      if (head === undefined) {
        this.fail(new SwarmStoreError('a reply to no command'));
        return;
      }
      head.replies.push(reply);
      if (head.replies.length === head.count) {
        this.pending.shift();
        head.resolve(head.replies);
      }
    }
    clearTimeout(this.replyTimer);
    this.replyTimer = this.pending.length > 0 ? setTimeout(() => this.fail(new SwarmStoreUnavailableError(`no reply in ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS) : undefined;
  }

  /** Drops the connection for `error` and schedules the next attempt. */
  private fail(error: Error): void {
    if (this.closed) return;
    const wasOpen = this.socket !== undefined;
    this.drop(error);
    if (!wasOpen) return;
    this.report({ state: 'down', reason: error.message });
    this.retryTimer = setTimeout(() => this.open(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private drop(error: Error): void {
    const socket = this.socket;
    this.socket = undefined;
    this.ready = false;
    clearTimeout(this.replyTimer);
    this.replyTimer = undefined;
    socket?.removeAllListeners();
    socket?.on('error', () => undefined);
    socket?.destroy();
    for (const waiting of this.pending.splice(0)) waiting.reject(error);
  }

  /** Tells the operator of a change only: one line per outage, not one per attempt. */
  private report(status: StoreStatus): void {
    if (this.lastStatus?.state === status.state) return;
    this.lastStatus = status;
    try {
      this.onStatus(status);
    } catch {
      // The operator's logger must not break the connection.
    }
  }
}

export { FIRST_RETRY_MS, MAX_RETRY_MS, REPLY_TIMEOUT_MS, StoreConnection };
export type { StoreStatus };
