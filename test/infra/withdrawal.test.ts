import { readFileSync, readdirSync } from 'node:fs';
import { ServiceEnv, serviceConfigFrom } from '../../src/config.js';
import { ACCESS_EVENTS_BATCH_SIZE } from '../../src/withdrawal/index.js';
import {
  CUSTOM_SETTINGS,
  PUBLISHED_BUCKETS,
  environmentOf,
  environmentWithPlaceholders,
  functionOf,
  logicalIdOf,
  onlyResource,
  placeholder,
  resourcesOfType,
  synthesize,
} from './synth.js';
import type { CfnResourceJson, TemplateJson } from './synth.js';

// Flow 5's events: what may end an object's anonymous readability, queued on access-events.

/** The bucket-level calls that change who may read a bucket's objects (the list). */
const BUCKET_ACCESS_CALLS = [
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketAcl',
  'PutBucketPublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
  'PutBucketOwnershipControls',
];

const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** The access-event fixtures of the parser's tests: one event of every shape the checker reads. */
const FIXTURES = new URL('../unit/withdrawal/fixtures/', import.meta.url);

/**
 * Whether `event` matches an EventBridge pattern of exact values: every pattern key must be in
 * the event, a list matches when the event's value (or one of its elements) is in it, an object
 * matches recursively. (The only pattern forms the stack's rules use.)
 */
function matches(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) return (Array.isArray(event) ? event : [event]).some((value) => pattern.includes(value));
  if (typeof pattern !== 'object' || pattern === null || typeof event !== 'object' || event === null) return false;
  return Object.entries(pattern).every(([key, value]) => key in event && matches(value, (event as Record<string, unknown>)[key]));
}

/** The rules whose only target is `queueId`. */
function rulesTo(json: TemplateJson, queueId: string): Array<[string, CfnResourceJson]> {
  return resourcesOfType(json, 'AWS::Events::Rule').filter(([, rule]) =>
    JSON.stringify(rule.Properties?.Targets?.map((target: { Arn: unknown }) => target.Arn)) === JSON.stringify([{ 'Fn::GetAtt': [queueId, 'Arn'] }]));
}

