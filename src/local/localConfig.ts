import {
  DEFAULT_API_WAIT_MS,
  DEFAULT_SEGMENT_BYTES,
  EnvReader,
  MAX_API_WAIT_MS,
  MAX_INLINE_TORRENT_BYTES,
  MAX_RESPONSE_TORRENT_BYTES,
  MAX_STALE_JOB_SECONDS,
  MAX_SWEEP_SECONDS,
  MIN_SEGMENT_BYTES,
  ServiceEnv,
} from '../config.js';
import type { Env } from '../config.js';
import { MAX_LOCAL_SEEDERS } from './localSeeders.js';
import { freeLoopbackPort } from './ports.js';
import { MIN_RGW_CAPACITY_BYTES } from './rgw.js';

/** Which S3 the local stack uses. */
type S3Backend = { readonly kind: 'embedded' } | { readonly kind: 'rgw' } | { readonly kind: 'external'; readonly endpoint: string };

/**
 * Seconds between two sweeps locally: a few, so that a withdrawal RGW sends no event for (an ACL
 * or policy change) shows within seconds, as tests and a developer trying it expect.
 */
const LOCAL_SWEEP_SECONDS = 5;

/** The local seeder logs and stores its egress counts every 10 s: locally writes cost nothing. */
const LOCAL_EGRESS_FLUSH_MS = 10_000;

/** Locally a job untouched this long is re-queued: above the local hash queue's visibility timeout (120 s). */
const LOCAL_STALE_JOB_SECONDS = 300;

/** Bytes of objects the local Ceph RGW (`--s3 rgw`) holds; unset: rgw.sh's default (64 GiB). */
const RGW_CAPACITY_ENV = 'S3TORRENT_RGW_CAPACITY_BYTES';

/** Default ports: what scripts and the README rely on. Each has an environment override. */
const DEFAULT_PORTS = { s3: 9000, api: 8080, dynamoDb: 8000, sqs: 9324, peer: 6881, tracker: 6969 } as const;

interface LocalStackConfig {
  readonly dataDir: string;
  readonly s3: S3Backend;
  /**
   * With `--s3 rgw`: bytes of objects the gateway holds before it refuses uploads
   * (S3TORRENT_RGW_CAPACITY_BYTES); undefined for rgw.sh's default, 64 GiB. Either is cut to
   * what the data directory's disk has room for.
   */
  readonly rgwCapacityBytes: number | undefined;
  readonly ports: {
    readonly s3: number;
    readonly api: number;
    readonly dynamoDb: number;
    readonly sqs: number;
    /** The seeder's peer-wire port and its tracker's (HTTP and UDP) port. */
    readonly peer: number;
    readonly tracker: number;
  };
  /** Run the seeder and tracker (on by default; off to try webseed-only downloads). */
  readonly seeder: boolean;
  /**
   * Seeder/tracker pairs (`--seeders N`, S3TORRENT_LOCAL_SEEDERS; 1 by default). More than one
   * share their swarms through a redis-server the stack starts; seeder i (from 0) listens on the
   * peer and tracker ports plus i.
   */
  readonly seeders: number;
  /**
   * Put the S3 URL in the torrents' `url-list` (on by default). Off proves a download came from
   * the seeder alone: clients prefer a webseed when there is one.
   */
  readonly webseeds: boolean;
  /** Bytes of object spans the local seeder caches. */
  readonly seederCacheBytes: number;
  /** How often the local seeder logs and stores what it served (S3TORRENT_SEEDER_EGRESS_FLUSH_MS). */
  readonly seederEgressFlushMs: number;
  /** Concurrent hash-worker invocations (the Lambda's maximum concurrency). */
  readonly workers: number;
  readonly hashThreads: number;
  readonly segmentBytes: number;
  readonly apiWaitMs: number;
  /** The hash queue's visibility timeout: longer than a segment takes to hash. */
  readonly hashVisibilityTimeoutSeconds: number;
  /** Deliveries before a hash job goes to the dead-letter queue (and its record to FAILED). */
  readonly hashMaxReceives: number;
  /** Passed to the handlers as is: see ServiceConfig (lowered by tests of large torrents). */
  readonly inlineTorrentMaxBytes: number;
  readonly maxResponseTorrentBytes: number;
  /** Seconds between sweeps of every record (S3TORRENT_SWEEP_SECONDS). */
  readonly sweepSeconds: number;
  /** PENDING/HASHING records untouched this long get their job again (S3TORRENT_STALE_JOB_SECONDS). */
  readonly staleJobSeconds: number;
}

/**
 * The local stack's settings: command-line choices over environment variables over defaults.
 * With Lambda bundles (`--handlers`), the hash threads are the function's, whatever the
 * environment says: a Lambda bundle has no hashWorker.cjs beside it to start a thread from.
 * Ports: S3TORRENT_S3_PORT, S3TORRENT_API_PORT, S3TORRENT_DYNAMODB_PORT, S3TORRENT_SQS_PORT,
 * S3TORRENT_PEER_PORT, S3TORRENT_TRACKER_PORT.
 */
