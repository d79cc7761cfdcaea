/**
 * The CloudWatch metrics the handlers emit (Powertools EMF: namespace, a `service` dimension per
 * handler). The CDK dashboard reads them by these names, so a renamed metric renames its graph.
 */
import { HandlerRole } from './handlers.js';

const METRICS_NAMESPACE = 's3-torrent';

const HandlerMetrics = {
  HashWorker: {
    service: HandlerRole.HashWorker,
    /** A job that ended with a torrent READY, any other job done, a job that failed. */
    names: { TorrentsReady: 'TorrentsReady', JobsDone: 'JobsDone', JobsFailed: 'JobsFailed' },
  },
  TorrentApi: {
    service: HandlerRole.TorrentApi,
    /** One count per answer class: `Answered2xx` … `Answered5xx`. */
    names: { Answered2xx: 'Answered2xx', Answered3xx: 'Answered3xx', Answered4xx: 'Answered4xx', Answered5xx: 'Answered5xx' },
  },
  AccessChecker: {
    service: HandlerRole.AccessChecker,
    /**
     * Records looked at; revoked (private, deleted or replaced); republished (public again, same
     * ETag); given a hashing job (a new version, or a lost job); messages that were not access
     * events (dropped); messages that failed (retried).
     */
    names: {
      RecordsChecked: 'RecordsChecked',
      RecordsRevoked: 'RecordsRevoked',
      RecordsRepublished: 'RecordsRepublished',
      JobsQueued: 'JobsQueued',
      EventsDropped: 'EventsDropped',
      EventsFailed: 'EventsFailed',
    },
  },
  Sweep: {
    service: HandlerRole.Sweep,
    /** The same counts for one sweep, and the records whose check failed. */
    names: {
      RecordsChecked: 'RecordsChecked',
      RecordsRevoked: 'RecordsRevoked',
      RecordsRepublished: 'RecordsRepublished',
      JobsQueued: 'JobsQueued',
      ChecksFailed: 'ChecksFailed',
    },
  },
} as const;

/**
 * What the seeder service emits every egress period (EMF on stdout, which CloudWatch Logs turns
 * into metrics): one line per object with the object as a property, not a dimension, so the
 * metrics sum over objects at no cost per object and Logs Insights still breaks them down.
 * Bytes clients fetch from the webseed (S3 GETs) are S3's to count, not ours.
 */
const SeederMetrics = {
  service: 'seeder',
  names: {
    /** Block bytes the seeder sent in piece messages (TCP and uTP). */
    ServedBytes: 'ServedBytes',
    /** Bytes peers reported downloading (announce `downloaded`), clamped per peer. */
    PeerDownloadedBytes: 'PeerDownloadedBytes',
    /** Downloads peers reported complete. */
    Completions: 'Completions',
    /** Completions × the object's size. */
    DeliveredBytes: 'DeliveredBytes',
    /** Peers with the whole object, and the others, heard from lately (the seeder not counted). */
    Seeds: 'Seeds',
    Leechers: 'Leechers',
    /** Counts the seeder could not keep (queue full, writes out of time): should stay 0. */
    EgressCountsDropped: 'EgressCountsDropped',
  },
} as const;

/** The metric counting a `?torrent` reply of this HTTP status. */
function answeredMetricName(status: number): string {
  return `Answered${Math.floor(status / 100)}xx`;
}

export { HandlerMetrics, METRICS_NAMESPACE, SeederMetrics, answeredMetricName };
