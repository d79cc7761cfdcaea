/** What a client is asked to download: a .torrent file on disk or a magnet link. */
type TorrentSource = { readonly torrentFile: string } | { readonly magnet: string };

/** One bounded client run. */
interface ClientRun {
  /** Where the client saves the download; the file lands at `outDir/<torrent name>`. */
  readonly outDir: string;
  /** Whole run, start to verified completion; the client's process tree is killed after it. */
  readonly timeoutMs: number;
  /** Extra info for failures (which case of a test matrix this run is). */
  readonly label?: string;
  /** Ends the run early (the client is killed and the run rejects), e.g. a download cut off on purpose. */
  readonly abort?: AbortSignal;
}

/** A seeder running in the background until `stop()`. */
interface RunningSeeder {
  /** TCP port it accepts peers on (127.0.0.1). */
  readonly port: number;
  /** Its process id (the bench reads the seeder's CPU time from it). */
  readonly pid: number;
  /** Kills its process tree; resolves once it has exited. */
  stop(): Promise<void>;
}

export type { ClientRun, RunningSeeder, TorrentSource };
