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

/** The metric counting a `?torrent` reply of this HTTP status. */
function answeredMetricName(status: number): string {
  return `Answered${Math.floor(status / 100)}xx`;
}

export { HandlerMetrics, METRICS_NAMESPACE, answeredMetricName };
