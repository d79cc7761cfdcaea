// The seeder service (Fargate behind an NLB, or run by hand): peer wire + HTTP/UDP tracker for
// every READY object. Thin: configuration from the environment, clients, src/seeding, logging.
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { RecordStore } from '../src/records/index.js';
import { Seeder, seederConfigFrom } from '../src/seeding/index.js';
import type { EgressPeriod } from '../src/seeding/index.js';
import { awsClients } from '../src/service/awsClients.js';
import { METRICS_NAMESPACE, SeederMetrics } from '../src/service/metricNames.js';
import { silenceSdkNodeVersionWarning } from '../src/service/sdkNodeVersionWarning.js';
import { AnonymousRangeReader, BUCKET_VERDICT_TTL_MS, PublicAccess, anonymousS3Client } from '../src/storage/index.js';

// The image runs Node 22, where the SDK has nothing to say; run by hand on Node 20, its
// ten-line NodeVersionSupportWarning would be the first thing in the log. Only that warning goes.
silenceSdkNodeVersionWarning();

const logger = new Logger({ serviceName: 's3-torrent', logLevel: 'INFO' });
logger.appendKeys({ component: 'seeder' });

const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SeederMetrics.service });

/** One EMF line per object (the object a property, not a dimension: see SeederMetrics), and a warning for counts not kept. */
function emitEgress(period: EgressPeriod): void {
  const { names } = SeederMetrics;
  for (const figures of period.figures) {
    const { bucket, key, etag } = figures.object;
    metrics.addMetadata('object', `s3://${bucket}/${key}`);
    metrics.addMetadata('etag', etag);
    metrics.addMetadata('periodMs', String(period.periodMs));
    metrics.addMetric(names.ServedBytes, MetricUnit.Bytes, figures.servedBytes);
    metrics.addMetric(names.PeerDownloadedBytes, MetricUnit.Bytes, figures.peerDownloadedBytes);
    metrics.addMetric(names.Completions, MetricUnit.Count, figures.completions);
    metrics.addMetric(names.DeliveredBytes, MetricUnit.Bytes, figures.completions * figures.size);
    metrics.addMetric(names.Seeds, MetricUnit.Count, figures.seeds);
    metrics.addMetric(names.Leechers, MetricUnit.Count, figures.leechers);
    metrics.publishStoredMetrics();
  }
  emitTracker();
  const dropped = period.droppedUpdates + period.droppedWrites;
  if (dropped > 0 || period.failedWrites > 0) {
    logger.warn('egress counts not kept', { droppedUpdates: period.droppedUpdates, droppedWrites: period.droppedWrites, failedWrites: period.failedWrites, failure: period.failure });
    metrics.addMetric(names.EgressCountsDropped, MetricUnit.Count, dropped);
    metrics.publishStoredMetrics();
  }
}

/** Peers the tracker had evicted at the last period: its count only grows, the metric is per period. */
let evictionsBefore = 0;

/** The tracker's swarms, once per period: what its memory budget holds and what it dropped. */
function emitTracker(): void {
  const { names } = SeederMetrics;
  const stats = seeder.tracker.stats();
  metrics.addMetric(names.TrackerPeers, MetricUnit.Count, stats.peers);
  metrics.addMetric(names.TrackerTorrents, MetricUnit.Count, stats.torrents);
  metrics.addMetric(names.TrackerMemoryBytes, MetricUnit.Bytes, stats.memoryBytes);
  metrics.addMetric(names.TrackerEvictions, MetricUnit.Count, stats.evictions - evictionsBefore);
  metrics.publishStoredMetrics();
  if (stats.evictions > evictionsBefore) logger.warn('tracker memory budget full: peers evicted', { evicted: stats.evictions - evictionsBefore, memoryBytes: stats.memoryBytes });
  evictionsBefore = stats.evictions;
}

const config = seederConfigFrom();
const clients = awsClients(config.aws);
const anonymousS3 = anonymousS3Client(config.aws);
const seeder = await Seeder.start(
  config,
  {
    records: new RecordStore({ client: clients.documents, tableName: config.tableName }),
    anonymousS3,
    // The task role's signed client asks S3 for its verdict; it cannot read published objects.
    publicAccess: new PublicAccess(anonymousS3, clients.s3, BUCKET_VERDICT_TTL_MS, config.publicVerdict),
    rangeReader: new AnonymousRangeReader(config.aws),
    artifactsS3: clients.s3,
    sqs: config.hashQueueUrl === undefined ? undefined : clients.sqs,
  },
  {
    swarmStopped: (swarm, reason) => logger.info('swarm stopped', { object: swarm.torrent.id, reason }),
    egress: emitEgress,
    error: (message, error) => logger.error(message, { error: error instanceof Error ? error.message : String(error) }),
    sharedStore: (status) => {
      if (status.state === 'down') logger.warn('shared swarm store unavailable: tracking this task\'s peers only until it is back', { reason: status.reason });
      else logger.info('shared swarm store connected');
    },
  },
);

const stop = (): void => {
  logger.info('stopping');
  seeder.close().then(
    () => {
      clients.destroy();
      process.exit(0);
    },
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// Only now: whoever waits for this line may stop the service at once, and a SIGTERM that came
// before the handlers would kill it without closing anything (exit by signal, not 0).
logger.info('seeding', {
  peerPort: seeder.peers.listenPort,
  trackerPort: seeder.tracker.port,
  hosts: config.hosts,
  sharedStore: config.sharedStore === undefined ? 'none' : `${config.sharedStore.host}:${config.sharedStore.port}`,
});
