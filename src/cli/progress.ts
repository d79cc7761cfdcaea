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

const MiB = 1024 * 1024;

/**
 * A progress bar on stderr when stderr is a terminal; silent otherwise (pipes and CI logs stay
 * clean). `bytes` bars count MiB and stay silent for inputs under 64 MiB; `pieces` bars count
 * pieces or a prefix's objects (prewarm's view of the API's progress). The bar's library loads only when a bar is
 * drawn: `create` in a script or a pipe does not pay for loading it (it is most of a small
 * file's run time after Node's own start).
 */
async function progressFor(kind: 'bytes' | 'pieces' | 'objects', total: number, stream: NodeJS.WriteStream = process.stderr): Promise<Progress> {
  if (stream.isTTY !== true || (kind === 'bytes' && total < PROGRESS_MIN_BYTES)) return silent;
  const { default: cliProgress } = await import('cli-progress');
  const scale = kind === 'bytes' ? (n: number): number => Math.floor(n / MiB) : (n: number): number => n;
  const unit = kind === 'bytes' ? 'MiB' : kind;
  const bar = new cliProgress.SingleBar(
    { stream, format: `hashing [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta}s`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(scale(total), 0);
  return {
    update: (done, newTotal) => {
      bar.setTotal(scale(newTotal));
      bar.update(scale(done));
    },
    stop: () => bar.stop(),
  };
}

export { PROGRESS_MIN_BYTES, progressFor };
export type { Progress };
