import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatorStartError } from './errors.js';
import { LOOPBACK_HOST, freeLoopbackPort } from './ports.js';

const SERVER = 'redis-server';

/** redis-server answers PING within ~50 ms of starting; a loaded machine may need more. */
const START_TIMEOUT_MS = 15_000;

/** Pause between two PING probes while it starts. */
const PROBE_INTERVAL_MS = 50;

/** SIGTERM lets it exit cleanly (it saves nothing: persistence is off); after this long it gets SIGKILL. */
const STOP_GRACE_MS = 5_000;

/** How much of its output is kept for error messages. */
const OUTPUT_TAIL_CHARS = 4_096;

interface StartRedisOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
}

interface RedisHandle {
  /** `redis://127.0.0.1:<port>`: what a seeder's S3TORRENT_SWARM_STORE takes. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Sends SIGTERM (SIGKILL after a grace period) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Whether something on the port answers a RESP PING with PONG. */
async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK_HOST, port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * Starts Debian's `redis-server` on loopback as the local stack's shared swarm store: in memory
 * only (no RDB or AOF file: tracker state is rebuilt by the next announces), no password (it
 * listens on 127.0.0.1 only).
 *
 * @throws EmulatorStartError when it is not installed, cannot bind, or does not answer in time.
 */
async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  const port = options.port === undefined || options.port === 0 ? await freeLoopbackPort() : options.port;
  const child = spawn(SERVER, ['--bind', LOOPBACK_HOST, '--port', String(port), '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit').then(() => undefined, () => undefined);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError !== undefined) {
      throw new EmulatorStartError(SERVER, `${spawnError.message} (install Debian's redis-server package)`, output, { cause: spawnError });
    }
    if (child.exitCode !== null || child.signalCode !== null) throw new EmulatorStartError(SERVER, `exited with ${child.exitCode ?? child.signalCode}`, output);
    if (await answersPing(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new EmulatorStartError(SERVER, `no answer on ${LOOPBACK_HOST}:${port} within ${START_TIMEOUT_MS} ms`, output);
    }
    await sleep(PROBE_INTERVAL_MS);
  }
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://${LOOPBACK_HOST}:${port}`,
    port,
    pid: child.pid as number,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

export { startRedis };
export type { RedisHandle, StartRedisOptions };
