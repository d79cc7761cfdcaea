import { ConfigError, EnvReader, ServiceEnv, awsConfigFrom, publicVerdictFrom } from '../config.js';
import { SwarmStoreConfigError, swarmStoreOptionsFrom } from '../tracker/index.js';
import type { SwarmStoreOptions } from '../tracker/index.js';
import type { AwsConfig, Env, PublicVerdictMode } from '../config.js';
import { PeerServerDefaults } from '../wire/index.js';

/** Bytes of object spans the seeder caches by default: a few hundred pieces, well inside a 1 GiB task. */
const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

/** S3 GETs in flight at once by default: enough to fill a 10 Gbit/s link at ~20 ms per 1 MiB GET. */
const DEFAULT_MAX_FETCHES = 32;

/**
 * How often the seeder reads the change log (one Query, whatever the number of swarms): a record
 * change (REVOKED, a new version) stops the swarm within this and the Query's round trip.
 */
const DEFAULT_CHANGE_POLL_MS = 1_000;

/**
 * The safety net (anonymous HEAD + record read) re-checks each swarm at most once a minute: it
 * only catches what no record change announces, e.g. a withdrawal whose event was lost.
 */
const DEFAULT_RECHECK_MS = 60_000;

/**
 * Safety-net re-checks per second at most, whatever the number of swarms: 5 HEADs and 5 record
 * reads a second, about $0.23 a day per seeder task with records up to 4 KB (docs/cost.md).
 * Up to 300 active swarms each get their minute; beyond that each waits swarms ÷ 5 seconds.
 */
const DEFAULT_RECHECKS_PER_SECOND = 5;

/**
 * How often the seeder reports what it served and what peers reported (metrics, log) and adds
 * it to each object's totals in DynamoDB: CloudWatch's finest standard resolution, and one
 * small write per active object a minute.
 */
const DEFAULT_EGRESS_FLUSH_MS = 60_000;

/**
 * Bytes of swarm state the tracker keeps by default: about 3 million peers in large swarms, a
 * million in swarms of 4 (src/tracker BYTES_PER_* constants); a quarter of what a 2 GiB task
 * leaves to Node beside the span cache.
 */
const DEFAULT_TRACKER_MEMORY_BYTES = 256 * 1024 * 1024;

/** Well-known BitTorrent ports: peers 6881, tracker 6969. */
const DEFAULT_PEER_PORT = 6881;
const DEFAULT_TRACKER_PORT = 6969;

/**
 * The environment variables the seeder reads beyond the AWS ones of {@link ServiceEnv}. The CDK
 * stack sets its container's environment from these names.
 */
const SeederEnv = {
  Table: ServiceEnv.Table,
  ArtifactsBucket: ServiceEnv.ArtifactsBucket,
  HashQueueUrl: ServiceEnv.HashQueueUrl,
  PublicVerdict: ServiceEnv.PublicVerdict,
  Hosts: 'S3TORRENT_SEEDER_HOSTS',
  PeerPort: 'S3TORRENT_PEER_PORT',
  TrackerPort: 'S3TORRENT_TRACKER_PORT',
  PublicAddresses: 'S3TORRENT_SEEDER_PUBLIC_ADDRESSES',
  CacheBytes: 'S3TORRENT_SEEDER_CACHE_BYTES',
  MaxFetches: 'S3TORRENT_SEEDER_MAX_FETCHES',
  ChangePollMs: 'S3TORRENT_SEEDER_CHANGE_POLL_MS',
  RecheckMs: 'S3TORRENT_SEEDER_RECHECK_MS',
  RechecksPerSecond: 'S3TORRENT_SEEDER_RECHECKS_PER_SECOND',
  MaxConnections: 'S3TORRENT_SEEDER_MAX_CONNECTIONS',
  MaxConnectionsPerIp: 'S3TORRENT_SEEDER_MAX_CONNECTIONS_PER_IP',
  MaxUnchoked: 'S3TORRENT_SEEDER_MAX_UNCHOKED',
  EgressFlushMs: 'S3TORRENT_SEEDER_EGRESS_FLUSH_MS',
  TrackerMemoryBytes: 'S3TORRENT_TRACKER_MEMORY_BYTES',
  /** `redis://host:port` or `rediss://host:port` (TLS): the swarm store shared by several tasks; unset, the tracker keeps its swarms in process. */
  SwarmStore: 'S3TORRENT_SWARM_STORE',
  SwarmStoreUser: 'S3TORRENT_SWARM_STORE_USER',
  /** On AWS an ECS secret from Secrets Manager, never a plain environment value. */
  SwarmStorePassword: 'S3TORRENT_SWARM_STORE_PASSWORD',
} as const;

/** Smallest tracker budget the seeder takes (the tracker's own floor). */
const MIN_TRACKER_MEMORY_BYTES = 1024 * 1024;

/** Smallest span cache: a few of the largest spans (8 MiB), or concurrent readers evict each other. */
const MIN_CACHE_BYTES = 16 * 1024 * 1024;