describe('Class: WithdrawalEvents', () => {
  it('queues access events on a queue with a dead-letter queue', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const queue = json.Resources[logicalIdOf(stack.withdrawal.queue)];
    expect(queue?.Type).toBe('AWS::SQS::Queue');
    expect(queue?.Properties?.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(stack.withdrawal.deadLetterQueue), 'Arn'] },
      maxReceiveCount: expect.any(Number),
    });
    expect(json.Resources[logicalIdOf(stack.withdrawal.deadLetterQueue)]?.Type).toBe('AWS::SQS::Queue');
  });

  it('sends "Object Deleted" and "Object ACL Updated" of exactly the published buckets to it', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const patterns = rulesTo(json, logicalIdOf(stack.withdrawal.queue)).map(([, rule]) => rule.Properties?.EventPattern);
    expect(patterns).toContainEqual({
      source: ['aws.s3'],
      'detail-type': expect.arrayContaining(['Object Deleted', 'Object ACL Updated']),
      detail: { bucket: { name: [...PUBLISHED_BUCKETS] } },
    });
    const objectRule = patterns.find((pattern) => pattern['detail-type'].includes('Object Deleted'));
    expect(objectRule['detail-type']).toHaveLength(2);
  });

  it('sends CloudTrail records of access changes to the published buckets to it', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const patterns = rulesTo(json, logicalIdOf(stack.withdrawal.queue)).map(([, rule]) => rule.Properties?.EventPattern);
    const bucketRule = patterns.find((pattern) => pattern.detail?.requestParameters !== undefined);
    expect(bucketRule).toEqual({
      source: ['aws.s3'],
      'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
      detail: {
        eventSource: ['s3.amazonaws.com'],
        eventName: expect.arrayContaining(BUCKET_ACCESS_CALLS),
        requestParameters: { bucketName: [...PUBLISHED_BUCKETS] },
      },
    });
  });

  it("sends CloudTrail records of the account's Block Public Access changes to it, for every bucket", () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const patterns = rulesTo(json, logicalIdOf(stack.withdrawal.queue)).map(([, rule]) => rule.Properties?.EventPattern);
    const accountRule = patterns.find((pattern) => pattern['detail-type']?.includes(CLOUDTRAIL_DETAIL_TYPE) && pattern.detail?.requestParameters === undefined);
    expect(accountRule).toEqual({
      source: ['aws.s3'],
      'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
      // CloudTrail records S3 Control's PutPublicAccessBlock as PutAccountPublicAccessBlock (S3 User Guide).
      detail: { eventSource: ['s3.amazonaws.com'], eventName: expect.arrayContaining(['PutAccountPublicAccessBlock', 'DeleteAccountPublicAccessBlock']) },
    });
    expect(patterns).toHaveLength(3);
  });

  it.each(readdirSync(FIXTURES).filter((name) => name.endsWith('.json')))('routes the event of %s to the queue, by exactly one rule', (name) => {
    // Prepare: the fixture's bucket is published.
    const { stack, json } = synthesize();
    const event = JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;

    // Act
    const matched = rulesTo(json, logicalIdOf(stack.withdrawal.queue)).filter(([, rule]) => matches(rule.Properties?.EventPattern, event));

    // Assess
    expect(matched).toHaveLength(1);
  });

  it('routes no event of a bucket that is not published', () => {
    // Prepare
    const { stack, json } = synthesize();
    const bucketEvents = readdirSync(FIXTURES).filter((name) => name.startsWith('object-') || name.includes('-bucket-'));
    const elsewhere = bucketEvents.map((name) => readFileSync(new URL(name, FIXTURES), 'utf8').replaceAll('public-datasets', 'someone-elses-bucket'));

    // Act
    const matched = elsewhere.filter((text) => rulesTo(json, logicalIdOf(stack.withdrawal.queue)).some(([, rule]) => matches(rule.Properties?.EventPattern, JSON.parse(text))));

    // Assess
    expect(bucketEvents.length).toBeGreaterThan(5);
    expect(matched).toEqual([]);
  });

  it('lets EventBridge send to the queue from each of its rules only', () => {
    // Prepare & Act
    const { stack, json } = synthesize();
    const queueId = logicalIdOf(stack.withdrawal.queue);

    // Assess
    const [, policy] = onlyResource(json, 'AWS::SQS::QueuePolicy', (resource) => JSON.stringify(resource.Properties?.Queues) === JSON.stringify([{ Ref: queueId }]));
    const allowed = (policy.Properties?.PolicyDocument.Statement as Array<Record<string, any>>)
      .filter((statement) => statement.Effect === 'Allow')
      .map((statement) => {
        expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
        return statement.Condition?.ArnEquals?.['aws:SourceArn']?.['Fn::GetAtt']?.[0] as string;
      });
    expect(allowed.sort()).toEqual(rulesTo(json, queueId).map(([id]) => id).sort());
  });

  it('creates no CloudTrail trail by default', () => {
    // Prepare & Act
    const { template } = synthesize();

    // Assess
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
  });

  it('creates a logging trail of management write events with createTrail=true', () => {
    // Prepare & Act
    const { json } = synthesize(CUSTOM_SETTINGS);

    // Assess
    const [, trail] = onlyResource(json, 'AWS::CloudTrail::Trail');
    expect(trail.Properties?.IsLogging).toBe(true);
    expect(trail.Properties?.EventSelectors).toEqual([{ IncludeManagementEvents: true, ReadWriteType: 'WriteOnly' }]);
    expect(trail.Properties?.AdvancedEventSelectors).toBeUndefined();
    const bucket = json.Resources[trail.Properties?.S3BucketName?.Ref as string];
    expect(bucket?.Type).toBe('AWS::S3::Bucket');
    expect(bucket?.Properties?.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket?.Properties?.BucketEncryption).toBeDefined();
  });
});

