import { Duration } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PRIVATE_BUCKET_PROPS } from './defaults.js';
import { QueueWithDeadLetters } from './QueueWithDeadLetters.js';

/** S3 object events that may end an object's anonymous readability. */
const OBJECT_WITHDRAWAL_EVENTS = ['Object Deleted', 'Object ACL Updated'] as const;

/**
 * Bucket-level calls that may change who can read a bucket's objects. They reach EventBridge only
 * as "AWS API Call via CloudTrail" events, and only when a trail records management events.
 */
const BUCKET_ACCESS_CALLS = [
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketAcl',
  'PutBucketPublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
  'PutBucketOwnershipControls',
  'DeleteBucketOwnershipControls',
] as const;

/**
 * Account-wide Block Public Access (S3 Control): it may hide every published bucket at once. The
 * call is PutPublicAccessBlock in the API; both spellings CloudTrail may record are matched.
 */
const ACCOUNT_ACCESS_CALLS = ['PutPublicAccessBlock', 'DeletePublicAccessBlock', 'PutAccountPublicAccessBlock', 'DeleteAccountPublicAccessBlock'] as const;

/** Access checks are short (a HEAD, a policy status, a record write): a 1-minute function timeout, 6x that hidden. */
const ACCESS_EVENTS_VISIBILITY_TIMEOUT = Duration.minutes(6);
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
 * dead-letter queue) that the access checker consumes. An optional trail makes the CloudTrail
 * events exist in an account that records none.
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
        eventPattern: { source: ['aws.s3'], detailType: [...OBJECT_WITHDRAWAL_EVENTS], detail: { bucket: { name: buckets } } },
        targets: toQueue,
      }),
      new events.Rule(this, 'BucketAccessChanged', {
        description: 'Policy, ACL, Block Public Access or ownership of a published bucket changed: re-check its torrents',
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['AWS API Call via CloudTrail'],
          detail: { eventSource: ['s3.amazonaws.com'], eventName: [...BUCKET_ACCESS_CALLS], requestParameters: { bucketName: buckets } },
        },
        targets: toQueue,
      }),
      new events.Rule(this, 'AccountAccessChanged', {
        description: "The account's Block Public Access changed: re-check every torrent",
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['AWS API Call via CloudTrail'],
          detail: { eventSource: ['s3.amazonaws.com'], eventName: [...ACCOUNT_ACCESS_CALLS] },
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

export { ACCOUNT_ACCESS_CALLS, BUCKET_ACCESS_CALLS, OBJECT_WITHDRAWAL_EVENTS, WithdrawalEvents };
export type { WithdrawalEventsProps };
