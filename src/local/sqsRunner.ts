import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** Like a Lambda SQS event source mapping: what the local stack needs of one. */
interface SqsConsumerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** The Lambda handler module's export. */
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  /** Messages per invocation (Lambda's BatchSize). @default 10 */
  readonly batchSize?: number;
  /** Invocations at once (Lambda's maximum concurrency). @default 2 */
  readonly concurrency?: number;
  /** Long-poll wait; also bounds how long stop() waits. @default 1 */
  readonly waitSeconds?: number;
  readonly onError?: (error: unknown) => void;
}

interface SqsConsumer {
  stop(): Promise<void>;
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/**
 * Polls a queue and invokes a handler with Lambda's SQS semantics: batches, partial batch
 * failures (`batchItemFailures`: only those stay on the queue), a thrown error fails the whole
 * batch, and messages not deleted come back after the visibility timeout, so the queue's own
 * redrive policy moves poison messages to its DLQ after maxReceiveCount.
 */
function startSqsConsumer(options: SqsConsumerOptions): SqsConsumer {
  const { sqs, queueUrl, handler } = options;
  const batchSize = options.batchSize ?? 10;
  const waitSeconds = options.waitSeconds ?? 1;
  let running = true;

  const pollOnce = async (): Promise<void> => {
    const reply = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: waitSeconds,
        AttributeNames: ['All'],
      }),
    );
    const messages = reply.Messages ?? [];
    if (messages.length === 0) return;
    let failed: Set<string>;
    try {
      const result = await handler({ Records: messages.map((m) => toRecord(m, options.queueArn)) });
      failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      options.onError?.(error);
      return; // the whole batch is retried, as Lambda does when a handler throws
    }
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  };

  const loop = async (): Promise<void> => {
    while (running) {
      try {
        await pollOnce();
      } catch (error) {
        options.onError?.(error);
        if (running) await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 2 }, () => loop());
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

export { startSqsConsumer };
export type { SqsConsumer, SqsConsumerOptions };
