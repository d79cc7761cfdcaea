import { CfnOutput, Duration, Fn, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  ABORT_INCOMPLETE_UPLOADS_AFTER,
  ARTIFACTS_ACCESS_LOGS_PREFIX,
  PRIVATE_BUCKET_PROPS,
} from './defaults.js';
import { AccessChecks } from './AccessChecks.js';
import { HashingPipeline } from './HashingPipeline.js';
import { Monitoring } from './Monitoring.js';
import { PublishedBuckets } from './PublishedBuckets.js';
import { RecordsTable } from './RecordsTable.js';
import { SeederService } from './SeederService.js';
import { ServiceEnv } from '../src/config.js';
import { serviceEnvironment } from './serviceEnvironment.js';
import { resolveSettings } from './settings.js';
import type { S3TorrentSettings, S3TorrentSettingsInput } from './settings.js';
import { TorrentApi } from './TorrentApi.js';
import { WithdrawalEvents } from './WithdrawalEvents.js';

/** Options for {@link S3TorrentStack}: the settings (see lib/settings.ts) and where access logs go. */
interface S3TorrentStackProps extends StackProps, S3TorrentSettingsInput {
  /**
   * Existing bucket to receive the stack's buckets' S3 server access logs, e.g. an organisation's
   * central logging bucket. It must use SSE-S3 encryption (S3 cannot deliver access logs to an
   * SSE-KMS bucket) and allow `logging.s3.amazonaws.com` to write to it.
   *
   * @default - a new private bucket in this stack
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * The s3-torrent deployment: everything that serves `?torrent`, hashes, tracks and seeds the
 * anonymously readable objects of the named buckets (DESIGN.md, flows 1–5). One construct per
 * concern; this class only composes them and hands each the others' names.
 *
 * Environment-agnostic unless an existing VPC is named (that needs a lookup, so an account and
 * region): it synthesises offline and one template deploys anywhere.
 *
 * @example
 * const app = new App();
 * new S3TorrentStack(app, 'S3Torrent', { buckets: ['my-public-datasets'] });
 */
class S3TorrentStack extends Stack {
  public readonly settings: S3TorrentSettings;
  /** Private bucket for what the stack generates: .torrent files too large to keep in the record. */
  public readonly artifactsBucket: s3.Bucket;
  /** Where the stack's buckets' server access logs go. */
  public readonly serverAccessLogsBucket: s3.IBucket;
  public readonly publishedBuckets: PublishedBuckets;
  public readonly records: RecordsTable;
  public readonly hashing: HashingPipeline;
  public readonly api: TorrentApi;
  public readonly seeder: SeederService;
  public readonly withdrawal: WithdrawalEvents;
  public readonly accessChecks: AccessChecks;
  public readonly monitoring: Monitoring;

  public constructor(scope: Construct, id: string, props: S3TorrentStackProps = {}) {
    super(scope, id, props);
    this.settings = resolveSettings(props, this.node);
    const { settings } = this;

    this.serverAccessLogsBucket = props.serverAccessLogsBucket ?? this.createAccessLogsBucket();
    this.artifactsBucket = new s3.Bucket(this, 'ArtifactsBucket', {
      ...PRIVATE_BUCKET_PROPS,
      serverAccessLogsBucket: this.serverAccessLogsBucket,
      serverAccessLogsPrefix: ARTIFACTS_ACCESS_LOGS_PREFIX,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS_AFTER }],
    });
    this.publishedBuckets = new PublishedBuckets(this, 'Published', { names: settings.buckets });
    this.records = new RecordsTable(this, 'Records');

