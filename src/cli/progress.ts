import cliProgress from 'cli-progress';

/**
 * Below this size hashing takes well under a second on one core: a bar would only flicker.
 */
const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

/** Minimal progress reporting interface the commands use. */
interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar on stderr when stderr is a terminal and the input is large; silent otherwise
 * (so pipes and CI logs stay clean).
 */
function progressFor(totalBytes: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY !== true || totalBytes < PROGRESS_MIN_BYTES) return silent;
  const bar = new cliProgress.SingleBar(
    { stream, format: 'hashing [{bar}] {percentage}% | {value}/{total} MiB | ETA {eta}s', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const mib = (n: number): number => Math.floor(n / 1024 / 1024);
  bar.start(mib(totalBytes), 0);
  return {
    update: (done) => bar.update(mib(done)),
    stop: () => bar.stop(),
  };
}

export { PROGRESS_MIN_BYTES, progressFor };
export type { Progress };
