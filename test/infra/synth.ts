import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnElement, Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { S3TorrentStack } from '../../lib/S3TorrentStack.js';
import type { S3TorrentStackProps } from '../../lib/S3TorrentStack.js';

// One place that builds the stack for test/infra: an App with the context `cdk synth` uses plus
// `-c name=value` settings, and one synthesis per distinct settings, shared by every test of a
// file (jest gives each test file its own module registry, so the cache is per file).

/**
 * The context of cdk.json. Its feature flags change what gets synthesised (without
 * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` the stack does not even construct), so every
 * App here gets the context `cdk synth` uses: the tests check the template that deploys.
 */
const CDK_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/** The existing buckets every synthesised stack publishes (one with a dot, as S3 allows). */
const PUBLISHED_BUCKETS = ['public-datasets', 'open.data-archive'] as const;

/** `-c name=value` settings, as the CDK CLI passes them: strings. */
type Settings = Readonly<Record<string, string>>;

/** The one required setting. */
const DEFAULT_SETTINGS: Settings = { buckets: PUBLISHED_BUCKETS.join(',') };

const API_DOMAIN = 'torrents.example.com';
const API_CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234-ef56-7890-abcdef012345';
const TRACKER_DOMAIN = 'tracker.example.com';
const ALARM_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ops';

/**
 * Every setting away from its default and every optional feature on (trail, custom API domain,
 * alarm topic, several seeder tasks), in one synthesis: each test asserts the one it is about.
 */
const CUSTOM_SETTINGS: Settings = {
  format: 'hybrid',
  webseeds: 'false',
  segmentBytes: String(64 * 1024 ** 2),
  hashWorkerMemory: '3008',
  hashWorkerConcurrency: '20',
  hashWorkerReservedConcurrency: '40',
  seederCpu: '2048',
  seederMemory: '8192',
  seederMinTasks: '2',
  seederMaxTasks: '3',
  createTrail: 'true',
  apiDomain: API_DOMAIN,
  apiCertificateArn: API_CERTIFICATE_ARN,
  trackerDomain: TRACKER_DOMAIN,
  alarmTopicArn: ALARM_TOPIC_ARN,
  apiRateLimit: '25',
  apiBurstLimit: '50',
  sweepMinutes: '15',
};

/** The account and region of the existing-VPC case (a lookup needs both). */
const LOOKUP_ENV = { account: '123456789012', region: 'us-east-1' } as const satisfies Environment;
const EXISTING_VPC_ID = 'vpc-0123456789abcdef0';