/** The seeder process's configuration, read once from the environment. */
interface SeederConfig {
  readonly aws: AwsConfig;
  readonly tableName: string;
  /** Where large .torrent files live (signed reads). */
  readonly artifactsBucket: string;
  /** When set, a changed object seen by the seeder gets a re-hash job here. */
  readonly hashQueueUrl: string | undefined;
  /** How public access is decided (as the handlers decide it); `s3` unless S3 is the embedded s3rver. */
  readonly publicVerdict: PublicVerdictMode;
  /** Addresses the peer port and the tracker listen on. */
  readonly hosts: readonly string[];
  readonly peerPort: number;
  readonly trackerPort: number;
  /** Addresses peers reach the seeder at, handed out by the tracker (the NLB's in AWS). */
  readonly publicAddresses: readonly string[];
  readonly cacheBytes: number;
  readonly maxFetches: number;
  /** How often the change log is read (ChangeFeed). */
  readonly changePollMs: number;
  /** Each swarm's safety-net re-check, at most once per this long (SafetyNet). */
  readonly recheckMs: number;
  /** Safety-net re-checks per second in total, at most. */
  readonly rechecksPerSecond: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxUnchoked: number;
  /** How often egress counts are reported and added to the persisted totals (EgressAccounting). */
  readonly egressFlushMs: number;
  /** Bytes of swarm state the tracker holds at most; past it the peers announced longest ago go. */
  readonly trackerMemoryBytes: number;
  /** The Valkey/Redis store several tasks share their swarms through; undefined: this task's own peers only. */
  readonly sharedStore?: SwarmStoreOptions | undefined;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/**
 * Reads the seeder's configuration (S3TORRENT_* variables; see README).
 *
 * @throws ConfigError naming the variable that is missing or malformed.
 */
function seederConfigFrom(env: Env = process.env): SeederConfig {
  const reader = new EnvReader(env);
  const hosts = reader.list(SeederEnv.Hosts);
  const listenOn = hosts.length > 0 ? hosts : ['0.0.0.0', '::'];
  const publicAddresses = reader.list(SeederEnv.PublicAddresses);
  return Object.freeze({
    aws: awsConfigFrom(reader),
    tableName: reader.string(SeederEnv.Table, 's3-torrent'),
    artifactsBucket: reader.string(SeederEnv.ArtifactsBucket),
    hashQueueUrl: reader.optionalString(SeederEnv.HashQueueUrl),
    publicVerdict: publicVerdictFrom(reader),
    hosts: listenOn,
    peerPort: reader.integer(SeederEnv.PeerPort, DEFAULT_PEER_PORT, 0, 65_535),
    trackerPort: reader.integer(SeederEnv.TrackerPort, DEFAULT_TRACKER_PORT, 0, 65_535),
    publicAddresses: publicAddresses.length > 0 ? publicAddresses : listenOn.filter((host) => !WILDCARDS.has(host)),
    cacheBytes: reader.integer(SeederEnv.CacheBytes, DEFAULT_CACHE_BYTES, MIN_CACHE_BYTES),
    maxFetches: reader.integer(SeederEnv.MaxFetches, DEFAULT_MAX_FETCHES, 1, 1024),
    changePollMs: reader.integer(SeederEnv.ChangePollMs, DEFAULT_CHANGE_POLL_MS, 100, 60_000),
    recheckMs: reader.integer(SeederEnv.RecheckMs, DEFAULT_RECHECK_MS, 1_000, 86_400_000),
    rechecksPerSecond: reader.integer(SeederEnv.RechecksPerSecond, DEFAULT_RECHECKS_PER_SECOND, 1, 1_000),
    maxConnections: reader.integer(SeederEnv.MaxConnections, PeerServerDefaults.maxConnections, 1, 100_000),
    maxConnectionsPerIp: reader.integer(SeederEnv.MaxConnectionsPerIp, PeerServerDefaults.maxConnectionsPerIp, 1, 100_000),
    maxUnchoked: reader.integer(SeederEnv.MaxUnchoked, PeerServerDefaults.maxUnchoked, 1, 10_000),
    egressFlushMs: reader.integer(SeederEnv.EgressFlushMs, DEFAULT_EGRESS_FLUSH_MS, 100, 3_600_000),
    trackerMemoryBytes: reader.integer(SeederEnv.TrackerMemoryBytes, DEFAULT_TRACKER_MEMORY_BYTES, MIN_TRACKER_MEMORY_BYTES),
    sharedStore: sharedStoreFrom(reader),
  });
}

function sharedStoreFrom(reader: EnvReader): SwarmStoreOptions | undefined {
  const url = reader.optionalString(SeederEnv.SwarmStore);
  if (url === undefined) return undefined;
  try {
    return swarmStoreOptionsFrom(url, { username: reader.optionalString(SeederEnv.SwarmStoreUser), password: reader.optionalString(SeederEnv.SwarmStorePassword) });
  } catch (error) {
    if (error instanceof SwarmStoreConfigError) throw new ConfigError(SeederEnv.SwarmStore, error.message, { cause: error });
    throw error;
  }
}

export {
  DEFAULT_CACHE_BYTES,
  DEFAULT_CHANGE_POLL_MS,
  DEFAULT_EGRESS_FLUSH_MS,
  DEFAULT_MAX_FETCHES,
  DEFAULT_PEER_PORT,
  DEFAULT_RECHECKS_PER_SECOND,
  DEFAULT_RECHECK_MS,
  DEFAULT_TRACKER_MEMORY_BYTES,
  DEFAULT_TRACKER_PORT,
  MIN_CACHE_BYTES,
  SeederEnv,
  seederConfigFrom,
};
export type { SeederConfig };
