import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { JobType, sendHashJobs } from '../queue/index.js';
import { addEgress } from '../records/index.js';
import type { RecordStore } from '../records/index.js';
import {
  ForbiddenReason,
  ObjectChangedError,
  ObjectMissingError,
  ObjectNetworkOnlyError,
  ObjectNotPublicError,
  SpanCache,
  StorageError,
  artifactReader,
  readStoredTorrent,
} from '../storage/index.js';
import type { AnonymousRangeReader, PublicAccess } from '../storage/index.js';
import { TrackerServer } from '../tracker/index.js';
import type { AnnounceNotice, StoreStatus, TrackedPeer } from '../tracker/index.js';
import { PeerServer } from '../wire/index.js';
import type { ObjectVersion, Swarm } from '../wire/index.js';
import { EgressAccounting } from './EgressAccounting.js';
import type { EgressPeriod } from './EgressAccounting.js';
import { IDLE_REASON, SwarmDirectory } from './SwarmDirectory.js';
import type { SeederConfig } from './config.js';
import { stopOnReadFailure } from './readFailure.js';
import { startRevalidation } from './revalidation.js';
import type { Revalidation } from './revalidation.js';

/** What the seeder runs on: the same clients the Lambdas use. */
interface SeederClients {
  readonly records: RecordStore;
  /** Unsigned client: every object byte is read anonymously, so S3 refuses private bytes. */
  readonly anonymousS3: S3Client;
  /** S3's verdict that an object is public (the unsigned HEAD and the bucket policy status or object ACL). */
  readonly publicAccess: PublicAccess;
  /** Anonymous ranged GETs of object bytes (plain HTTP: the seeder's hot path). */
  readonly rangeReader: AnonymousRangeReader;
  /** Signed client for the stack's private artifacts bucket. */
  readonly artifactsS3: S3Client;
  readonly sqs: SQSClient | undefined;
}

/** What the seeder tells its operator (a logger in main.ts, nothing in tests). */
interface SeederEvents {
  swarmStopped?(swarm: Swarm, reason: string): void;
  /** Every `egressFlushMs`: what was served and reported per object (for metrics and the log). */
  egress?(period: EgressPeriod): void;
  error?(message: string, error: unknown): void;
  /** The shared swarm store went down (tracking carries on in process) or came back. */
  sharedStore?(status: StoreStatus): void;
}

/** The seeder's configuration less what its clients are built from (the verdict's mode is in `publicAccess`). */
type SeederSettings = Omit<SeederConfig, 'aws' | 'tableName' | 'publicVerdict'>;

/**
 * The seeder process: a peer-wire server and an HTTP + UDP tracker for every READY object,
 * reading blocks from S3 anonymously through a bounded cache. A swarm stops the moment S3
 * refuses a read (object changed or no longer public), when S3 no longer calls its access public
 * (revalidation), or when its record stops being READY.
 */
class Seeder {
  private constructor(
    public readonly peers: PeerServer,
    public readonly tracker: TrackerServer,
    public readonly directory: SwarmDirectory,
    private readonly revalidation: Revalidation,
    private readonly egress: EgressAccounting,
  ) {}

  /** @throws when a port cannot be bound. */
  public static async start(settings: SeederSettings, clients: SeederClients, events: SeederEvents = {}): Promise<Seeder> {
    const cache = new SpanCache({ maxBytes: settings.cacheBytes, maxFetches: settings.maxFetches });
    let tracker: TrackerServer | undefined;
    // A large prefix snapshot's member list lives in the artifacts bucket.
    const readArtifact = artifactReader({ artifactsS3: clients.artifactsS3, artifactsBucket: settings.artifactsBucket });
    const egress = new EgressAccounting({
      flushMs: settings.egressFlushMs,
      swarms: () => directory.swarms,
      // A prefix swarm's increment names its snapshot (SwarmTorrent.version): kept under the prefix record.
      write: (increment) => addEgress(clients.records, increment),
      report: (period) => events.egress?.(period),
    });
    const directory = new SwarmDirectory({
      cache,
      source: {
        findReady: (hex) => clients.records.findTargetByInfoHash(hex, readArtifact),
        current: (bucket, key) => clients.records.get(bucket, key),
        currentPrefix: (bucket, prefix) => clients.records.prefixes.get(bucket, prefix),
        anonymousState: async (object) => {
          const now = await clients.publicAccess.check(object.bucket, object.key);
          if (now.kind === 'forbidden' && now.reason === ForbiddenReason.NetworkOnly) return 'network-only';
          if (now.kind !== 'public') return 'refused';
          return now.etag === object.etag ? 'public' : 'changed';
        },
        torrentBytes: (stored) => readStoredTorrent(clients.artifactsS3, settings.artifactsBucket, stored),
        fetch: (object, offset, length, into) => clients.rangeReader.read(object, offset, length, into),
      },
      onStop: (swarm, reason, cause) => {
        egress.swarmStopped(swarm, reason !== IDLE_REASON);
        if (reason === IDLE_REASON) return;
        for (const hash of swarm.torrent.views.keys()) tracker?.forget(hash);
        events.swarmStopped?.(swarm, reason);
        void Seeder.afterStop(swarm, cause, clients, settings).catch((error: unknown) => events.error?.('after a swarm stopped', error));
      },
    });
    const peers = await PeerServer.start({
      hosts: settings.hosts,
      port: settings.peerPort,
      maxConnections: settings.maxConnections,
      maxConnectionsPerIp: settings.maxConnectionsPerIp,
      maxUnchoked: settings.maxUnchoked,
      resolve: (infoHash) => directory.lookup(infoHash.toString('hex')),
      readFailed: (swarm, error) => {
        if (!stopOnReadFailure(swarm, error)) events.error?.(`reading ${swarm.torrent.id}`, error);
      },
    });
    // One array for the process's life: the tracker re-encodes it only when it gets a new one.
    const ourAddresses: readonly TrackedPeer[] = settings.publicAddresses.map((ip) => ({ ip, port: peers.listenPort }));
    const seeders = (): readonly TrackedPeer[] => ourAddresses;
    tracker = await TrackerServer.start({
      hosts: settings.hosts,
      port: settings.trackerPort,
      registry: { isServable: (hex) => directory.isServable(hex) },
      seeders,
      memoryBytes: settings.trackerMemoryBytes,
      onAnnounce: (notice) => {
        const swarm = directory.running(notice.infoHashHex);
        if (swarm !== undefined) egress.announce(notice, swarm);
        Seeder.dialLeecher(notice, peers, directory, seeders());
      },
      sharedStore: settings.sharedStore,
      onSharedStoreStatus: (status) => events.sharedStore?.(status),
    });
    const revalidationRecords = {
      changes: clients.records.changes,
      get: (bucket: string, key: string) => clients.records.get(bucket, key),
      getPrefix: (bucket: string, prefix: string) => clients.records.prefixes.get(bucket, prefix),
    };
    const revalidation = startRevalidation(directory, revalidationRecords, settings, (message, error) => events.error?.(message, error));
    return new Seeder(peers, tracker, directory, revalidation, egress);
  }