/** The public subnets of the existing VPC, two zones. */
const EXISTING_VPC_SUBNETS = [
  { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', cidr: '10.20.0.0/24', availabilityZone: 'us-east-1a', routeTableId: 'rtb-0aaaaaaaaaaaaaaa1' },
  { subnetId: 'subnet-0bbbbbbbbbbbbbbb2', cidr: '10.20.1.0/24', availabilityZone: 'us-east-1b', routeTableId: 'rtb-0bbbbbbbbbbbbbbb2' },
] as const;

interface LookedUpSubnet {
  readonly subnetId: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  readonly routeTableId: string;
}

/**
 * What `cdk synth` would have cached in cdk.context.json after looking a VPC with these public
 * subnets up. The key is the one `Vpc.fromLookup({ vpcId })` asks for (the CLI's "missing
 * context" report prints it).
 */
function vpcLookupContext(vpcId: string, cidr: string, subnets: readonly LookedUpSubnet[]): Record<string, unknown> {
  return {
    [`vpc-provider:account=${LOOKUP_ENV.account}:filter.vpc-id=${vpcId}:region=${LOOKUP_ENV.region}:returnAsymmetricSubnets=true`]: {
      vpcId,
      vpcCidrBlock: cidr,
      ownerAccountId: LOOKUP_ENV.account,
      availabilityZones: [],
      subnetGroups: [{ name: 'public', type: 'Public', subnets }],
    },
  };
}

const EXISTING_VPC_CONTEXT = vpcLookupContext(EXISTING_VPC_ID, '10.20.0.0/16', EXISTING_VPC_SUBNETS);

interface SynthOptions {
  /**
   * Bundle the two Lambdas with esbuild, as `cdk synth` does. Off by default: bundling changes
   * only the functions' asset hashes in the template and costs seconds per synthesis; the bundle
   * tests turn it on.
   */
  readonly bundle?: boolean;
  /**
   * Run the CloudFormation template validation `cdk synth` runs (aws-cdk-lib's built-in
   * `@aws/cloudformation-validate` rules). Off by default: it costs seconds per test file (a WASM
   * engine starts in each) and says nothing about what the tests assert; validation.test.ts runs it.
   */
  readonly validate?: boolean;
  /** The stack's account and region. @default - none: environment-agnostic, as bin/app.ts makes it */
  readonly env?: Environment;
  /** Context beyond cdk.json's and the settings (context-provider answers). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** An App with cdk.json's context, the given settings and options, and nothing else. */
function newApp(settings: Settings, options: SynthOptions = {}): App {
  return new App({
    builtinCloudFormationValidation: options.validate === true,
    context: {
      ...CDK_CONTEXT,
      // An empty list skips asset bundling in every stack (the key the CLI sets to the stacks it selects).
      ...(options.bundle === true ? {} : { [BUNDLING_STACKS]: [] }),
      ...options.context,
      ...settings,
    },
  });
}

/** Builds the stack in a fresh App, as bin/app.ts does; throws what the constructor throws. */
function constructStack(settings: Settings, options: SynthOptions = {}, props: S3TorrentStackProps = {}): S3TorrentStack {
  return new S3TorrentStack(newApp(settings, options), 'S3Torrent', { env: options.env, ...props });
}

interface Synthesized {
  readonly stack: S3TorrentStack;
  readonly template: Template;
  /** The synthesised cloud assembly (template, assets manifest, staged assets). */
  readonly assembly: CloudAssembly;
  /** The template as plain JSON. */
  readonly json: TemplateJson;
  /** What synthesis printed as its validation report (warnings), empty when nothing. */
  readonly validationReport: string;
}

/** What the tests read of a CloudFormation template. */
interface TemplateJson {
  readonly Resources: Readonly<Record<string, CfnResourceJson>>;
  readonly Outputs?: Readonly<Record<string, unknown>>;
}

interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string | string[];
}

const synthesized = new Map<string, Synthesized>();

/**
 * The stack with the published buckets plus `settings`, synthesised once per distinct settings
 * and options in this test file.
 */
function synthesize(settings: Settings = {}, options: SynthOptions = {}): Synthesized {
  const key = JSON.stringify([settings, options]);
  const cached = synthesized.get(key);
  if (cached !== undefined) return cached;
  const stack = constructStack({ ...DEFAULT_SETTINGS, ...settings }, options);
  // Synthesis prints its validation report (warnings included) on the console: keep it instead.
  const printed: string[] = [];
  const print = console.error;
  console.error = (...parts: unknown[]): void => {
    printed.push(parts.map(String).join(' '));
  };
  let template: Template;
  try {
    template = Template.fromStack(stack);
  } finally {
    console.error = print;
  }
  // Template.fromStack synthesised the App; this returns that same assembly.
  const assembly = (stack.node.root as App).synth();
  const result = { stack, template, assembly, json: template.toJSON() as TemplateJson, validationReport: printed.join('\n') };
  synthesized.set(key, result);
  return result;
}

/** Logical id of the CloudFormation resource that `construct` renders to (its default child). */
function logicalIdOf(construct: IConstruct): string {
  const child = construct.node.defaultChild;
  if (child === undefined) throw new TypeError(`${construct.node.path} has no default child`);
  return Stack.of(construct).getLogicalId(child as CfnElement);
}

/** The resources of one type, by logical id. */
function resourcesOfType(json: TemplateJson, type: string): Array<[string, CfnResourceJson]> {
  return Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
}

/** The one resource of `type` whose properties `select` accepts; fails the test otherwise. */
function onlyResource(json: TemplateJson, type: string, select: (resource: CfnResourceJson) => boolean = () => true): [string, CfnResourceJson] {
  const found = resourcesOfType(json, type).filter(([, resource]) => select(resource));
  if (found.length !== 1) throw new Error(`expected one ${type} that matches, found ${found.length}: ${found.map(([id]) => id).join(', ')}`);
  return found[0] as [string, CfnResourceJson];
}

/** The functions of ours, by the handler each runs (their `s3-torrent:handler` metadata). */
const HANDLER_ROLES = ['hash-worker', 'torrent-api', 'access-checker', 'sweep'] as const;
type HandlerRole = (typeof HANDLER_ROLES)[number];

/** The Lambda function that runs `role`, found as `s3-torrent local --handlers` finds it. */
function functionOf(json: TemplateJson, role: HandlerRole): [string, CfnResourceJson] {
  return onlyResource(json, 'AWS::Lambda::Function', (resource) => resource.Metadata?.['s3-torrent:handler'] === role);
}

/** A function's environment variables as the template holds them (intrinsics unresolved). */
function environmentOf(resource: CfnResourceJson): Record<string, unknown> {
  return (resource.Properties?.Environment?.Variables ?? {}) as Record<string, unknown>;
}

/**
 * Replaces CloudFormation intrinsics by plain strings, the way a value looks once deployed:
 * `Fn::Join` joins (its parts resolved the same way), anything else (`Ref`, `Fn::GetAtt`,
 * `Fn::Sub`…) becomes a DNS-safe placeholder naming what it refers to, so that URLs built from it
 * still parse.
 */
function withPlaceholders(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const object = value as Record<string, unknown>;
  const join = object['Fn::Join'] as [string, unknown[]] | undefined;
  if (join !== undefined) return join[1].map(withPlaceholders).join(join[0]);
  const ref = object.Ref;
  if (typeof ref === 'string') return placeholder(ref);
  const getAtt = object['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt !== undefined) return placeholder(`${getAtt[0]}-${getAtt[1]}`);
  return placeholder(JSON.stringify(object));
}

/** A deploy-time value stood in for by a lower-case DNS label. */
function placeholder(of: string): string {
  return `placeholder-${of.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

/** An environment (name → value) with every intrinsic replaced by {@link withPlaceholders}. */
function environmentWithPlaceholders(variables: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, withPlaceholders(value)]));
}

export {
  ALARM_TOPIC_ARN,
  API_CERTIFICATE_ARN,
  API_DOMAIN,
  CDK_CONTEXT,
  CUSTOM_SETTINGS,
  DEFAULT_SETTINGS,
  EXISTING_VPC_CONTEXT,
  vpcLookupContext,
  EXISTING_VPC_ID,
  EXISTING_VPC_SUBNETS,
  HANDLER_ROLES,
  LOOKUP_ENV,
  PUBLISHED_BUCKETS,
  TRACKER_DOMAIN,
  constructStack,
  environmentOf,
  environmentWithPlaceholders,
  functionOf,
  logicalIdOf,
  newApp,
  onlyResource,
  placeholder,
  resourcesOfType,
  synthesize,
  withPlaceholders,
};
export type { CfnResourceJson, HandlerRole, Settings, SynthOptions, Synthesized, TemplateJson };
