import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { S3TorrentStack } from '../../lib/S3TorrentStack.js';
import { CUSTOM_SETTINGS, DEFAULT_SETTINGS, EXISTING_VPC_CONTEXT, EXISTING_VPC_ID, LOOKUP_ENV, newApp } from './synth.js';
import type { Settings, SynthOptions } from './synth.js';

// The synthesis `cdk synth` runs, in full: aws-cdk-lib's CloudFormation template validation (the
// other test files leave it off for speed) and cdk-nag registered as bin/app.ts registers it.
// Either one failing makes App.synth throw ValidationFailed.

const CASES: Array<[string, Settings, SynthOptions]> = [
  ['default settings', DEFAULT_SETTINGS, {}],
  ['every optional feature on', { ...DEFAULT_SETTINGS, ...CUSTOM_SETTINGS }, {}],
  ['an existing VPC', { ...DEFAULT_SETTINGS, vpcId: EXISTING_VPC_ID }, { env: LOOKUP_ENV, context: EXISTING_VPC_CONTEXT }],
];

describe('Class: S3TorrentStack (synthesis as cdk synth runs it)', () => {
  it.each(CASES)('passes the CloudFormation validation and cdk-nag with %s', (_name, settings, options) => {
    // Prepare
    const app = newApp(settings, { ...options, validate: true });
    new S3TorrentStack(app, 'S3Torrent', { env: options.env });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const printed: string[] = [];
    const print = console.error;
    console.error = (...parts: unknown[]): void => {
      printed.push(parts.map(String).join(' '));
    };

    // Act
    let assembly;
    try {
      assembly = app.synth();
    } finally {
      console.error = print;
    }

    // Assess: nothing is reported.
    expect(assembly.getStackByName('S3Torrent').template.Resources).toBeDefined();
    const report = printed.join('\n');
    expect(report).not.toMatch(/CloudFormation[ -]Validate|AwsSolutions-|ERROR/);
  });
});
