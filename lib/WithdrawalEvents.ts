import { Duration } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ACCOUNT_ACCESS_CALLS,
  BUCKET_ACCESS_CALLS,
  CLOUDTRAIL_DETAIL_TYPE,
  CLOUDTRAIL_S3_SOURCE,
  OBJECT_WITHDRAWAL_EVENTS,
  S3_EVENT_SOURCE,
} from '../src/withdrawal/index.js';
import { ACCESS_CHECKER_TIMEOUT, PRIVATE_BUCKET_PROPS } from './defaults.js';
import { QueueWithDeadLetters } from './QueueWithDeadLetters.js';

/**
 * SQS's advice for a Lambda consumer: a received message stays hidden at least six times the
 * function's timeout (the access checker's), so a batch being worked on is not delivered twice.
 */
const ACCESS_EVENTS_VISIBILITY_TIMEOUT = Duration.seconds(6 * ACCESS_CHECKER_TIMEOUT.toSeconds());
const ACCESS_EVENTS_MAX_RECEIVES = 5;

interface WithdrawalEventsProps {
  readonly publishedBucketNames: readonly string[];
  /** Create a trail recording management (write) events of this region. */
  readonly createTrail: boolean;
  /** Where the trail bucket's access logs go. */
  readonly serverAccessLogsBucket: s3.IBucket;
}

/**
 * Flow 5's events: object deletions and ACL changes of the published buckets, and bucket- and
 * account-level access changes (through CloudTrail), all to the `access-events` queue (with a
 * dead-letter queue) that the access checker consumes (lib/AccessChecks.ts). The event names
 * are the ones src/withdrawal parses. An optional trail makes the CloudTrail events exist in an
 * account that records none.
 */
class WithdrawalEvents extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly rules: readonly events.Rule[];
  public readonly trail: cloudtrail.Trail | undefined;

  public constructor(scope: Construct, id: string, props: WithdrawalEventsProps) {
    super(scope, id);
    const queues = new QueueWithDeadLetters(this, 'AccessEvents', {
      visibilityTimeout: ACCESS_EVENTS_VISIBILITY_TIMEOUT,
      maxReceiveCount: ACCESS_EVENTS_MAX_RECEIVES,
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    const buckets = [...props.publishedBucketNames];
    const toQueue = [new targets.SqsQueue(this.queue)];
    this.rules = [
      new events.Rule(this, 'ObjectWithdrawn', {
        description: 'Objects of published buckets deleted or given another ACL: re-check their torrents',
        eventPattern: { source: [S3_EVENT_SOURCE], detailType: [...OBJECT_WITHDRAWAL_EVENTS], detail: { bucket: { name: buckets } } },
        targets: toQueue,
      }),
      new events.Rule(this, 'BucketAccessChanged', {
        description: 'Policy, ACL, Block Public Access or ownership of a published bucket changed: re-check its torrents',
        eventPattern: {
          source: [S3_EVENT_SOURCE],
          detailType: [CLOUDTRAIL_DETAIL_TYPE],
          detail: { eventSource: [CLOUDTRAIL_S3_SOURCE], eventName: [...BUCKET_ACCESS_CALLS], requestParameters: { bucketName: buckets } },
        },
        targets: toQueue,
      }),
      new events.Rule(this, 'AccountAccessChanged', {
        description: "The account's Block Public Access changed: re-check every torrent",
        eventPattern: {
          source: [S3_EVENT_SOURCE],
          detailType: [CLOUDTRAIL_DETAIL_TYPE],
          detail: { eventSource: [CLOUDTRAIL_S3_SOURCE], eventName: [...ACCOUNT_ACCESS_CALLS] },
        },
        targets: toQueue,
      }),
    ];
    this.trail = props.createTrail ? this.createTrail(props.serverAccessLogsBucket) : undefined;
  }

  private createTrail(serverAccessLogsBucket: s3.IBucket): cloudtrail.Trail {
    const bucket = new s3.Bucket(this, 'TrailBucket', {
      ...PRIVATE_BUCKET_PROPS,
      serverAccessLogsBucket,
      serverAccessLogsPrefix: 'trail/',
    });
    return new cloudtrail.Trail(this, 'Trail', {
      bucket,
      // Management write events of this region are what the rules above need; nothing more is billed.
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      managementEvents: cloudtrail.ReadWriteType.WRITE_ONLY,
      enableFileValidation: true,
    });
  }
}

export { ACCESS_EVENTS_VISIBILITY_TIMEOUT, WithdrawalEvents };
export type { WithdrawalEventsProps };
