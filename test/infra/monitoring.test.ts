import { HandlerMetrics, METRICS_NAMESPACE, SeederMetrics } from '../../src/service/metricNames.js';
import { ALARM_TOPIC_ARN, CUSTOM_SETTINGS, HANDLER_ROLES, functionOf, logicalIdOf, onlyResource, resourcesOfType, synthesize, withPlaceholders } from './synth.js';
import type { CfnResourceJson, TemplateJson } from './synth.js';

// What needs a person: alarms on dead letters, handler errors and throttles, API 5xx and
// unhealthy seeder targets; and one dashboard with the handlers' own metrics.

/** Alarms that drive the seeder's step scaling (their actions are scaling policies), not a person. */
function isScalingAlarm(json: TemplateJson, alarm: CfnResourceJson): boolean {
  const actions = (alarm.Properties?.AlarmActions ?? []) as Array<{ Ref?: string }>;
  return actions.length > 0 && actions.every((action) => json.Resources[action.Ref ?? '']?.Type === 'AWS::ApplicationAutoScaling::ScalingPolicy');
}

/** The alarms meant for a person. */
function operatorAlarms(json: TemplateJson): CfnResourceJson[] {
  return resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm).filter((alarm) => !isScalingAlarm(json, alarm));
}

/** The one operator alarm on `metricName` in `namespace` whose dimensions include `dimension`. */
function alarmOn(json: TemplateJson, namespace: string, metricName: string, dimension: { Name: string; Value: unknown }): CfnResourceJson {
  const found = operatorAlarms(json).filter((alarm) =>
    alarm.Properties?.Namespace === namespace &&
    alarm.Properties?.MetricName === metricName &&
    (alarm.Properties?.Dimensions as unknown[]).some((candidate) => JSON.stringify(candidate) === JSON.stringify(dimension)));
  expect(found).toHaveLength(1);
  return found[0] as CfnResourceJson;
}

/** An alarm that fires as soon as its metric is above zero. */
const ABOVE_ZERO = { Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' };

describe('Class: Monitoring', () => {
  describe('alarms', () => {
    it('fire on any message in either dead-letter queue', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      for (const queue of [stack.hashing.deadLetterQueue, stack.withdrawal.deadLetterQueue]) {
        const alarm = alarmOn(json, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(queue), 'QueueName'] } });
        expect(alarm.Properties).toMatchObject(ABOVE_ZERO);
      }
    });

    it.each(HANDLER_ROLES)('fire on any error and any throttle of %s', (role) => {
      // Prepare & Act
      const { json } = synthesize();
      const [functionId] = functionOf(json, role);

      // Assess
      for (const metric of ['Errors', 'Throttles']) {
        const alarm = alarmOn(json, 'AWS/Lambda', metric, { Name: 'FunctionName', Value: { Ref: functionId } });
        expect(alarm.Properties).toMatchObject({ ...ABOVE_ZERO, Statistic: 'Sum' });
      }
    });

    it('fire on any 5xx answer of the API', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const alarm = alarmOn(json, 'AWS/ApiGateway', '5xx', { Name: 'ApiId', Value: { Ref: logicalIdOf(stack.api.api) } });
      expect(alarm.Properties).toMatchObject({ ...ABOVE_ZERO, Statistic: 'Sum' });
    });

    it('fire on any unhealthy target of either seeder target group', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      for (const group of [stack.seeder.targetGroups.peers, stack.seeder.targetGroups.tracker]) {
        const alarm = alarmOn(json, 'AWS/NetworkELB', 'UnHealthyHostCount', { Name: 'TargetGroup', Value: { 'Fn::GetAtt': [logicalIdOf(group), 'TargetGroupFullName'] } });
        expect(alarm.Properties).toMatchObject(ABOVE_ZERO);
        expect((alarm.Properties?.Dimensions as Array<{ Name: string }>).map((dimension) => dimension.Name).sort()).toEqual(['LoadBalancer', 'TargetGroup']);
      }
    });

    it('are those thirteen, treating missing data as fine', () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      const alarms = operatorAlarms(json);
      expect(alarms).toHaveLength(2 + HANDLER_ROLES.length * 2 + 1 + 2);
      for (const alarm of alarms) expect(alarm.Properties?.TreatMissingData).toBe('notBreaching');
    });

    it('notify no one by default', () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      for (const alarm of operatorAlarms(json)) expect(alarm.Properties?.AlarmActions).toBeUndefined();
    });

    it('each notify alarmTopicArn when it is given', () => {
      // Prepare & Act
      const { json } = synthesize(CUSTOM_SETTINGS);

      // Assess
      const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm);
      expect(operatorAlarms(json)).toHaveLength(2 + HANDLER_ROLES.length * 2 + 1 + 2);
      for (const alarm of alarms) {
        if (isScalingAlarm(json, alarm)) continue;
        expect(alarm.Properties?.AlarmActions).toEqual([ALARM_TOPIC_ARN]);
      }
    });
  });

  describe('dashboard', () => {
    it("graphs every metric the handlers and the seeder emit, by the namespace and names they emit them under", () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      const [, dashboard] = onlyResource(json, 'AWS::CloudWatch::Dashboard');
      const body = JSON.parse(withPlaceholders(dashboard.Properties?.DashboardBody)) as { widgets: Array<{ properties: { metrics?: unknown[][] } }> };
      const graphed = body.widgets.flatMap((widget) => widget.properties.metrics ?? []).map((metric) => JSON.stringify(metric.slice(0, 4)));
      for (const { service, names } of [...Object.values(HandlerMetrics), SeederMetrics]) {
        for (const name of Object.values(names)) {
          expect(graphed).toContain(JSON.stringify([METRICS_NAMESPACE, name, 'service', service]));
        }
      }
    });
  });
});
