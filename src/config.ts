import { S3TorrentError } from './errors.js';

/** A missing or malformed environment variable: the deployment is misconfigured. */
class ConfigError extends S3TorrentError {
  public readonly variable: string;

  public constructor(variable: string, problem: string, options?: ErrorOptions) {
    super(`environment variable ${variable} ${problem}`, options);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Typed readers over one environment snapshot: the only place that looks at `process.env`. */
class EnvReader {
  public constructor(private readonly env: Env = process.env) {}

  public string(name: string, fallback?: string): string {
    const value = this.env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new ConfigError(name, 'is required');
  }

  public optionalString(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  public integer(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const text = this.optionalString(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `must be an integer from ${min} to ${max}, not "${text}"`);
    }
    return value;
  }

  public list(name: string): string[] {
    return (this.optionalString(name) ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }

  public oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const text = this.optionalString(name) ?? fallback;
    if (!(allowed as readonly string[]).includes(text)) {
      throw new ConfigError(name, `must be one of ${allowed.join(', ')}, not "${text}"`);
    }
    return text as T;
  }
}

/**
 * The environment variables the Lambda handlers read, by what they hold. The CDK stack sets its
 * functions' environment from these names, so renaming one here renames it there too.
 */
const ServiceEnv = {
  Region: 'AWS_REGION',
  S3Endpoint: 'S3TORRENT_S3_ENDPOINT',
  DynamoDbEndpoint: 'S3TORRENT_DYNAMODB_ENDPOINT',
  SqsEndpoint: 'S3TORRENT_SQS_ENDPOINT',
  Table: 'S3TORRENT_TABLE',
  HashQueueUrl: 'S3TORRENT_HASH_QUEUE_URL',
  ArtifactsBucket: 'S3TORRENT_ARTIFACTS_BUCKET',
  PublishedBuckets: 'S3TORRENT_PUBLISHED_BUCKETS',
  DefaultFormat: 'S3TORRENT_DEFAULT_FORMAT',
  ApiWaitMs: 'S3TORRENT_API_WAIT_MS',
  SegmentBytes: 'S3TORRENT_SEGMENT_BYTES',
  HashThreads: 'S3TORRENT_HASH_THREADS',
  HashMaxReceives: 'S3TORRENT_HASH_MAX_RECEIVES',
  Trackers: 'S3TORRENT_TRACKERS',
  WebseedBaseUrl: 'S3TORRENT_WEBSEED_BASE_URL',
  ApiWebseedBaseUrl: 'S3TORRENT_API_WEBSEED_BASE_URL',
  InlineTorrentMaxBytes: 'S3TORRENT_INLINE_TORRENT_MAX_BYTES',
  MaxResponseTorrentBytes: 'S3TORRENT_MAX_RESPONSE_TORRENT_BYTES',
  PublicVerdict: 'S3TORRENT_PUBLIC_VERDICT',
  AccessQueueUrl: 'S3TORRENT_ACCESS_QUEUE_URL',
  StaleJobSeconds: 'S3TORRENT_STALE_JOB_SECONDS',
  /** Read by the local stack, which runs the sweep on a timer (on AWS the stack's schedule runs it). */
  SweepSeconds: 'S3TORRENT_SWEEP_SECONDS',
} as const;

/** AWS endpoints: unset in AWS (the SDK's defaults); set to the emulators locally. */
interface AwsConfig {
  readonly region: string;
  readonly s3Endpoint: string | undefined;
  readonly dynamoDbEndpoint: string | undefined;
  readonly sqsEndpoint: string | undefined;
}

/** Reads the AWS part of the configuration. */
function awsConfigFrom(reader: EnvReader): AwsConfig {
  return Object.freeze({
    region: reader.string(ServiceEnv.Region, 'us-east-1'),
    s3Endpoint: reader.optionalString(ServiceEnv.S3Endpoint),
    dynamoDbEndpoint: reader.optionalString(ServiceEnv.DynamoDbEndpoint),
    sqsEndpoint: reader.optionalString(ServiceEnv.SqsEndpoint),
  });
}

/** Default size of a hashing segment: 256 MiB, about 3 s of one S3 stream; see docs/sizing.md. */
const DEFAULT_SEGMENT_BYTES = 256 * 1024 ** 2;

/** Default wait of a first `?torrent` request: long enough for a few hundred MiB, under API Gateway's 30 s. */
const DEFAULT_API_WAIT_MS = 20_000;

/** Longest wait of a `?torrent` request: API Gateway ends an integration after 30 s. */
const MAX_API_WAIT_MS = 29_000;

/** Smallest segment: one piece of the smallest piece length. */
const MIN_SEGMENT_BYTES = 16 * 1024;

/**
 * Largest torrent kept inline in a record. DynamoDB items are capped at 400 KB and a record holds
 * both formats, so each gets well under half of it. Lower values are for tests of the artifact path.
 */
const MAX_INLINE_TORRENT_BYTES = 150 * 1024;

/**
 * Largest .torrent returned in a response. API Gateway and Lambda cap a response at 6 MB and
 * binary bodies travel base64-encoded (4/3 larger); above this, a redirect to a short-lived
 * presigned URL of the artifacts bucket is sent instead.
 */
const MAX_RESPONSE_TORRENT_BYTES = 4 * 1024 * 1024;

/** The torrent formats a deployment can default to (README: "What the torrents look like"). */
const TORRENT_FORMATS = ['v1', 'hybrid'] as const;

/**
 * Who decides that an object is public, the value of `S3TORRENT_PUBLIC_VERDICT` (README:
 * "GET ?torrent"). An unsigned HEAD that succeeds only proves that *we* may read the object: a
 * bucket policy open to a source IP or a VPC endpoint lets our own process in. S3's own verdict
 * of "public" is the one Block Public Access uses.
 */
const PublicVerdict = {
  /**
   * The unsigned HEAD succeeds AND S3 calls the access public: GetBucketPolicyStatus.IsPublic,
   * or an object ACL granting AllUsers READ. The default: AWS and Ceph RGW.
   */
  S3: 's3',
  /**
   * The unsigned HEAD alone. Only for the local stack's embedded s3rver, which has no access
   * control (every object is readable), answers GetBucketPolicyStatus with 501 NotImplemented
   * and GetObjectAcl with a fixed stub that grants nobody else anything.
   */
  AnonymousHead: 'anonymous-head',
} as const;
type PublicVerdictMode = (typeof PublicVerdict)[keyof typeof PublicVerdict];
const PUBLIC_VERDICT_MODES: readonly PublicVerdictMode[] = Object.values(PublicVerdict);

/** Most hashing threads per worker: more than any Lambda (6 vCPUs) or Fargate task (16) has cores. */
const MAX_HASH_THREADS = 64;

/** Deliveries of a hash job before it goes to the dead-letter queue: SQS's own redrive default range. */
const DEFAULT_HASH_MAX_RECEIVES = 5;
const MAX_HASH_MAX_RECEIVES = 1000;

/**
 * Seconds between sweeps of every record (the access checker's safety net for lost events): AWS
 * runs the sweep on this schedule by default (the `sweepMinutes` setting). Hourly: a withdrawal
 * whose event was lost is noticed within the hour, for one anonymous HEAD per record per hour.
 */
const DEFAULT_SWEEP_SECONDS = 60 * 60;
/** Longest sweep interval: a day (EventBridge rates go further, a safety net should not). */
const MAX_SWEEP_SECONDS = 24 * 60 * 60;

/**
 * A PENDING or HASHING record untouched this long has lost its job, and the sweep queues it
 * again: the hash queue's visibility timeout (30 min), after which a job received but not
 * finished would have come back by itself. Shorter would duplicate jobs still waiting in a busy
 * queue (harmless, but work).
 */
const DEFAULT_STALE_JOB_SECONDS = 30 * 60;
/** Longest: a week, the life of segment results. */
const MAX_STALE_JOB_SECONDS = 7 * 24 * 60 * 60;

/** What the Lambdas (and the local stack running the same handlers) are configured with. */
interface ServiceConfig {
  readonly aws: AwsConfig;
  readonly tableName: string;
  readonly hashQueueUrl: string;
  readonly artifactsBucket: string;
  /** Published buckets; `'*'` publishes every bucket the endpoint has (local stack only). */
  readonly publishedBuckets: ReadonlySet<string> | '*';
  readonly defaultFormat: (typeof TORRENT_FORMATS)[number];
  readonly apiWaitMs: number;
  readonly segmentBytes: number;
  readonly hashThreads: number;
  /** The hash queue's redrive maxReceiveCount: the last delivery marks the record FAILED. */
  readonly hashMaxReceives: number;
  /** Announce URLs, one BEP 12 tier each (HTTP tracker first, then UDP). */
  readonly trackers: ReadonlyArray<ReadonlyArray<string>>;
  /** Path-style base URL of the public S3 endpoint for webseeds; undefined disables them. */
  readonly webseedBaseUrl: string | undefined;
  /**
   * The API's base URL (`/{bucket}/{key}` without `?torrent` answers pad files and redirects to
   * S3): the webseed of v1 prefix torrents. Undefined: they name S3 itself.
   */
  readonly apiWebseedBaseUrl: string | undefined;
  /** Torrents up to this size live inline in the record; larger ones in the artifacts bucket. */
  readonly inlineTorrentMaxBytes: number;
  /** Torrents up to this size are returned in the response; larger ones by a 307 redirect. */
  readonly maxResponseTorrentBytes: number;
  /** How public access is decided; `s3` unless the S3 endpoint is the embedded s3rver. */
  readonly publicVerdict: PublicVerdictMode;
  /** The `access-events` queue: where the access checker and the sweep hand on re-checks that ran out of time. */
  readonly accessQueueUrl: string | undefined;
  /** PENDING/HASHING records untouched this long get their job queued again by the sweep. */
  readonly staleJobSeconds: number;
}

/** Reads `S3TORRENT_PUBLIC_VERDICT` (the services' and the seeder's alike). */
function publicVerdictFrom(reader: EnvReader): PublicVerdictMode {
  return reader.oneOf(ServiceEnv.PublicVerdict, PUBLIC_VERDICT_MODES, PublicVerdict.S3);
}

/**
 * Reads the service configuration once (call it at module load of a handler).
 *
 * @throws ConfigError naming the variable that is missing or malformed.
 */
function serviceConfigFrom(env: Env = process.env): ServiceConfig {
  const reader = new EnvReader(env);
  const buckets = reader.list(ServiceEnv.PublishedBuckets);
  return Object.freeze({
    aws: awsConfigFrom(reader),
    tableName: reader.string(ServiceEnv.Table, 's3-torrent'),
    hashQueueUrl: reader.string(ServiceEnv.HashQueueUrl),
    artifactsBucket: reader.string(ServiceEnv.ArtifactsBucket),
    publishedBuckets: buckets.length === 1 && buckets[0] === '*' ? '*' : new Set(buckets),
    defaultFormat: reader.oneOf(ServiceEnv.DefaultFormat, TORRENT_FORMATS, 'v1'),
    apiWaitMs: reader.integer(ServiceEnv.ApiWaitMs, DEFAULT_API_WAIT_MS, 0, MAX_API_WAIT_MS),
    segmentBytes: reader.integer(ServiceEnv.SegmentBytes, DEFAULT_SEGMENT_BYTES, MIN_SEGMENT_BYTES),
    hashThreads: reader.integer(ServiceEnv.HashThreads, 0, 0, MAX_HASH_THREADS),
    hashMaxReceives: reader.integer(ServiceEnv.HashMaxReceives, DEFAULT_HASH_MAX_RECEIVES, 1, MAX_HASH_MAX_RECEIVES),
    trackers: reader.list(ServiceEnv.Trackers).map((url) => [url]),
    webseedBaseUrl: reader.optionalString(ServiceEnv.WebseedBaseUrl),
    apiWebseedBaseUrl: reader.optionalString(ServiceEnv.ApiWebseedBaseUrl),
    inlineTorrentMaxBytes: reader.integer(ServiceEnv.InlineTorrentMaxBytes, MAX_INLINE_TORRENT_BYTES, 0, MAX_INLINE_TORRENT_BYTES),
    maxResponseTorrentBytes: reader.integer(ServiceEnv.MaxResponseTorrentBytes, MAX_RESPONSE_TORRENT_BYTES, 0, MAX_RESPONSE_TORRENT_BYTES),
    publicVerdict: publicVerdictFrom(reader),
    accessQueueUrl: reader.optionalString(ServiceEnv.AccessQueueUrl),
    staleJobSeconds: reader.integer(ServiceEnv.StaleJobSeconds, DEFAULT_STALE_JOB_SECONDS, 1, MAX_STALE_JOB_SECONDS),
  });
}

export {
  ConfigError,
  DEFAULT_API_WAIT_MS,
  DEFAULT_HASH_MAX_RECEIVES,
  DEFAULT_SEGMENT_BYTES,
  DEFAULT_STALE_JOB_SECONDS,
  DEFAULT_SWEEP_SECONDS,
  EnvReader,
  MAX_API_WAIT_MS,
  MAX_HASH_MAX_RECEIVES,
  MAX_HASH_THREADS,
  MAX_INLINE_TORRENT_BYTES,
  MAX_RESPONSE_TORRENT_BYTES,
  MAX_STALE_JOB_SECONDS,
  MAX_SWEEP_SECONDS,
  MIN_SEGMENT_BYTES,
  PUBLIC_VERDICT_MODES,
  PublicVerdict,
  ServiceEnv,
  TORRENT_FORMATS,
  awsConfigFrom,
  publicVerdictFrom,
  serviceConfigFrom,
};
export type { AwsConfig, Env, PublicVerdictMode, ServiceConfig };
