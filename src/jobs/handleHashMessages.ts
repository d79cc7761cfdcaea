import { InvalidJobError, JobType, parseHashJob } from '../queue/index.js';
import type { HashJob } from '../queue/index.js';
import { processHashJob } from './processHashJob.js';
import type { JobOutcome } from './processHashJob.js';
import type { HashJobContext } from './settings.js';

/** One SQS message as the handler sees it, whatever delivered it (Lambda or the local runner). */
interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  /** SQS's ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
}

interface MessageResult {
  readonly messageId: string;
  readonly outcome?: JobOutcome | undefined;
  readonly error?: Error | undefined;
}

/** Fails what the job's last delivery worked for; the record may have moved on (then nothing), and the DLQ keeps the message. */
async function markJobFailed(context: HashJobContext, job: HashJob, error: Error): Promise<void> {
  const reason = `${error.name}: ${error.message}`;
  if (job.type === JobType.Prefix) {
    await context.records.prefixes.markFailed(job.bucket, job.prefix, job.snapshotId, reason).catch(() => undefined);
    return;
  }
  // A segment job fails only its own hashing attempt, never a later one of the same ETag
  // (one without an attempt, queued before attempts existed, fails nothing).
  if (job.type === JobType.Segment && job.attemptId === undefined) return;
  const attempt = job.type === JobType.Segment ? { attemptId: job.attemptId } : {};
  await context.records.markFailed(job.bucket, job.key, job.etag, reason, attempt).catch(() => undefined);
}

/**
 * Handles a batch of hash-job messages one by one and reports which failed, for SQS partial
 * batch responses: a failed message is retried alone, never its successful neighbours. On the
 * last delivery before the dead-letter queue (`receiveCount >= maxReceives`) the record is
 * marked FAILED with the error, so the API reports it instead of waiting forever.
 */
async function handleHashMessages(
  context: HashJobContext,
  messages: ReadonlyArray<QueueMessage>,
  maxReceives: number,
): Promise<MessageResult[]> {
  const results: MessageResult[] = [];
  for (const message of messages) {
    let job: HashJob | undefined;
    try {
      job = parseHashJob(message.body);
      results.push({ messageId: message.messageId, outcome: await processHashJob(context, job) });
    } catch (caught) {
      const error = caught instanceof Error ? caught : new InvalidJobError(String(caught));
      if (job !== undefined && message.receiveCount >= maxReceives) await markJobFailed(context, job, error);
      results.push({ messageId: message.messageId, error });
    }
  }
  return results;
}

export { handleHashMessages };
export type { MessageResult, QueueMessage };
