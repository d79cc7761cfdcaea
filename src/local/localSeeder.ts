import { PublicVerdict } from '../config.js';
import type { AwsConfig, PublicVerdictMode } from '../config.js';
import { RecordStore } from '../records/index.js';
import type { awsClients } from '../service/awsClients.js';
import { DEFAULT_CHANGE_POLL_MS, DEFAULT_MAX_FETCHES, DEFAULT_TRACKER_MEMORY_BYTES, Seeder } from '../seeding/index.js';
import type { EgressPeriod } from '../seeding/index.js';
import { AnonymousRangeReader, BUCKET_VERDICT_TTL_MS, PublicAccess, anonymousS3Client } from '../storage/index.js';
import type { SwarmStoreOptions } from '../tracker/index.js';
import { PeerServerDefaults } from '../wire/index.js';
import type { Swarm } from '../wire/index.js';
import type { LocalStackConfig, S3Backend } from './localConfig.js';
import { seederPorts } from './localSeeders.js';
import { loopbackHosts } from './ports.js';
import { ARTIFACTS_BUCKET, TABLE_NAME } from './stackNames.js';

/** The seeder and tracker of the local stack. */
interface LocalSeeder {
  readonly peerPort: number;
  readonly trackerPort: number;
  /** What the torrents announce: the HTTP tracker, then the UDP one (one BEP 12 tier each). */
  readonly trackerUrls: readonly string[];
  /**
   * The object's swarm, running or the last one stopped: what the seeder served of it, when it
   * stopped and why. What a withdrawal test checks ("no byte served after it was noticed").
   */
  swarmOf(bucket: string, key: string): SwarmReport | undefined;
  /** The same for a prefix snapshot's swarm (the prefix ends in `/`). */
  prefixSwarmOf(bucket: string, prefix: string): SwarmReport | undefined;
  /** Stops seeding and tracking (a webseed-only download needs the seeder gone); idempotent. */
  stop(): Promise<void>;
}

/** One swarm as the seeder's own counters see it. */
interface SwarmReport {
  /** `bucket/key@etag`. */
  readonly id: string;
  readonly servedBytes: number;
  /** Block bytes handed to peers after the swarm stopped: must be 0. */
  readonly servedAfterStopBytes: number;
  /** Peer connections in the swarm now: 0 once it stopped (every one is cut off). */
  readonly peers: number;
  readonly stoppedAt: number | undefined;
  readonly stopReason: string | undefined;
}

/** How many stopped swarms the local seeder remembers for swarmOf (tests look at a few). */
const REMEMBERED_STOPPED_SWARMS = 1_000;

/** A stopped swarm's key: prefixes apart from objects, as a key may end in `/` like a prefix. */
function stoppedKey(bucket: string, keyOrPrefix: string, prefix: boolean): string {
  return `${prefix ? 'p:' : ''}${bucket}/${keyOrPrefix}`;
}

/**
 * How the handlers and the seeder decide that an object is public, by the S3 the stack runs on:
 * S3's own verdict (the default) wherever S3 gives one (Ceph RGW, another endpoint); the
 * unsigned HEAD alone on the embedded s3rver, which has no access control, answers
 * GetBucketPolicyStatus with 501 NotImplemented and GetObjectAcl with a fixed stub.
 */
function publicVerdictFor(backend: S3Backend): PublicVerdictMode {
  return backend.kind === 'embedded' ? PublicVerdict.AnonymousHead : PublicVerdict.S3;
}

/** The local stack's log of one egress period: a line per object, and one for counts not kept. */
function egressLines(period: EgressPeriod): string[] {
  const seconds = (period.periodMs / 1000).toFixed(1);
  const lines = period.figures.map((f) => [
    `egress s3://${f.object.bucket}/${f.object.key} (ETag ${f.object.etag}) over ${seconds} s:`,
    `served ${f.servedBytes} bytes, peers reported ${f.peerDownloadedBytes} bytes downloaded,`,
    `${f.completions} completed (${f.completions * f.size} bytes delivered), swarm ${f.seeds} seeds ${f.leechers} leechers`,
  ].join(' '));
  const dropped = period.droppedUpdates + period.droppedWrites;
  if (dropped > 0 || period.failedWrites > 0) {
    lines.push(`egress counts not kept: ${dropped} dropped, ${period.failedWrites} writes failed${period.failure === undefined ? '' : ` (${period.failure})`}`);
  }
  return lines;
}

