import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { S3TorrentStack } from '../../lib/S3TorrentStack.js';
import { recordTableDefinition } from '../../src/records/index.js';
import { DEFAULT_SETTINGS, logicalIdOf, newApp, onlyResource, synthesize } from './synth.js';

// What the stack keeps: the records table every entry point shares, and its private buckets.

/** The bucket policy statement that denies `s3:*` on `bucketId` when `condition` holds. */
const denyStatement = (bucketId: string, condition: Record<string, unknown>): object =>
  Match.objectLike({
    Effect: 'Deny',
    Action: 's3:*',
    Principal: { AWS: '*' },
    Condition: condition,
    Resource: [
      { 'Fn::GetAtt': [bucketId, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
    ],
  });

const ENCRYPTED_WITH_S3_KEYS = { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] };
const ALL_PUBLIC_ACCESS_BLOCKED = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };

describe('Class: RecordsTable', () => {
  // The table src/records creates for DynamoDB Local and the tests: the stack must deploy the same.
  const { createTable, timeToLive } = recordTableDefinition('x');

  it('is the one table of the stack', () => {
    // Prepare & Act
    const { template } = synthesize();

    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('has the keys and attribute types of recordTableDefinition', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const table = json.Resources[logicalIdOf(stack.records.table)];
    expect(table?.Type).toBe('AWS::DynamoDB::Table');
    expect(table?.Properties?.KeySchema).toEqual(createTable.KeySchema);
    expect(table?.Properties?.AttributeDefinitions).toEqual(expect.arrayContaining(createTable.AttributeDefinitions ?? []));
    expect(table?.Properties?.AttributeDefinitions).toHaveLength(createTable.AttributeDefinitions?.length ?? 0);
  });

  it('has the byBucket index of recordTableDefinition, projecting every attribute', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const table = json.Resources[logicalIdOf(stack.records.table)];
    expect(table?.Properties?.GlobalSecondaryIndexes).toEqual(createTable.GlobalSecondaryIndexes);
    expect(table?.Properties?.GlobalSecondaryIndexes?.[0]?.Projection).toEqual({ ProjectionType: 'ALL' });
    expect(table?.Properties?.LocalSecondaryIndexes).toBeUndefined();
  });

  it('names the table in an output, for s3-torrent status --table', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    expect(json.Outputs?.RecordsTableName).toMatchObject({ Value: { Ref: logicalIdOf(stack.records.table) } });
  });

  it('expires segment results by the TTL attribute of recordTableDefinition', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const table = json.Resources[logicalIdOf(stack.records.table)];
    expect(table?.Properties?.TimeToLiveSpecification).toEqual(timeToLive);
  });

  it('bills on demand, as recordTableDefinition does', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const table = json.Resources[logicalIdOf(stack.records.table)];
    expect(createTable.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table?.Properties?.BillingMode).toBe(createTable.BillingMode);
    expect(table?.Properties?.ProvisionedThroughput).toBeUndefined();
  });

  it('has point-in-time recovery on and is kept when the stack is deleted or the table replaced', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const table = json.Resources[logicalIdOf(stack.records.table)];
    expect(table?.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.UpdateReplacePolicy).toBe('Retain');
  });
});

describe('Class: S3TorrentStack', () => {
  describe('artifacts bucket', () => {
    it('encrypts objects at rest with S3-managed keys', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const bucket = json.Resources[logicalIdOf(stack.artifactsBucket)];
      expect(bucket?.Type).toBe('AWS::S3::Bucket');
      expect(bucket?.Properties?.BucketEncryption).toEqual(ENCRYPTED_WITH_S3_KEYS);
    });

    it('blocks every kind of public access and disables ACLs', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const bucket = json.Resources[logicalIdOf(stack.artifactsBucket)];
      expect(bucket?.Properties?.PublicAccessBlockConfiguration).toEqual(ALL_PUBLIC_ACCESS_BLOCKED);
      expect(bucket?.Properties?.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    });

    it('denies requests that are not HTTPS or use TLS below 1.2', () => {
      // Prepare & Act
      const { stack, template } = synthesize();
      const bucketId = logicalIdOf(stack.artifactsBucket);

      // Assess
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            denyStatement(bucketId, { Bool: { 'aws:SecureTransport': 'false' } }),
            denyStatement(bucketId, { NumericLessThan: { 's3:TlsVersion': 1.2 } }),
          ]),
        },
      });
    });

    it('aborts multipart uploads left incomplete after a day', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const bucket = json.Resources[logicalIdOf(stack.artifactsBucket)];
      expect(bucket?.Properties?.LifecycleConfiguration?.Rules).toEqual([{ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }]);
    });

    it('writes its server access logs to a private, encrypted bucket of the stack', () => {
      // Prepare & Act
      const { stack, template, json } = synthesize();
      const artifactsId = logicalIdOf(stack.artifactsBucket);
      const logsId = logicalIdOf(stack.serverAccessLogsBucket);

      // Assess
      expect(json.Resources[artifactsId]?.Properties?.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logsId },
        LogFilePrefix: 'artifacts/',
      });
      const logs = json.Resources[logsId];
      expect(logs?.Properties?.BucketEncryption).toEqual(ENCRYPTED_WITH_S3_KEYS);
      expect(logs?.Properties?.PublicAccessBlockConfiguration).toEqual(ALL_PUBLIC_ACCESS_BLOCKED);
      expect(logs?.DeletionPolicy).toBe('Retain');
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logsId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            denyStatement(logsId, { Bool: { 'aws:SecureTransport': 'false' } }),
            // S3 log delivery may write only the artifacts bucket's logs, not any bucket's.
            Match.objectLike({
              Effect: 'Allow',
              Action: 's3:PutObject',
              Principal: { Service: 'logging.s3.amazonaws.com' },
              Condition: Match.objectLike({
                ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [artifactsId, 'Arn'] } },
              }),
            }),
          ]),
        },
      });
    });

    it('logs to the given bucket instead of creating one', () => {
      // Prepare
      const app = newApp(DEFAULT_SETTINGS);
      const logging = new Stack(app, 'Logging');
      const central = new s3.Bucket(logging, 'Central', { enforceSSL: true });

      // Act
      const stack = new S3TorrentStack(app, 'S3Torrent', { serverAccessLogsBucket: central });

      // Assess
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::S3::Bucket', 1);
      expect(stack.serverAccessLogsBucket).toBe(central);
    });

    it('is kept when the stack is deleted or the bucket replaced', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const bucket = json.Resources[logicalIdOf(stack.artifactsBucket)];
      expect(bucket?.DeletionPolicy).toBe('Retain');
      expect(bucket?.UpdateReplacePolicy).toBe('Retain');
    });

    it('is the only bucket besides the access-log bucket when no trail is asked for', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const buckets = Object.entries(json.Resources).filter(([, resource]) => resource.Type === 'AWS::S3::Bucket').map(([id]) => id).sort();
      expect(buckets).toEqual([logicalIdOf(stack.artifactsBucket), logicalIdOf(stack.serverAccessLogsBucket)].sort());
      expect(onlyResource(json, 'AWS::S3::Bucket', (resource) => resource.Properties?.LoggingConfiguration !== undefined)[0]).toBe(logicalIdOf(stack.artifactsBucket));
    });
  });
});
