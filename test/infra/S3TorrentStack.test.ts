import { readFileSync } from 'node:fs';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidStackPropsError } from '../../lib/errors.js';
import { S3TorrentStack } from '../../lib/S3TorrentStack.js';
import type { S3TorrentStackProps } from '../../lib/S3TorrentStack.js';

// Template assertions only: nothing here needs an AWS account, Docker or the network.

// The feature flags in cdk.json change what gets synthesised (without
// `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` the stack does not even construct), so every
// App here gets the same context `cdk synth` uses: the tests check the template that deploys.
const CDK_CONTEXT = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context;
const newApp = (): App => new App({ context: CDK_CONTEXT });

const synth = (props?: S3TorrentStackProps): { stack: S3TorrentStack; template: Template } => {
  const stack = new S3TorrentStack(newApp(), 'S3Torrent', props);
  return { stack, template: Template.fromStack(stack) };
};

/** What `act` throws, or `undefined` when it returns. */
const thrownBy = (act: () => unknown): unknown => {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
};

/** Logical id of the one CloudFormation resource that `construct` renders to. */
const logicalIdOf = (stack: Stack, construct: s3.IBucket): string =>
  stack.getLogicalId(construct.node.defaultChild as s3.CfnBucket);

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

describe('Class: S3TorrentStack', () => {
  describe('artifacts bucket', () => {
    it('encrypts objects at rest with S3-managed keys', () => {
      // Prepare & Act
      const { stack, template } = synth();

      // Assess
      template.templateMatches({
        Resources: {
          [logicalIdOf(stack, stack.artifactsBucket)]: {
            Type: 'AWS::S3::Bucket',
            Properties: Match.objectLike({
              BucketEncryption: {
                ServerSideEncryptionConfiguration: [
                  { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
                ],
              },
            }),
          },
        },
      });
    });

    it('blocks every kind of public access and disables ACLs', () => {
      // Prepare & Act
      const { stack, template } = synth();

      // Assess
      const bucket = template.toJSON().Resources[logicalIdOf(stack, stack.artifactsBucket)];
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.OwnershipControls).toEqual({
        Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
      });
    });

    it('denies requests that are not HTTPS or use TLS below 1.2', () => {
      // Prepare & Act
      const { stack, template } = synth();
      const bucketId = logicalIdOf(stack, stack.artifactsBucket);

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

    it('writes its server access logs to a private, encrypted bucket of the stack', () => {
      // Prepare & Act
      const { stack, template } = synth();
      const artifactsId = logicalIdOf(stack, stack.artifactsBucket);
      const logsId = logicalIdOf(stack, stack.serverAccessLogsBucket);

      // Assess
      const resources = template.toJSON().Resources;
      expect(resources[artifactsId].Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logsId },
        LogFilePrefix: 'artifacts/',
      });
      const logs = resources[logsId];
      expect(logs.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(logs.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(logs.DeletionPolicy).toBe('Retain');
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
      const app = newApp();
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
      const { stack, template } = synth();

      // Assess
      const bucket = template.toJSON().Resources[logicalIdOf(stack, stack.artifactsBucket)];
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.UpdateReplacePolicy).toBe('Retain');
    });
  });

  describe('publishedBucketNames', () => {
    it('defaults to publishing no bucket', () => {
      // Prepare & Act
      const { stack } = synth();

      // Assess
      expect(stack.publishedBucketNames).toEqual([]);
    });

    it('throws InvalidStackPropsError naming every invalid or repeated bucket', () => {
      // Prepare
      const names = ['good-bucket', 'Bad_Bucket', '192.168.0.1', 'good-bucket', 'a..b'];

      // Act
      const error = thrownBy(() => new S3TorrentStack(newApp(), 'S3Torrent', { publishedBucketNames: names }));

      // Assess
      expect(error).toBeInstanceOf(InvalidStackPropsError);
      expect((error as InvalidStackPropsError).message).toMatch(
        /^invalid S3TorrentStack props:\n- publishedBucketNames\[1\] "Bad_Bucket" is not a valid S3 bucket name/,
      );
      expect((error as InvalidStackPropsError).problems).toEqual([
        expect.stringMatching(/^publishedBucketNames\[1\] "Bad_Bucket" is not a valid/),
        expect.stringMatching(/^publishedBucketNames\[2\] "192\.168\.0\.1" is not a valid/),
        'publishedBucketNames[3] "good-bucket" is listed more than once',
        expect.stringMatching(/^publishedBucketNames\[4\] "a\.\.b" is not a valid/),
      ]);
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    it('reports no finding for the stack', () => {
      // Prepare
      const { stack } = synth({ publishedBucketNames: ['my-public-datasets'] });

      // Act
      const report = new AwsSolutionsChecks().validateScope(stack);

      // Assess
      expect(report.violations).toEqual([]);
      expect(report.success).toBe(true);
    });

    it('reports the findings of a bucket without access logs or HTTPS enforcement', () => {
      // Prepare: the same check must be able to fail, or the test above proves nothing.
      const stack = new Stack(newApp(), 'NonCompliant');
      new s3.Bucket(stack, 'Bare');

      // Act
      const report = new AwsSolutionsChecks().validateScope(stack);

      // Assess
      expect(report.success).toBe(false);
      expect(report.violations.map((v) => v.ruleName).sort()).toEqual([
        'AwsSolutions-S1',
        'AwsSolutions-S10',
      ]);
      expect(report.violations[0]?.violatingResources[0]?.constructPath).toBe('NonCompliant/Bare/Resource');
    });

    it('lets the app synthesise with the checks registered as bin/app.ts does', () => {
      // Prepare
      const app = newApp();
      new S3TorrentStack(app, 'S3Torrent');
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

      // Act
      const assembly = app.synth();

      // Assess
      expect(assembly.getStackByName('S3Torrent').template.Resources).toBeDefined();
    });

    it('fails the app synthesis when a finding is not acknowledged', () => {
      // Prepare
      const app = newApp();
      const stack = new S3TorrentStack(app, 'S3Torrent');
      new s3.Bucket(stack, 'Bare');
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

      // Act
      const error = thrownBy(() => app.synth());

      // Assess: aws-cdk-lib's error class is @internal, so check its name and report instead.
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('ValidationFailed');
      expect((error as Error).message).toContain('S3Torrent/Bare/Resource');
      expect((error as Error).message).toContain('AwsSolutions-S10');
    });
  });
});
