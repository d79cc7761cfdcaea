import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_HASH_MAX_RECEIVES } from '../src/config.js';
import { ArtifactAccess, grantArtifacts } from './artifactAccess.js';
import { HASH_QUEUE_VISIBILITY_TIMEOUT, HASH_WORKER_BATCH_SIZE, HASH_WORKER_TIMEOUT } from './defaults.js';
import { HandlerFunction } from './HandlerFunction.js';
import { grantPublicVerdict } from './publicVerdictAccess.js';
import { QueueWithDeadLetters } from './QueueWithDeadLetters.js';
import { RecordAccess } from './RecordsTable.js';
import type { RecordsTable } from './RecordsTable.js';

interface HashingPipelineProps {
  readonly records: RecordsTable;
  /** The published buckets (names, for the event pattern and S3's verdict of public access). */
  readonly publishedBucketNames: readonly string[];
  /** Where torrents too large for a record go. */
  readonly artifactsBucket: s3.IBucket;
  /** hash-worker memory in MB. */
  readonly memorySize: number;
  /** Most concurrent hash-worker invocations the event source starts. */
  readonly maxConcurrency: number;
  /** @default - none */
  readonly reservedConcurrency?: number | undefined;
}

/**
 * Flow 1 of the design: S3 "Object Created" on the published buckets → EventBridge → SQS
 * `hash-jobs` (with a dead-letter queue) → `hash-worker`. The same queue carries the jobs the API
 * and the worker itself send (segments of a large object, re-hashes).
 */
class HashingPipeline extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly rule: events.Rule;
  private readonly worker: HandlerFunction;

  public constructor(scope: Construct, id: string, props: HashingPipelineProps) {
    super(scope, id);
    const queues = new QueueWithDeadLetters(this, 'HashJobs', {
      visibilityTimeout: HASH_QUEUE_VISIBILITY_TIMEOUT,
      maxReceiveCount: this.maxReceiveCount,
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.rule = new events.Rule(this, 'ObjectCreated', {
      description: 'Pre-warm: every object created in a published bucket gets a hashing job',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [...props.publishedBucketNames] } },
      },
      targets: [new targets.SqsQueue(this.queue)],
    });
    this.worker = new HandlerFunction(this, 'HashWorker', {
      handler: 'hash-worker',
      memorySize: props.memorySize,
      timeout: HASH_WORKER_TIMEOUT,
      reservedConcurrentExecutions: props.reservedConcurrency,
    });
    this.worker.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: HASH_WORKER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );
    // Segments of large objects and re-hashes are sent by the worker itself.
    this.queue.grantSendMessages(this.worker.function);
    props.records.grant(this.worker.function, RecordAccess.Handler);
    // Write: large .torrent files; read and write: prefix member lists and member hashes.
    grantArtifacts(props.artifactsBucket, this.worker.function, ArtifactAccess.ReadWrite, this.worker);
    // The worker re-checks that an object is public before planning its hashing.
    grantPublicVerdict(props.publishedBucketNames, this.worker.function, this.worker);
  }

  public get function(): lambda.Function {
    return this.worker.function;
  }

  /** Sets the worker's environment once the stack knows the tracker's and the API's addresses. */
  public configure(environment: Readonly<Record<string, string>>): void {
    this.worker.configure(environment);
  }

  /** The redrive count the worker must be told (it marks FAILED on the last delivery). */
  public readonly maxReceiveCount = DEFAULT_HASH_MAX_RECEIVES;
}

export { HashingPipeline };
export type { HashingPipelineProps };
