import { Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { bucketNameProblems } from './bucketNameProblems.js';
import {
  ABORT_INCOMPLETE_UPLOADS_AFTER,
  ARTIFACTS_ACCESS_LOGS_PREFIX,
  PRIVATE_BUCKET_PROPS,
} from './defaults.js';
import { InvalidStackPropsError } from './errors.js';

/** Options for {@link S3TorrentStack}. */
interface S3TorrentStackProps extends StackProps {
  /**
   * Names of the existing buckets whose anonymously readable objects are published over
   * BitTorrent. The stack never creates or changes these buckets.
   *
   * @default [] - nothing is published until buckets are named
   */
  readonly publishedBucketNames?: string[];

  /**
   * Existing bucket to receive the artifacts bucket's S3 server access logs, e.g. an
   * organisation's central logging bucket. It must use SSE-S3 encryption (S3 cannot deliver access
   * logs to an SSE-KMS bucket) and allow `logging.s3.amazonaws.com` to write to it.
   *
   * @default - a new private bucket in this stack
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * The s3-torrent deployment: everything that serves `?torrent`, the tracker and the seeder for
 * the buckets named in `publishedBucketNames`. Resources arrive issue by issue; for now it holds
 * the artifacts bucket and the bucket for its access logs.
 *
 * The stack is environment-agnostic (no account or region needed), so it synthesises offline and
 * one template deploys anywhere.
 *
 * @example
 * const app = new App();
 * new S3TorrentStack(app, 'S3Torrent', { publishedBucketNames: ['my-public-datasets'] });
 */
class S3TorrentStack extends Stack {
  /** Private bucket for what the stack generates: .torrent files too large to keep in the record. */
  public readonly artifactsBucket: s3.Bucket;

  /** Where the artifacts bucket's server access logs go. */
  public readonly serverAccessLogsBucket: s3.IBucket;

  /** The buckets being published, as given (defaults applied). */
  public readonly publishedBucketNames: readonly string[];

  public constructor(scope: Construct, id: string, props: S3TorrentStackProps = {}) {
    super(scope, id, props);

    this.publishedBucketNames = [...(props.publishedBucketNames ?? [])];
    const problems = bucketNameProblems('publishedBucketNames', this.publishedBucketNames);
    if (problems.length > 0) throw new InvalidStackPropsError(problems);

    this.serverAccessLogsBucket = props.serverAccessLogsBucket ?? this.createAccessLogsBucket();

    this.artifactsBucket = new s3.Bucket(this, 'ArtifactsBucket', {
      ...PRIVATE_BUCKET_PROPS,
      serverAccessLogsBucket: this.serverAccessLogsBucket,
      serverAccessLogsPrefix: ARTIFACTS_ACCESS_LOGS_PREFIX,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS_AFTER }],
    });
  }

  // Log delivery is granted by a bucket policy, which needs the cdk.json feature flag
  // `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`: without it CDK falls back to the
  // `LogDeliveryWrite` ACL, which ACLs-disabled buckets reject (construction throws).
  // No cdk-nag acknowledgement is needed for AwsSolutions-S1 (server access logs) on this
  // bucket: the rule accepts a bucket that receives another bucket's logs in the same stack.
  private createAccessLogsBucket(): s3.Bucket {
    return new s3.Bucket(this, 'AccessLogsBucket', PRIVATE_BUCKET_PROPS);
  }
}

export { S3TorrentStack };
export type { S3TorrentStackProps };
