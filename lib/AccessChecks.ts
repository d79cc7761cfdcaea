import type { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ServiceEnv } from '../src/config.js';
import { ACCESS_EVENTS_BATCH_SIZE } from '../src/withdrawal/index.js';
import { ACCESS_CHECKER_MEMORY_MB, ACCESS_CHECKER_TIMEOUT, SWEEP_MEMORY_MB, SWEEP_TIMEOUT } from './defaults.js';
import { ArtifactAccess, grantArtifacts } from './artifactAccess.js';
import { grantPublicVerdict } from './publicVerdictAccess.js';
import { HandlerFunction } from './HandlerFunction.js';
import { RecordAccess } from './RecordsTable.js';
import type { RecordsTable } from './RecordsTable.js';

interface AccessChecksProps {
  readonly records: RecordsTable;
  /** `access-events` (lib/WithdrawalEvents.ts): what the checker consumes, and where both hand on unfinished re-checks. */
  readonly accessQueue: sqs.IQueue;
  /** `hash-jobs`: re-hashes of new versions and jobs presumed lost go there. */
  readonly hashQueue: sqs.IQueue;
  /** Time between two sweeps of every record. */
  readonly sweepInterval: Duration;
  /** The published buckets: both ask S3's public verdict on them (never their objects' bytes). */
  readonly publishedBucketNames: readonly string[];
  /** The stack's artifacts bucket: a large prefix snapshot's member list is read from it. */
  readonly artifactsBucket: s3.IBucket;
}

/**
 * Flow 5's handlers: the `access-checker` consuming `access-events` (partial batch failures, ten
 * messages per invocation) and the `sweep` on an EventBridge schedule, the safety net for lost
 * events. Both read and update records and queue jobs. On a published bucket they may only ask
 * S3's verdict of public access (GetBucketPolicyStatus, GetObjectAcl): the object itself is asked
 * anonymously, like anyone on the internet.
 */
class AccessChecks extends Construct {
  public readonly checker: HandlerFunction;
  public readonly sweep: HandlerFunction;
  public readonly schedule: events.Rule;
  private readonly accessQueueUrl: string;

  public constructor(scope: Construct, id: string, props: AccessChecksProps) {
    super(scope, id);
    this.accessQueueUrl = props.accessQueue.queueUrl;
    this.checker = new HandlerFunction(this, 'AccessChecker', {
      handler: 'access-checker',
      memorySize: ACCESS_CHECKER_MEMORY_MB,
      timeout: ACCESS_CHECKER_TIMEOUT,
    });
    this.checker.function.addEventSource(new SqsEventSource(props.accessQueue, {
      batchSize: ACCESS_EVENTS_BATCH_SIZE,
      reportBatchItemFailures: true,
    }));
    this.sweep = new HandlerFunction(this, 'Sweep', {
      handler: 'sweep',
      memorySize: SWEEP_MEMORY_MB,
      timeout: SWEEP_TIMEOUT,
    });
    this.schedule = new events.Rule(this, 'SweepSchedule', {
      description: 'Re-check every published record: the safety net for lost withdrawal events',
      schedule: events.Schedule.rate(props.sweepInterval),
      // A failed sweep is not retried: the next one comes at the next interval anyway.
      targets: [new targets.LambdaFunction(this.sweep.function, { retryAttempts: 0 })],
    });
    this.sweep.function.configureAsyncInvoke({ retryAttempts: 0 });
    for (const handler of [this.checker, this.sweep]) {
      const fn = handler.function;
      props.records.grant(fn, RecordAccess.Checker);
      props.hashQueue.grantSendMessages(fn);
      // Continuations: a re-check that runs out of time hands the rest on through the queue.
      props.accessQueue.grantSendMessages(fn);
      grantPublicVerdict(props.publishedBucketNames, fn, handler);
      grantArtifacts(props.artifactsBucket, fn, ArtifactAccess.Read, handler);
    }
  }

  public get checkerFunction(): lambda.Function {
    return this.checker.function;
  }

  public get sweepFunction(): lambda.Function {
    return this.sweep.function;
  }

  /** Sets both handlers' environment: the service's, and the access-events queue. */
  public configure(environment: Readonly<Record<string, string>>): void {
    for (const handler of [this.checker, this.sweep]) handler.configure({ ...environment, [ServiceEnv.AccessQueueUrl]: this.accessQueueUrl });
  }
}

export { AccessChecks };
export type { AccessChecksProps };
