#!/usr/bin/env node
// CDK app entry: `cdk.json` runs it with `npx tsx bin/app.ts` after building dist/ (tsx strips
// types; TypeScript 7 only type-checks and cannot run code, so there is no compile step).
// Settings come as context: `npx cdk deploy -c buckets=my-bucket,other-bucket` (README).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { S3TorrentError } from '../src/errors.js';
import { InvalidSettingsError } from '../lib/errors.js';
import { S3TorrentStack } from '../lib/S3TorrentStack.js';

const app = new App();

try {
  // No `env` unless an existing VPC is named: an environment-agnostic stack synthesises without
  // AWS credentials and one template deploys anywhere. Looking a VPC up needs the account and
  // region, which the CLI passes from its profile.
  const vpcId: unknown = app.node.tryGetContext('vpcId');
  const env = vpcId === undefined ? undefined : { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  if (env !== undefined && (env.account === undefined || env.region === undefined)) {
    throw new InvalidSettingsError(['vpcId needs AWS credentials and a region (the CLI looks the VPC up in your account): configure them, or leave vpcId out for a new VPC']);
  }
  new S3TorrentStack(app, 'S3Torrent', {
    description: 's3-torrent: publish S3 objects over BitTorrent (?torrent, tracker, seeder)',
    env,
  });
} catch (error) {
  // A bad setting is the operator's to fix: one line, no stack trace.
  if (!(error instanceof S3TorrentError)) throw error;
  process.stderr.write(`s3-torrent: ${error.message}\n`);
  process.exit(1);
}

// cdk-nag 3 is a policy-validation plugin, not an Aspect: any unacknowledged AwsSolutions
// finding makes `cdk synth` exit non-zero. Acknowledge findings on the construct with
// `Validations.of(construct).acknowledge({ id, reason })`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