/** The seeder and tracker on loopback (IPv4, and IPv6 when the machine has it), as the Fargate service runs them. */
async function startLocalSeeder(
  clients: ReturnType<typeof awsClients>,
  aws: AwsConfig,
  hashQueueUrl: string,
  config: LocalStackConfig,
  log: (line: string) => void,
  index: number,
  sharedStore: SwarmStoreOptions | undefined,
): Promise<LocalSeeder> {
  const hosts = await loopbackHosts();
  const ports = seederPorts(config.ports, index);
  const name = index === 0 ? 'seeder' : `seeder ${index + 1}`;
  const rangeReader = new AnonymousRangeReader(aws);
  const anonymousS3 = anonymousS3Client(aws);
  const stopped = new Map<string, { swarm: Swarm; reason: string }>();
  const seeder = await Seeder.start(
    {
      artifactsBucket: ARTIFACTS_BUCKET,
      hashQueueUrl,
      hosts,
      peerPort: ports.peer,
      trackerPort: ports.tracker,
      publicAddresses: hosts,
      cacheBytes: config.seederCacheBytes,
      maxFetches: DEFAULT_MAX_FETCHES,
      changePollMs: DEFAULT_CHANGE_POLL_MS,
      // Locally swarms are few and requests free, and no access checker turns an object made
      // private into a record change yet: the safety net re-checks every swarm every second.
      recheckMs: 1000,
      rechecksPerSecond: 100,
      maxConnections: PeerServerDefaults.maxConnections,
      // Every local peer is on 127.0.0.1: the per-address limit must not get in the way.
      maxConnectionsPerIp: PeerServerDefaults.maxConnections,
      maxUnchoked: PeerServerDefaults.maxUnchoked,
      egressFlushMs: config.seederEgressFlushMs,
      trackerMemoryBytes: DEFAULT_TRACKER_MEMORY_BYTES,
      sharedStore,
    },
    {
      records: new RecordStore({ client: clients.documents, tableName: TABLE_NAME }),
      anonymousS3,
      publicAccess: new PublicAccess(anonymousS3, clients.s3, BUCKET_VERDICT_TTL_MS, publicVerdictFor(config.s3)),
      rangeReader,
      artifactsS3: clients.s3,
      sqs: clients.sqs,
    },
    {
      swarmStopped: (swarm, reason) => {
        log(`${name}: stopped ${swarm.torrent.id}: ${reason}`);
        const { bucket, key } = swarm.torrent.version;
        const id = stoppedKey(bucket, key, swarm.torrent.prefix !== undefined);
        stopped.delete(id);
        stopped.set(id, { swarm, reason });
        for (const oldest of stopped.keys()) {
          if (stopped.size <= REMEMBERED_STOPPED_SWARMS) break;
          stopped.delete(oldest);
        }
      },
      egress: (period) => egressLines(period).forEach((line) => log(`${name}: ${line}`)),
      error: (message, error) => log(`${name}: ${message}: ${String(error)}`),
      sharedStore: (status) => log(`${name}: shared swarm store ${status.state === 'up' ? 'connected' : `unavailable, tracking this seeder's peers only: ${status.reason}`}`),
    },
  );
  const urls = seeder.tracker.announceUrls('127.0.0.1');
  let stopping: Promise<void> | undefined;
  const report = (swarm: Swarm, stopReason: string | undefined): SwarmReport => ({
    id: swarm.torrent.id,
    servedBytes: swarm.served.bytes,
    servedAfterStopBytes: swarm.served.afterStopBytes,
    peers: swarm.memberCount,
    stoppedAt: swarm.stoppedAt,
    stopReason,
  });
  /** The running swarm, else the last one stopped under that id. */
  const runningOrStopped = (running: Swarm | undefined, id: string): SwarmReport | undefined => {
    if (running !== undefined) return report(running, undefined);
    const last = stopped.get(id);
    return last === undefined ? undefined : report(last.swarm, last.reason);
  };
  return {
    swarmOf: (bucket, key) => runningOrStopped(seeder.directory.swarmOf(bucket, key), stoppedKey(bucket, key, false)),
    prefixSwarmOf: (bucket, prefix) => runningOrStopped(seeder.directory.prefixSwarmOf(bucket, prefix), stoppedKey(bucket, prefix, true)),
    peerPort: seeder.peers.listenPort,
    trackerPort: seeder.tracker.port,
    trackerUrls: [urls.http, urls.udp],
    stop: () => {
      stopping ??= seeder.close().finally(() => {
        rangeReader.destroy();
        anonymousS3.destroy();
      });
      return stopping;
    },
  };
}

export { publicVerdictFor, startLocalSeeder };
export type { LocalSeeder, SwarmReport };
