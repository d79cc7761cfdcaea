import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { QueueSendError } from './errors.js';
import type { HashJob } from './jobs.js';

/** SQS's largest batch. */
const SQS_BATCH_SIZE = 10;

/**
 * Sends jobs in batches of 10. Throws if any entry fails after the SDK's retries, so the
 * caller's own message is retried and nothing is lost (duplicates are harmless: every job is
 * idempotent).
 */
async function sendHashJobs(sqs: SQSClient, queueUrl: string, jobs: ReadonlyArray<HashJob>): Promise<void> {
  for (let start = 0; start < jobs.length; start += SQS_BATCH_SIZE) {
    const batch = jobs.slice(start, start + SQS_BATCH_SIZE);
    const reply = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((job, i) => ({ Id: String(i), MessageBody: JSON.stringify(job) })),
      }),
    );
    const failed = reply.Failed ?? [];
    if (failed.length > 0) {
      throw new QueueSendError(`SQS refused ${failed.length} job(s): ${failed.map((f) => f.Message ?? f.Code).join('; ')}`);
    }
  }
}

export { SQS_BATCH_SIZE, sendHashJobs };