  /** Stops serving, then reports and writes the last egress counts (bounded in time: EgressAccounting.close). */
  public async close(): Promise<void> {
    this.egress.shuttingDown();
    this.revalidation.stop();
    this.directory.stopAll('seeder stopping');
    await Promise.all([this.peers.close(), this.tracker.close()]);
    await this.egress.close();
  }

  /** Some clients (Transmission on loopback, peers behind stale trackers) only download when dialled. */
  private static dialLeecher(notice: AnnounceNotice, peers: PeerServer, directory: SwarmDirectory, ours: readonly TrackedPeer[]): void {
    if (notice.left === 0 || notice.event === 'stopped') return;
    if (ours.some((own) => own.ip === notice.peer.ip && own.port === notice.peer.port)) return;
    void directory.lookup(notice.infoHashHex).then(
      (match) => {
        if (match !== undefined) peers.dial(notice.peer.ip, notice.peer.port, match.swarm, match.view);
      },
      () => undefined, // the announce was answered; a failed lookup only means no dial
    );
  }

  /**
   * A changed object gets a re-hash job for its new version (when it is public); an object S3
   * no longer serves anonymously, or no longer calls public, gets its record REVOKED, so the API
   * agrees with the seeder. For a prefix swarm, the same goes for the member S3 refused, less
   * the re-hash.
   */
  private static async afterStop(swarm: Swarm, cause: unknown, clients: SeederClients, settings: SeederSettings): Promise<void> {
    // A prefix swarm: the member S3 refused is what changed. Its own record (if it has one) is
    // revoked as an object's would be; nothing is re-hashed (the next request lists the prefix
    // and builds a new snapshot).
    const target = Seeder.versionBehind(swarm, cause);
    if (target === undefined) return;
    const { bucket, key, etag } = target;
    const snapshot = swarm.torrent.prefix;
    if (snapshot !== undefined && cause instanceof StorageError) {
      // The snapshot no longer matches S3: revoked, so the API builds a new one at the next request.
      await clients.records.prefixes
        .markRevoked(snapshot.bucket, snapshot.prefix, `member ${key} refused to the seeder: ${cause.message}`, { snapshotId: snapshot.snapshotId })
        .catch(() => undefined);
    }
    if (cause instanceof ObjectNotPublicError || cause instanceof ObjectMissingError) {
      const reason = cause instanceof ObjectNetworkOnlyError
        ? `the seeder found the object ${ForbiddenReason.NetworkOnly}`
        : 'the seeder was refused an anonymous read';
      await clients.records.markRevoked(bucket, key, reason, { etag }).catch(() => undefined);
      return;
    }
    if (swarm.torrent.object === undefined || !(cause instanceof ObjectChangedError) || clients.sqs === undefined || settings.hashQueueUrl === undefined) return;
    const now = await clients.publicAccess.check(bucket, key);
    if (now.kind !== 'public' || now.size === 0) return;
    const ensured = await clients.records.ensurePending(bucket, key, now.etag, now.size);
    if (ensured.enqueue) {
      await sendHashJobs(clients.sqs, settings.hashQueueUrl, [{ type: JobType.Object, bucket, key, etag: now.etag, size: now.size }]);
    }
  }

  /** The object version a stop concerns: the swarm's object, or the prefix member whose read S3 refused. */
  private static versionBehind(swarm: Swarm, cause: unknown): ObjectVersion | undefined {
    if (swarm.torrent.object !== undefined) return swarm.torrent.object;
    const snapshot = swarm.torrent.prefix;
    if (snapshot === undefined || !(cause instanceof StorageError)) return undefined;
    const member = snapshot.members.find((each) => each.key === cause.key);
    return member === undefined ? undefined : { bucket: snapshot.bucket, key: member.key, etag: member.etag };
  }
}

export { Seeder };
export type { SeederClients, SeederEvents, SeederSettings };
