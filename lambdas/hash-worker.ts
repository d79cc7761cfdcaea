// hash-worker Lambda: SQS `hash-jobs` (our jobs and S3 "Object Created" events) → src/jobs.
// Reports partial batch failures so only failed messages are retried.
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { serviceConfigFrom } from '../src/config.js';
import { handleHashMessages } from '../src/jobs/index.js';
import { buildContexts } from '../src/service/buildContexts.js';
import { HandlerMetrics, METRICS_NAMESPACE } from '../src/service/metricNames.js';

const logger = new Logger({ serviceName: 's3-torrent', logLevel: 'INFO' });
logger.appendKeys({ function: HandlerMetrics.HashWorker.service });
const { service, names } = HandlerMetrics.HashWorker;
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });

const config = serviceConfigFrom();
const { hashJobs } = buildContexts(config);

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const results = await handleHashMessages(
    hashJobs,
    event.Records.map((r) => ({
      messageId: r.messageId,
      body: r.body,
      receiveCount: Number(r.attributes.ApproximateReceiveCount),
    })),
    config.hashMaxReceives,
  );
  for (const result of results) {
    if (result.error !== undefined) {
      logger.error('hash job failed', { messageId: result.messageId, error: result.error });
      metrics.addMetric(names.JobsFailed, MetricUnit.Count, 1);
    } else {
      logger.info('hash job done', { messageId: result.messageId, outcome: result.outcome });
      metrics.addMetric(result.outcome?.kind === 'ready' ? names.TorrentsReady : names.JobsDone, MetricUnit.Count, 1);
    }
  }
  metrics.publishStoredMetrics();
  return { batchItemFailures: results.filter((r) => r.error !== undefined).map((r) => ({ itemIdentifier: r.messageId })) };
};
