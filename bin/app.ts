#!/usr/bin/env node
// CDK app entry: `cdk.json` runs it with `npx tsx bin/app.ts` (tsx strips types; TypeScript 7
// only type-checks and cannot run code, so there is no compile step).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { S3TorrentStack } from '../lib/S3TorrentStack.js';

const app = new App();

// No `env`: an environment-agnostic stack synthesises without AWS credentials and needs no
// context lookups; the account and region come from the CLI profile at `cdk deploy`.
new S3TorrentStack(app, 'S3Torrent', {
  description: 's3-torrent: publish S3 objects over BitTorrent (?torrent, tracker, seeder)',
});

// cdk-nag 3 is a policy-validation plugin, not an Aspect: any unacknowledged AwsSolutions
// finding makes `cdk synth` exit non-zero. Acknowledge findings on the construct with
// `Validations.of(construct).acknowledge({ id, reason })`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
