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