describe('Class: AccessChecks', () => {
  /** SQS's advice for a Lambda event source: the queue hides a message at least 6x the function's timeout. */
  const VISIBILITY_PER_TIMEOUT = 6;

  it(`feeds the access-checker from access-events, ${ACCESS_EVENTS_BATCH_SIZE} messages at a time, reporting partial batch failures`, () => {
    // Prepare & Act
    const { stack, json } = synthesize();
    const [checkerId] = functionOf(json, 'access-checker');

    // Assess
    const mappings = resourcesOfType(json, 'AWS::Lambda::EventSourceMapping')
      .filter(([, mapping]) => JSON.stringify(mapping.Properties?.EventSourceArn).includes(`"${logicalIdOf(stack.withdrawal.queue)}"`));
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]?.[1].Properties ?? {};
    expect(mapping.FunctionName).toEqual({ Ref: checkerId });
    expect(mapping.BatchSize).toBe(ACCESS_EVENTS_BATCH_SIZE);
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it("hides a received access event at least six times the access-checker's timeout", () => {
    // Prepare & Act
    const { stack, json } = synthesize();
    const timeout = functionOf(json, 'access-checker')[1].Properties?.Timeout as number;

    // Assess
    expect(timeout).toBeGreaterThan(0);
    expect(json.Resources[logicalIdOf(stack.withdrawal.queue)]?.Properties?.VisibilityTimeout).toBeGreaterThanOrEqual(VISIBILITY_PER_TIMEOUT * timeout);
  });

  it.each([
    ['hourly by default', {}, 'rate(1 hour)'],
    ['every sweepMinutes', CUSTOM_SETTINGS, `rate(${CUSTOM_SETTINGS.sweepMinutes} minutes)`],
  ])('runs the sweep %s, and nothing else on that schedule', (_label, settings, expression) => {
    // Prepare & Act
    const { stack, json } = synthesize(settings);
    const [sweepId] = functionOf(json, 'sweep');

    // Assess
    const rule = json.Resources[logicalIdOf(stack.accessChecks.schedule)];
    expect(rule?.Properties?.ScheduleExpression).toBe(expression);
    expect(rule?.Properties?.State).toBe('ENABLED');
    expect(rule?.Properties?.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [sweepId, 'Arn'] } })]);
  });

  it('does not retry a failed sweep: the next one is the retry', () => {
    // Prepare & Act
    const { stack, json } = synthesize();
    const [sweepId] = functionOf(json, 'sweep');

    // Assess
    const rule = json.Resources[logicalIdOf(stack.accessChecks.schedule)];
    expect(rule?.Properties?.Targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });
    const [, invokeConfig] = onlyResource(json, 'AWS::Lambda::EventInvokeConfig', (resource) => resource.Properties?.FunctionName?.Ref === sweepId);
    expect(invokeConfig.Properties?.MaximumRetryAttempts).toBe(0);
  });

  it.each(['access-checker', 'sweep'] as const)('tells %s where access-events is, in the variable the service reads', (role) => {
    // Prepare & Act
    const { stack, json } = synthesize();
    const environment = environmentOf(functionOf(json, role)[1]);

    // Assess
    expect(environment[ServiceEnv.AccessQueueUrl]).toEqual({ Ref: logicalIdOf(stack.withdrawal.queue) });
    expect(serviceConfigFrom(environmentWithPlaceholders(environment)).accessQueueUrl).toBe(placeholder(logicalIdOf(stack.withdrawal.queue)));
  });

  it.each(['hash-worker', 'torrent-api'] as const)('does not give %s the access-events queue', (role) => {
    // Prepare & Act
    const { json } = synthesize();

    // Assess
    expect(Object.keys(environmentOf(functionOf(json, role)[1]))).not.toContain(ServiceEnv.AccessQueueUrl);
  });
});
