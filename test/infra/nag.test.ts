import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CUSTOM_SETTINGS, DEFAULT_SETTINGS, PUBLISHED_BUCKETS, constructStack, logicalIdOf, newApp, synthesize } from './synth.js';
import { S3TorrentStack } from '../../lib/S3TorrentStack.js';

// cdk-nag 3 is a validation plugin: `validateScope` runs the AwsSolutions rules over a construct
// tree and honours the acknowledgements recorded with `Validations.of(c).acknowledge(...)`.
// (`Annotations.findError` sees nothing under cdk-nag 3: a test built on it would pass blindly.)

/** What `act` throws, or `undefined` when it returns. */
function thrownBy(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Every acknowledgement recorded in the tree under `scope`: where, which rule, why. */
function acknowledgementsUnder(scope: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({ path: construct.node.path, id, reason: String(reason) }))));
}

describe('Class: S3TorrentStack (cdk-nag AwsSolutions)', () => {
  it('reports no finding for the stack with default settings', () => {
    // Prepare
    const { stack } = synthesize();

    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('reports no finding with every optional feature on (trail, API domain, alarm topic, several seeder tasks)', () => {
    // Prepare
    const { stack } = synthesize(CUSTOM_SETTINGS);

    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('reports what is added to the stack unacknowledged: a bare queue and a policy allowing "*"', () => {
    // Prepare: the same check must be able to fail on this stack, or the tests above prove nothing.
    const stack = constructStack(DEFAULT_SETTINGS);
    new sqs.Queue(stack, 'Extra', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const role = new iam.Role(stack, 'WideRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new iam.Policy(stack, 'Wide', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['*'], resources: ['*'] })] });

    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);

    // Assess
    expect(report.success).toBe(false);
    const findings = report.violations.map((violation) => violation.ruleName);
    expect(findings).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4', 'AwsSolutions-IAM5[Action::*]']));
    const paths = report.violations.flatMap((violation) => violation.violatingResources.map((resource) => resource.constructPath));
    expect(paths.filter((path) => path !== 'S3Torrent/Extra/Resource' && path !== 'S3Torrent/Wide/Resource')).toEqual([]);
    expect(report.violations.find((violation) => violation.ruleName === 'AwsSolutions-IAM5[Action::*]')?.violatingResources).toEqual([
      expect.objectContaining({ constructPath: 'S3Torrent/Wide/Resource' }),
    ]);
  });

  it('acknowledges these rules only, each where a finding needs it, with a reason', () => {
    // Prepare
    const { stack } = synthesize(CUSTOM_SETTINGS);
    const artifacts = logicalIdOf(stack.artifactsBucket);

    // Act
    const acknowledged = acknowledgementsUnder(stack);

    // Assess
    for (const { reason } of acknowledged) expect(reason.trim().length).toBeGreaterThan(10);
    const ours = acknowledged.filter(({ id }) => id.includes('AwsSolutions-')).map(({ path, id }) => `${path} ${id}`).sort();
    const handler = stack.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'))?.node.path;
    // S3's verdict of public access reads any object's ACL (s3:GetObjectAcl on <bucket>/*).
    const verdict = ['S3Torrent/AccessChecks/AccessChecker', 'S3Torrent/AccessChecks/Sweep', 'S3Torrent/Api/Handler', 'S3Torrent/Hashing/HashWorker', 'S3Torrent/Seeder/Task'].flatMap((path) =>
      PUBLISHED_BUCKETS.map((bucket) => `${path} Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}/*]`));
    expect(ours).toEqual([
      ...verdict,
      // CDK's notifications handler: its role is aws-cdk-lib's. Its policies name the published
      // buckets, so no IAM5[Resource::*] finding exists there to acknowledge.
      `${handler} Annotation::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]`,
      `S3Torrent/AccessChecks/AccessChecker Annotation::AwsSolutions-IAM5[Resource::<${artifacts}.Arn>/torrents/*]`,
      'S3Torrent/AccessChecks/AccessChecker/Function Annotation::AwsSolutions-L1',
      `S3Torrent/AccessChecks/Sweep Annotation::AwsSolutions-IAM5[Resource::<${artifacts}.Arn>/torrents/*]`,
      'S3Torrent/AccessChecks/Sweep/Function Annotation::AwsSolutions-L1',
      'S3Torrent/Api/Api Annotation::AwsSolutions-APIG4',
      `S3Torrent/Api/Handler Annotation::AwsSolutions-IAM5[Resource::<${artifacts}.Arn>/torrents/*]`,
      'S3Torrent/Api/Handler/Function Annotation::AwsSolutions-L1',
      `S3Torrent/Hashing/HashWorker Annotation::AwsSolutions-IAM5[Resource::<${artifacts}.Arn>/torrents/*]`,
      'S3Torrent/Hashing/HashWorker/Function Annotation::AwsSolutions-L1',
      'S3Torrent/Seeder/Network/LoadBalancer Annotation::AwsSolutions-ELB2',
      'S3Torrent/Seeder/Network/LoadBalancerSecurityGroup Annotation::AwsSolutions-EC23',
      // The swarm store's password (several seeder tasks): rotation would need the ElastiCache user changed too.
      'S3Torrent/Seeder/SwarmStore/Password Annotation::AwsSolutions-SMG4',
      'S3Torrent/Seeder/Task Annotation::AwsSolutions-ECS2',
      `S3Torrent/Seeder/Task Annotation::AwsSolutions-IAM5[Resource::<${artifacts}.Arn>/torrents/*]`,
      'S3Torrent/Seeder/Task Annotation::AwsSolutions-IAM5[Resource::*]',
    ].sort());
  });

  it('fails the app synthesis when a finding is not acknowledged', () => {
    // Prepare
    const app = newApp(DEFAULT_SETTINGS);
    const stack = new S3TorrentStack(app, 'S3Torrent');
    new s3.Bucket(stack, 'Bare');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    const print = console.error;
    console.error = (): void => undefined;

    // Act
    const error = thrownBy(() => app.synth());
    console.error = print;

    // Assess: aws-cdk-lib's error class is @internal, so check its name and report instead.
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ValidationFailed');
    expect((error as Error).message).toContain('S3Torrent/Bare/Resource');
    expect((error as Error).message).toContain('AwsSolutions-S10');
  });
});
