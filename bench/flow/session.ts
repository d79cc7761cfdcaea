import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchClients } from './clients.js';
import type { BenchClients } from './clients.js';
import { cleanUpOnInterrupt, startStack, withStackOutput } from './stack.js';
import type { StackProcess } from './stack.js';

/** What a bench run on the local stack gets: its scratch directory and a way to start the stack there. */
interface BenchSession {
  /** A fresh directory under the system's temp directory, removed when the run ends (or is interrupted). */
  readonly dir: string;
  /** Starts `s3-torrent local` with its data under `dir` and the bench's clients for it; once per session. */
  startStack(extraEnv?: Readonly<Record<string, string>>, args?: readonly string[]): Promise<{ stack: StackProcess; clients: BenchClients }>;
  /** Runs `stop` when the bench ends, whatever happens: the last registered first, a failing one not stopping the rest. */
  stopAtEnd(stop: () => unknown): void;
}

/**
 * Runs `run` with a scratch directory and (once it asks) a local stack, and whatever happens
 * stops what it started (the stack, its clients, what it registered with stopAtEnd) and removes
 * the directory; a failure carries the stack's last output, what explains most of them.
 */
async function withBenchStack(tempPrefix: string, run: (session: BenchSession) => Promise<number>): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), tempPrefix));
  const stopCleanUp = cleanUpOnInterrupt(dir);
  let stack: StackProcess | undefined;
  const stoppers: Array<() => unknown> = [];
  const session: BenchSession = {
    dir,
    async startStack(extraEnv = {}, args = []) {
      if (stack !== undefined) throw new Error('a bench session starts one stack');
      const started = await startStack(join(dir, 'data'), extraEnv, args);
      stack = started;
      stoppers.push(async () => started.stop());
      const clients = benchClients(started.endpoints);
      stoppers.push(() => clients.destroy());
      return { stack: started, clients };
    },
    stopAtEnd(stop) {
      stoppers.push(stop);
    },
  };
  try {
    return await run(session);
  } catch (error) {
    throw withStackOutput(error, stack);
  } finally {
    for (const stop of stoppers.reverse()) await Promise.resolve().then(stop).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    stopCleanUp();
  }
}

export { withBenchStack };
export type { BenchSession };
