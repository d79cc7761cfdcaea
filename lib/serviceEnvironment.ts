import { DEFAULT_API_WAIT_MS, ServiceEnv } from '../src/config.js';
import type { TORRENT_FORMATS } from '../src/config.js';

/** What the stack knows that the handlers need; tokens until deploy. */
interface ServiceEnvironmentInput {
  readonly tableName: string;
  readonly hashQueueUrl: string;
  /** The hash queue's redrive count: the handler marks a record FAILED on the last delivery. */
  readonly hashMaxReceives: number;
  readonly artifactsBucket: string;
  readonly publishedBuckets: readonly string[];
  readonly defaultFormat: (typeof TORRENT_FORMATS)[number];
  readonly segmentBytes: number;
  /** Announce URLs, HTTP tracker first. */
  readonly trackers: readonly string[];
  /** Path-style S3 base for webseeds; undefined: none. */
  readonly webseedBaseUrl: string | undefined;
}

/**
 * The environment of both handlers, by the names src/config.ts reads (`serviceConfigFrom`). The
 * AWS endpoints stay unset (the SDK's defaults are the right ones), and so does AWS_REGION: Lambda
 * sets it and refuses a function that sets it itself (a reserved variable).
 */
function serviceEnvironment(input: ServiceEnvironmentInput): Record<string, string> {
  const environment: Record<string, string> = {
    [ServiceEnv.Table]: input.tableName,
    [ServiceEnv.HashQueueUrl]: input.hashQueueUrl,
    [ServiceEnv.HashMaxReceives]: String(input.hashMaxReceives),
    [ServiceEnv.ArtifactsBucket]: input.artifactsBucket,
    [ServiceEnv.PublishedBuckets]: input.publishedBuckets.join(','),
    [ServiceEnv.DefaultFormat]: input.defaultFormat,
    [ServiceEnv.ApiWaitMs]: String(DEFAULT_API_WAIT_MS),
    [ServiceEnv.SegmentBytes]: String(input.segmentBytes),
    // A Lambda bundle is one file: there is no hashWorker.js beside it to start a thread from,
    // and at one vCPU the S3 stream, not hashing, is the bottleneck (docs/sizing.md).
    [ServiceEnv.HashThreads]: '0',
    [ServiceEnv.Trackers]: input.trackers.join(','),
  };
  if (input.webseedBaseUrl !== undefined) environment[ServiceEnv.WebseedBaseUrl] = input.webseedBaseUrl;
  return environment;
}

export { serviceEnvironment };
export type { ServiceEnvironmentInput };