    this.hashing = new HashingPipeline(this, 'Hashing', {
      records: this.records,
      publishedBucketNames: settings.buckets,
      artifactsBucket: this.artifactsBucket,
      memorySize: settings.hashWorkerMemory,
      maxConcurrency: settings.hashWorkerConcurrency,
      reservedConcurrency: settings.hashWorkerReservedConcurrency,
    });
    this.seeder = new SeederService(this, 'Seeder', {
      records: this.records,
      hashQueue: this.hashing.queue,
      artifactsBucket: this.artifactsBucket,
      publishedBucketNames: settings.buckets,
      cpu: settings.seederCpu,
      memoryMiB: settings.seederMemory,
      minTasks: settings.seederMinTasks,
      maxTasks: settings.seederMaxTasks,
      vpcId: settings.vpcId,
      trackerDomain: settings.trackerDomain,
    });
    this.api = new TorrentApi(this, 'Api', {
      records: this.records,
      hashQueue: this.hashing.queue,
      artifactsBucket: this.artifactsBucket,
      publishedBucketNames: settings.buckets,
      rateLimit: settings.apiRateLimit,
      burstLimit: settings.apiBurstLimit,
      domain: settings.apiDomain === undefined || settings.apiCertificateArn === undefined
        ? undefined
        : { name: settings.apiDomain, certificateArn: settings.apiCertificateArn },
    });
    const environment = serviceEnvironment({
      tableName: this.records.table.tableName,
      hashQueueUrl: this.hashing.queue.queueUrl,
      hashMaxReceives: this.hashing.maxReceiveCount,
      artifactsBucket: this.artifactsBucket.bucketName,
      publishedBuckets: settings.buckets,
      defaultFormat: settings.format,
      segmentBytes: settings.segmentBytes,
      trackers: this.seeder.trackerUrls,
      // Path style: bucket names with dots break virtual-hosted URLs under HTTPS.
      webseedBaseUrl: settings.webseeds ? `https://s3.${this.region}.${this.urlSuffix}` : undefined,
    });
    // v1 prefix torrents name the API as their webseed: it answers the BEP 47 pad files that
    // aria2c and Transmission 3 ask a webseed for, and redirects the rest to S3 (src/api/serveWebseed.ts).
    this.hashing.configure(settings.webseeds ? { ...environment, [ServiceEnv.ApiWebseedBaseUrl]: this.api.url } : environment);
    this.api.configure(environment);

    this.withdrawal = new WithdrawalEvents(this, 'Withdrawal', {
      publishedBucketNames: settings.buckets,
      createTrail: settings.createTrail,
      serverAccessLogsBucket: this.serverAccessLogsBucket,
    });
    this.accessChecks = new AccessChecks(this, 'AccessChecks', {
      records: this.records,
      accessQueue: this.withdrawal.queue,
      hashQueue: this.hashing.queue,
      sweepInterval: Duration.minutes(settings.sweepMinutes),
      publishedBucketNames: settings.buckets,
      artifactsBucket: this.artifactsBucket,
    });
    this.accessChecks.configure(environment);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: {
        hashWorker: this.hashing.function,
        torrentApi: this.api.function,
        accessChecker: this.accessChecks.checkerFunction,
        sweep: this.accessChecks.sweepFunction,
      },
      deadLetterQueues: { hashJobs: this.hashing.deadLetterQueue, accessEvents: this.withdrawal.deadLetterQueue },
      hashQueue: this.hashing.queue,
      accessQueue: this.withdrawal.queue,
      api: this.api.api,
      seeder: this.seeder,
      alarmTopicArn: settings.alarmTopicArn,
    });

    new CfnOutput(this, 'TorrentApiUrl', {
      description: 'Base of ?torrent requests: <url><bucket>/<key>?torrent',
      value: this.api.url,
    });
    new CfnOutput(this, 'TrackerUrls', { description: 'What the torrents announce', value: Fn.join(' ', [...this.seeder.trackerUrls]) });
    new CfnOutput(this, 'SeederAddresses', {
      description: "The seeder's public IPv4 addresses (point trackerDomain's A records here)",
      value: Fn.join(',', [...this.seeder.network.publicAddresses]),
    });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'RecordsTableName', {
      description: 'The records table: s3-torrent status --table <name> s3://bucket/key',
      value: this.records.table.tableName,
    });
    if (this.api.domainName !== undefined) {
      new CfnOutput(this, 'ApiDomainTarget', {
        description: `Point a CNAME for ${settings.apiDomain ?? ''} here`,
        value: this.api.domainName.regionalDomainName,
      });
    }
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
