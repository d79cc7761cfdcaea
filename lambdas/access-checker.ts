// access-checker Lambda: SQS `access-events` (S3 object events, CloudTrail access changes, its own
// continuations) → src/withdrawal. Reports partial batch failures so only failed messages are
// retried; messages that are not access events are logged and dropped, never retried.
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { serviceConfigFrom } from '../src/config.js';
import { buildContexts } from '../src/service/buildContexts.js';
import { HandlerMetrics, METRICS_NAMESPACE } from '../src/service/metricNames.js';
import { deadlineFrom, handleAccessMessages } from '../src/withdrawal/index.js';

const logger = new Logger({ serviceName: 's3-torrent', logLevel: 'INFO' });
logger.appendKeys({ function: HandlerMetrics.AccessChecker.service });
const { service, names } = HandlerMetrics.AccessChecker;
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });

const { withdrawal } = buildContexts(serviceConfigFrom());

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  const deadline = deadlineFrom(context?.getRemainingTimeInMillis());
  const results = await handleAccessMessages(withdrawal, event.Records.map((r) => ({ messageId: r.messageId, body: r.body })), deadline);
  for (const result of results) {
    const { messageId, tally } = result;
    if (result.dropped !== undefined) {
      logger.warn('not an access event: dropped', { messageId, error: result.dropped });
      metrics.addMetric(names.EventsDropped, MetricUnit.Count, 1);
    } else if (result.error !== undefined) {
      logger.error('access event failed', { messageId, event: result.event, error: result.error });
      metrics.addMetric(names.EventsFailed, MetricUnit.Count, 1);
    } else {
      logger.info('access event checked', {
        messageId,
        event: result.event,
        outcome: result.outcome,
        tally,
        continued: result.continued,
        prefixSnapshotsRevoked: result.prefixes?.revoked ?? result.revokedPrefixes,
      });
    }
    if (tally !== undefined) {
      metrics.addMetric(names.RecordsChecked, MetricUnit.Count, tally.checked);
      metrics.addMetric(names.RecordsRevoked, MetricUnit.Count, tally.revoked);
      metrics.addMetric(names.RecordsRepublished, MetricUnit.Count, tally.republished);
      metrics.addMetric(names.JobsQueued, MetricUnit.Count, tally.rehashQueued + tally.requeued + tally.prewarmed);
    }
  }
  metrics.publishStoredMetrics();
  return { batchItemFailures: results.filter((r) => r.error !== undefined).map((r) => ({ itemIdentifier: r.messageId })) };
};
