import { CUSTOM_SETTINGS, PUBLISHED_BUCKETS, logicalIdOf, onlyResource, resourcesOfType, synthesize } from './synth.js';
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
      detail: { eventSource: ['s3.amazonaws.com'], eventName: expect.arrayContaining(['PutPublicAccessBlock', 'DeletePublicAccessBlock']) },
    });
    expect(patterns).toHaveLength(3);
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
