import { ServiceEnv } from '../../src/config.js';
import { CUSTOM_SETTINGS, PUBLISHED_BUCKETS, environmentOf, functionOf, logicalIdOf, onlyResource, resourcesOfType, synthesize } from './synth.js';
import type { TemplateJson } from './synth.js';

// Flow 1: "Object Created" in a published bucket → EventBridge → SQS hash-jobs → hash-worker.

/** SQS's advice for a Lambda event source: the queue hides a message at least 6x the function's timeout. */
const VISIBILITY_PER_TIMEOUT = 6;

/** The event source mapping that feeds `functionId`. */
function mappingOf(json: TemplateJson, functionId: string): Record<string, any> {
  return onlyResource(json, 'AWS::Lambda::EventSourceMapping', (resource) => resource.Properties?.FunctionName?.Ref === functionId)[1].Properties ?? {};
}

describe('Class: HashingPipeline', () => {
  describe('rule', () => {
    it('sends "Object Created" events of exactly the published buckets to the hash queue', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const rule = json.Resources[logicalIdOf(stack.hashing.rule)];
      expect(rule?.Type).toBe('AWS::Events::Rule');
      expect(rule?.Properties?.State).toBe('ENABLED');
      expect(rule?.Properties?.EventPattern).toEqual({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [...PUBLISHED_BUCKETS] } },
      });
      expect(rule?.Properties?.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalIdOf(stack.hashing.queue), 'Arn'] } })]);
    });

    it('is the only rule that sends to the hash queue, and the queue lets EventBridge send only from it', () => {
      // Prepare & Act
      const { stack, json } = synthesize();
      const queueId = logicalIdOf(stack.hashing.queue);

      // Assess
      const senders = resourcesOfType(json, 'AWS::Events::Rule')
        .filter(([, rule]) => (rule.Properties?.Targets as Array<{ Arn: unknown }>).some((target) => JSON.stringify(target.Arn).includes(`"${queueId}"`)))
        .map(([id]) => id);
      expect(senders).toEqual([logicalIdOf(stack.hashing.rule)]);
      const [, policy] = onlyResource(json, 'AWS::SQS::QueuePolicy', (resource) => JSON.stringify(resource.Properties?.Queues) === JSON.stringify([{ Ref: queueId }]));
      expect(policy.Properties?.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(stack.hashing.rule), 'Arn'] } } },
      }));
    });
  });

  describe('queue', () => {
    it('moves a message to its dead-letter queue after as many deliveries as the worker is told', () => {
      // Prepare & Act
      const { stack, json } = synthesize();
      const [, worker] = functionOf(json, 'hash-worker');

      // Assess
      const queue = json.Resources[logicalIdOf(stack.hashing.queue)];
      const told = Number(environmentOf(worker)[ServiceEnv.HashMaxReceives]);
      expect(Number.isInteger(told) && told > 0).toBe(true);
      expect(queue?.Properties?.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(stack.hashing.deadLetterQueue), 'Arn'] },
        maxReceiveCount: told,
      });
    });

    it("hides a received message at least six times the hash-worker's timeout", () => {
      // Prepare & Act
      const { stack, json } = synthesize();
      const [, worker] = functionOf(json, 'hash-worker');

      // Assess
      const queue = json.Resources[logicalIdOf(stack.hashing.queue)];
      const timeout = worker.Properties?.Timeout as number;
      expect(timeout).toBeGreaterThan(0);
      expect(queue?.Properties?.VisibilityTimeout).toBeGreaterThanOrEqual(VISIBILITY_PER_TIMEOUT * timeout);
    });

    it('keeps dead letters longer than live messages', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const queue = json.Resources[logicalIdOf(stack.hashing.queue)];
      const deadLetters = json.Resources[logicalIdOf(stack.hashing.deadLetterQueue)];
      expect(deadLetters?.Properties?.MessageRetentionPeriod).toBe(14 * 24 * 60 * 60);
      expect(deadLetters?.Properties?.MessageRetentionPeriod).toBeGreaterThan(queue?.Properties?.MessageRetentionPeriod as number);
    });
  });

  describe('event source', () => {
    it('feeds the hash-worker one message at a time from the hash queue, reporting partial batch failures', () => {
      // Prepare & Act
      const { stack, json } = synthesize();
      const [workerId] = functionOf(json, 'hash-worker');

      // Assess
      const mapping = mappingOf(json, workerId);
      expect(mapping.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.hashing.queue), 'Arn'] });
      expect(mapping.BatchSize).toBe(1);
      expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping.Enabled).not.toBe(false);
    });

    it('starts at most 100 hash-worker invocations at once by default', () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      expect(mappingOf(json, functionOf(json, 'hash-worker')[0]).ScalingConfig).toEqual({ MaximumConcurrency: 100 });
    });

    it('starts at most hashWorkerConcurrency invocations at once', () => {
      // Prepare & Act
      const { json } = synthesize(CUSTOM_SETTINGS);

      // Assess
      expect(mappingOf(json, functionOf(json, 'hash-worker')[0]).ScalingConfig).toEqual({ MaximumConcurrency: Number(CUSTOM_SETTINGS.hashWorkerConcurrency) });
    });

    it('reserves no concurrency by default', () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      expect(functionOf(json, 'hash-worker')[1].Properties?.ReservedConcurrentExecutions).toBeUndefined();
    });

    it('reserves hashWorkerReservedConcurrency for the hash-worker', () => {
      // Prepare & Act
      const { json } = synthesize(CUSTOM_SETTINGS);

      // Assess
      expect(functionOf(json, 'hash-worker')[1].Properties?.ReservedConcurrentExecutions).toBe(Number(CUSTOM_SETTINGS.hashWorkerReservedConcurrency));
    });

    it('is the only consumer of the hash queue', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const consumers = resourcesOfType(json, 'AWS::Lambda::EventSourceMapping')
        .filter(([, mapping]) => JSON.stringify(mapping.Properties?.EventSourceArn).includes(`"${logicalIdOf(stack.hashing.queue)}"`));
      expect(consumers).toHaveLength(1);
    });
  });

  describe('published buckets', () => {
    it('turns on EventBridge notifications of each published bucket, keeping its other notifications', () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      const notifications = resourcesOfType(json, 'Custom::S3BucketNotifications').map(([, resource]) => resource.Properties ?? {});
      expect(notifications.map((properties) => properties.BucketName).sort()).toEqual([...PUBLISHED_BUCKETS].sort());
      for (const properties of notifications) {
        // Only EventBridge: no topic, queue or function configuration of the stack's own.
        expect(properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: {} });
        // Unmanaged: the handler merges into the bucket's configuration instead of replacing it.
        expect(properties.Managed).toBe(false);
      }
    });
  });

  describe('queues', () => {
    it('encrypts every queue of the stack at rest and refuses every request that is not HTTPS', () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      const queues = resourcesOfType(json, 'AWS::SQS::Queue');
      expect(queues).toHaveLength(4);
      const policies = resourcesOfType(json, 'AWS::SQS::QueuePolicy').map(([, policy]) => policy.Properties ?? {});
      for (const [id, queue] of queues) {
        expect(queue.Properties?.SqsManagedSseEnabled === true || queue.Properties?.KmsMasterKeyId !== undefined).toBe(true);
        const statements = policies.filter((policy) => JSON.stringify(policy.Queues).includes(`"${id}"`)).flatMap((policy) => policy.PolicyDocument.Statement);
        expect(statements).toContainEqual({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: { 'Fn::GetAtt': [id, 'Arn'] },
        });
      }
    });
  });
});
