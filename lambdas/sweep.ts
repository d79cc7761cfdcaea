// sweep Lambda: on a schedule, re-checks every record of every published bucket (src/withdrawal):
// the safety net for lost events and for changes S3 sends no event for. What does not fit in one
// invocation is handed on to the access checker through the access-events queue.
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { serviceConfigFrom } from '../src/config.js';
import { buildContexts } from '../src/service/buildContexts.js';
import { HandlerMetrics, METRICS_NAMESPACE } from '../src/service/metricNames.js';
import { deadlineFrom, runSweep, throwIfIncomplete } from '../src/withdrawal/index.js';

const logger = new Logger({ serviceName: 's3-torrent', logLevel: 'INFO' });
logger.appendKeys({ function: HandlerMetrics.Sweep.service });
const { service, names } = HandlerMetrics.Sweep;
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });

const { withdrawal } = buildContexts(serviceConfigFrom());

export const handler = async (_event: ScheduledEvent, context?: Context): Promise<void> => {
  const { tally, continued, prefixes } = await runSweep(withdrawal, deadlineFrom(context?.getRemainingTimeInMillis()));
  // A sweep that changed nothing is routine (the local stack sweeps every few seconds): debug only.
  const changed = tally.revoked + tally.republished + tally.rehashQueued + tally.requeued + tally.failed + continued + prefixes.revoked.length + prefixes.requeued.length > 0;
  if (changed) logger.info('sweep done', { tally, continued, prefixSnapshotsChecked: prefixes.checked, prefixSnapshotsRevoked: prefixes.revoked, prefixJobsRequeued: prefixes.requeued });
  else logger.debug('sweep done: nothing changed', { tally });
  metrics.addMetric(names.RecordsChecked, MetricUnit.Count, tally.checked);
  metrics.addMetric(names.RecordsRevoked, MetricUnit.Count, tally.revoked);
  metrics.addMetric(names.RecordsRepublished, MetricUnit.Count, tally.republished);
  metrics.addMetric(names.JobsQueued, MetricUnit.Count, tally.rehashQueued + tally.requeued + tally.prewarmed);
  metrics.addMetric(names.ChecksFailed, MetricUnit.Count, tally.failed);
  metrics.publishStoredMetrics();
  // Failed checks fail the invocation: its error alarm fires; the next sweep checks them again.
  throwIfIncomplete('sweep', tally);
};