function localStackConfigFrom(
  overrides: {
    dataDir?: string | undefined;
    s3?: S3Backend | undefined;
    /** Hash threads that win over S3TORRENT_HASH_THREADS: the Lambda's, when running its bundles. */
    hashThreads?: number | undefined;
    /** Seeder/tracker pairs that win over S3TORRENT_LOCAL_SEEDERS (`--seeders`). */
    seeders?: number | undefined;
  },
  env: Env = process.env,
): LocalStackConfig {
  const reader = new EnvReader(env);
  const port = (name: string, fallback: number): number => reader.integer(name, fallback, 0, 65_535);
  const s3: S3Backend = overrides.s3 ?? { kind: 'embedded' };
  return Object.freeze({
    dataDir: overrides.dataDir ?? reader.string('S3TORRENT_DATA_DIR', '.s3-torrent'),
    s3,
    rgwCapacityBytes: reader.optionalString(RGW_CAPACITY_ENV) === undefined ? undefined : reader.integer(RGW_CAPACITY_ENV, 0, MIN_RGW_CAPACITY_BYTES),
    ports: {
      s3: port('S3TORRENT_S3_PORT', DEFAULT_PORTS.s3),
      api: port('S3TORRENT_API_PORT', DEFAULT_PORTS.api),
      dynamoDb: port('S3TORRENT_DYNAMODB_PORT', DEFAULT_PORTS.dynamoDb),
      sqs: port('S3TORRENT_SQS_PORT', DEFAULT_PORTS.sqs),
      peer: port('S3TORRENT_PEER_PORT', DEFAULT_PORTS.peer),
      tracker: port('S3TORRENT_TRACKER_PORT', DEFAULT_PORTS.tracker),
    },
    seederCacheBytes: reader.integer('S3TORRENT_SEEDER_CACHE_BYTES', 128 * 1024 * 1024, 16 * 1024 * 1024),
    seederEgressFlushMs: reader.integer('S3TORRENT_SEEDER_EGRESS_FLUSH_MS', LOCAL_EGRESS_FLUSH_MS, 100, 3_600_000),
    webseeds: reader.oneOf('S3TORRENT_LOCAL_WEBSEEDS', ['on', 'off'] as const, 'on') === 'on',
    seeder: reader.oneOf('S3TORRENT_LOCAL_SEEDER', ['on', 'off'] as const, 'on') === 'on',
    seeders: overrides.seeders ?? reader.integer('S3TORRENT_LOCAL_SEEDERS', 1, 1, MAX_LOCAL_SEEDERS),
    workers: reader.integer('S3TORRENT_LOCAL_WORKERS', 2, 1, 64),
    // One hashing thread per worker: locally the handlers share one event loop with s3rver.
    hashThreads: overrides.hashThreads ?? reader.integer('S3TORRENT_HASH_THREADS', 1, 0, 64),
    segmentBytes: reader.integer('S3TORRENT_SEGMENT_BYTES', DEFAULT_SEGMENT_BYTES, MIN_SEGMENT_BYTES),
    apiWaitMs: reader.integer('S3TORRENT_API_WAIT_MS', DEFAULT_API_WAIT_MS, 0, MAX_API_WAIT_MS),
    hashVisibilityTimeoutSeconds: reader.integer('S3TORRENT_HASH_VISIBILITY_TIMEOUT', 120, 1, 43_200),
    hashMaxReceives: reader.integer('S3TORRENT_HASH_MAX_RECEIVES', 5, 1, 1000),
    inlineTorrentMaxBytes: reader.integer('S3TORRENT_INLINE_TORRENT_MAX_BYTES', MAX_INLINE_TORRENT_BYTES, 0, MAX_INLINE_TORRENT_BYTES),
    maxResponseTorrentBytes: reader.integer('S3TORRENT_MAX_RESPONSE_TORRENT_BYTES', MAX_RESPONSE_TORRENT_BYTES, 0, MAX_RESPONSE_TORRENT_BYTES),
    sweepSeconds: reader.integer(ServiceEnv.SweepSeconds, LOCAL_SWEEP_SECONDS, 1, MAX_SWEEP_SECONDS),
    staleJobSeconds: reader.integer(ServiceEnv.StaleJobSeconds, LOCAL_STALE_JOB_SECONDS, 1, MAX_STALE_JOB_SECONDS),
  });
}

/**
 * Port settings for a local stack that must not collide with another on this machine (tests,
 * benchmarks): free loopback ports for the emulators and the API, port 0 for the seeder and
 * tracker (they bind a free one themselves; the torrents announce the real one).
 */
async function freeLocalStackPorts(): Promise<{ s3: number; api: number; dynamoDb: number; sqs: number; env: Record<string, string> }> {
  const ports = { s3: await freeLoopbackPort(), api: await freeLoopbackPort(), dynamoDb: await freeLoopbackPort(), sqs: await freeLoopbackPort() };
  return {
    ...ports,
    env: {
      S3TORRENT_S3_PORT: String(ports.s3),
      S3TORRENT_API_PORT: String(ports.api),
      S3TORRENT_DYNAMODB_PORT: String(ports.dynamoDb),
      S3TORRENT_SQS_PORT: String(ports.sqs),
      S3TORRENT_PEER_PORT: '0',
      S3TORRENT_TRACKER_PORT: '0',
    },
  };
}

export { DEFAULT_PORTS, LOCAL_STALE_JOB_SECONDS, LOCAL_SWEEP_SECONDS, freeLocalStackPorts, localStackConfigFrom };
export type { LocalStackConfig, S3Backend };
