import type { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION, QUEUE_RETENTION } from './defaults.js';

interface QueueWithDeadLettersProps {
  /** How long a received message stays hidden: longer than its consumer may take. */
  readonly visibilityTimeout: Duration;
  /** Deliveries before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/**
 * A work queue and its dead-letter queue: SSE with SQS-managed keys (EventBridge can deliver to
 * them without a key policy), HTTPS only, dead letters kept 14 days.
 */
class QueueWithDeadLetters extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: QueueWithDeadLettersProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}

export { QueueWithDeadLetters };
export type { QueueWithDeadLettersProps };
