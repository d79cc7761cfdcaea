import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HandlerMetrics, METRICS_NAMESPACE, SeederMetrics } from '../src/service/metricNames.js';
import type { SeederService } from './SeederService.js';

/** Alarms look at five-minute windows: long enough to ignore a single blip, short enough to page in time. */
const ALARM_PERIOD = Duration.minutes(5);

interface MonitoringProps {
  readonly functions: {
    readonly hashWorker: lambda.IFunction;
    readonly torrentApi: lambda.IFunction;
    readonly accessChecker: lambda.IFunction;
    readonly sweep: lambda.IFunction;
  };
  /** Dead-letter queues: any message in one is work that failed for good. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly hashQueue: sqs.IQueue;
  /** `access-events`: withdrawal events and re-check continuations waiting for the access checker. */
  readonly accessQueue: sqs.IQueue;
  readonly api: apigwv2.HttpApi;
  readonly seeder: SeederService;
  /** @default - alarms have no action */
  readonly alarmTopicArn?: string | undefined;
}

/**
 * Alarms on what needs a person (dead letters, handler errors and throttles, API 5xx, unhealthy
 * seeder targets) and one dashboard with the handlers' own metrics (Powertools EMF) beside AWS's.
 */
class Monitoring extends Construct {
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const topic = props.alarmTopicArn === undefined ? undefined : sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn);
    const alarm = (name: string, metric: cloudwatch.IMetric, description: string): void => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (topic !== undefined) created.addAlarmAction(new actions.SnsAction(topic));
      this.alarms.push(created);
    };
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(`${name}DeadLetters`, queue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
        `Messages in the ${name} dead-letter queue: jobs that failed every retry (see the handler's log)`);
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }), `${name} invocations failed`);
      alarm(`${name}Throttles`, fn.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum' }), `${name} invocations were throttled (concurrency limits)`);
    }
    alarm('Api5xx', props.api.metricServerError({ period: ALARM_PERIOD, statistic: 'Sum' }), '?torrent answered 5xx');
    for (const [name, group] of Object.entries(props.seeder.targetGroups)) {
      alarm(`Seeder${name}Unhealthy`, group.metrics.unHealthyHostCount({ period: ALARM_PERIOD, statistic: 'Maximum' }),
        `A seeder task fails the NLB's ${name} health check`);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const handlerMetric = (service: string, metricName: string): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, statistic: 'Sum', period: Duration.minutes(1) });
    const { HashWorker, TorrentApi, AccessChecker, Sweep } = HandlerMetrics;
    const { loadBalancer } = props.seeder.network;
    const groups: elbv2.NetworkTargetGroup[] = Object.values(props.seeder.targetGroups);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: '?torrent answers',
        left: Object.values(TorrentApi.names).map((name) => handlerMetric(TorrentApi.service, name)),
      }),
      new cloudwatch.GraphWidget({
        title: 'Hashing',
        left: Object.values(HashWorker.names).map((name) => handlerMetric(HashWorker.service, name)),
        right: [props.hashQueue.metricApproximateNumberOfMessagesVisible()],
      }),
      new cloudwatch.GraphWidget({
        title: 'Withdrawal: access events and sweeps',
        left: [
          ...Object.values(AccessChecker.names).map((name) => handlerMetric(AccessChecker.service, name)),
          ...Object.values(Sweep.names).map((name) => handlerMetric(Sweep.service, name)),
        ],
        right: [props.accessQueue.metricApproximateNumberOfMessagesVisible()],
      }),
      new cloudwatch.GraphWidget({
        title: 'Handlers: errors and throttles',
        left: Object.values(props.functions).flatMap((fn) => [fn.metricErrors(), fn.metricThrottles()]),
        right: Object.values(props.functions).map((fn) => fn.metricDuration({ statistic: 'p99' })),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Seeder: flows and bytes',
        left: [loadBalancer.metrics.activeFlowCount(), loadBalancer.metrics.newFlowCount()],
        right: [loadBalancer.metrics.processedBytes()],
      }),
      new cloudwatch.GraphWidget({
        title: 'Seeder: targets and tasks',
        left: groups.flatMap((group) => [group.metrics.healthyHostCount(), group.metrics.unHealthyHostCount()]),
        right: [props.seeder.service.metricCpuUtilization(), props.seeder.service.metricMemoryUtilization()],
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms }),
    );
    this.dashboard.addWidgets(...egressWidgets(handlerMetric, props.seeder));
  }
}

/**
 * What BitTorrent saved: bytes the seeder served beside what peers got (completed downloads ×
 * size, and what they reported), the swarms, and the top objects from the seeder's EMF lines.
 * Webseed bytes (S3 GETs) are not in these: S3 bills them, we never see them.
 */
function egressWidgets(metric: (service: string, name: string) => cloudwatch.Metric, seeder: SeederService): cloudwatch.IWidget[] {
  const { service, names } = SeederMetrics;
  return [
    new cloudwatch.GraphWidget({
      title: 'What BitTorrent saved: served by the seeder vs delivered',
      left: [metric(service, names.ServedBytes), metric(service, names.DeliveredBytes), metric(service, names.PeerDownloadedBytes)],
      right: [metric(service, names.Completions), metric(service, names.EgressCountsDropped)],
    }),
    new cloudwatch.GraphWidget({
      title: 'Swarms: peers besides the seeder',
      left: [metric(service, names.Seeds), metric(service, names.Leechers)],
    }),
    new cloudwatch.LogQueryWidget({
      title: 'Objects by bytes served (last period of the dashboard)',
      logGroupNames: [seeder.logGroup.logGroupName],
      queryLines: [
        `fields object, ${names.ServedBytes}, ${names.DeliveredBytes}`,
        `filter ispresent(${names.ServedBytes})`,
        `stats sum(${names.ServedBytes}) as served, sum(${names.DeliveredBytes}) as delivered, sum(${names.Completions}) as completions by object`,
        'sort served desc',
        'limit 20',
      ],
      width: 24,
    }),
  ];
}

export { Monitoring };
export type { MonitoringProps };
