import type { ServiceClients } from '../serviceClients.js';

/** How torrents are made and where they point; one deployment-wide setting each. */
interface PublishSettings {
  /** Tracker tiers written in every torrent (the deployment's HTTP and UDP trackers). */
  readonly trackers: ReadonlyArray<ReadonlyArray<string>>;
  /**
   * Base of the public S3 URL of an object, for the BEP 19 webseed: `<base>/<bucket>/<key>`
   * (path style). Undefined: no webseed.
   */
  readonly webseedBaseUrl: string | undefined;
  /**
   * Base of the webseed of v1 prefix torrents: the API, which answers BEP 47 pad files with zeros
   * and redirects every other path to S3 (src/api/serveWebseed.ts). Clients without BEP 47
   * (aria2c 1.36, Transmission 3.00) ask a webseed for pad files, and S3 has none: a 404 there
   * stalls them. Hybrid torrents keep S3: every client that reads v2 skips pads. Undefined (or
   * no `webseedBaseUrl`): v1 prefix torrents name S3 too.
   */
  readonly apiWebseedBaseUrl?: string | undefined;
  /** Objects larger than this are hashed in segments of about this size, one message each. */
  readonly segmentBytes: number;
  /** Hashing threads per worker (0 = on the handler's thread). */
  readonly hashThreads: number;
  /** Torrents up to this size live inline in the record, larger ones in the artifacts bucket. */
  readonly inlineTorrentMaxBytes: number;
}

/** What the hash-job handlers work with. */
interface HashJobContext extends ServiceClients {
  readonly settings: PublishSettings;
}

export type { HashJobContext, PublishSettings };
