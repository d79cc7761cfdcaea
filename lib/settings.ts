import { Token } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { DEFAULT_SEGMENT_BYTES, DEFAULT_SWEEP_SECONDS, MAX_SWEEP_SECONDS, MIN_SEGMENT_BYTES, TORRENT_FORMATS } from '../src/config.js';
import { bucketNameProblems } from './bucketNameProblems.js';
import { InvalidSettingsError } from './errors.js';

/**
 * Everything an operator may choose about a deployment. Each is a stack prop and a context value
 * of the same name (`cdk deploy -c buckets=a,b -c seederMaxTasks=2`); a prop wins over context.
 * README "Deploy to AWS" lists them with their defaults.
 */
interface S3TorrentSettings {
  /** Existing buckets whose anonymously readable objects are published. Required. */
  readonly buckets: readonly string[];
  /** Format `?torrent` answers when the request does not say. @default 'v1' (every client reads it) */
  readonly format: (typeof TORRENT_FORMATS)[number];
  /** Put the object's public S3 URL in each torrent's `url-list` (BEP 19). @default true */
  readonly webseeds: boolean;
  /** Objects larger than this are hashed by several workers, one segment each. @default 256 MiB */
  readonly segmentBytes: number;
  /** hash-worker memory in MB; 1,769 MB is one vCPU (docs/sizing.md). @default 1769 */
  readonly hashWorkerMemory: number;
  /** Most hash-worker invocations the SQS event source runs at once. @default 100 */
  readonly hashWorkerConcurrency: number;
  /** Concurrency reserved for (and capping) the hash-worker. @default - none: the account's pool */
  readonly hashWorkerReservedConcurrency: number | undefined;
  /** Seeder task CPU units (1024 = one vCPU). @default 1024 */
  readonly seederCpu: number;
  /** Seeder task memory in MiB. @default 2048 */
  readonly seederMemory: number;
  /** Fewest seeder tasks. @default 1 */
  readonly seederMinTasks: number;
  /** Most seeder tasks; above 1, the tasks share their swarms through ElastiCache Serverless (Valkey), created for it. @default 1 */
  readonly seederMaxTasks: number;
  /** Create a CloudTrail trail so bucket-level changes (policy, ACL, Block Public Access) reach EventBridge. @default false */
  readonly createTrail: boolean;
  /** Existing VPC to run the seeder in (needs public subnets in two or more AZs). @default - a new VPC */
  readonly vpcId: string | undefined;
  /** Custom domain name of the `?torrent` API (needs `apiCertificateArn`). @default - the execute-api URL */
  readonly apiDomain: string | undefined;
  /** ACM certificate (same region) for `apiDomain`. */
  readonly apiCertificateArn: string | undefined;
  /** DNS name torrents announce the tracker at; point it at the NLB's Elastic IPs. @default - the NLB's DNS name */
  readonly trackerDomain: string | undefined;
  /** SNS topic that alarms notify. @default - alarms without actions (see them on the dashboard) */
  readonly alarmTopicArn: string | undefined;
  /** Steady `?torrent` requests per second the API accepts. @default 100 */
  readonly apiRateLimit: number;
  /** Burst of `?torrent` requests the API accepts. @default 200 */
  readonly apiBurstLimit: number;
  /**
   * Minutes between two sweeps of every record (revocations whose event was lost, republishing,
   * lost hashing jobs). @default 60
   */
  readonly sweepMinutes: number;
}

/** Settings given as stack props: anything not given comes from context, then the defaults. */
type S3TorrentSettingsInput = { readonly [K in keyof S3TorrentSettings]?: S3TorrentSettings[K] };

const DEFAULT_SETTINGS = {
  format: 'v1',
  webseeds: true,
  segmentBytes: DEFAULT_SEGMENT_BYTES,
  hashWorkerMemory: 1769,
  hashWorkerConcurrency: 100,
  seederCpu: 1024,
  seederMemory: 2048,
  seederMinTasks: 1,
  seederMaxTasks: 1,
  createTrail: false,
  apiRateLimit: 100,
  apiBurstLimit: 200,
  sweepMinutes: DEFAULT_SWEEP_SECONDS / 60,
} as const satisfies Partial<S3TorrentSettings>;

/** Lambda's memory range, in MB. */
const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 } as const;

/** The SQS event source's maximum concurrency range (Lambda's own limits). */
const EVENT_SOURCE_CONCURRENCY = { min: 2, max: 1000 } as const;

/**
 * Largest segment: a worker reads it in one GET within its timeout (15 min at ~90 MB/s is ~75 GiB;
 * 4 GiB leaves room for slow streams) and its piece hashes must fit one DynamoDB item.
 */
const MAX_SEGMENT_BYTES = 4 * 1024 ** 3;

/** Fargate's CPU units and, for each, the memory (MiB) it accepts: min, max, step. */
const FARGATE_SIZES: Readonly<Record<number, { min: number; max: number; step: number }>> = {
  256: { min: 512, max: 2048, step: 1024 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16_384, step: 1024 },
  4096: { min: 8192, max: 30_720, step: 1024 },
  8192: { min: 16_384, max: 61_440, step: 4096 },
  16_384: { min: 32_768, max: 122_880, step: 8192 },
};

/** Sweep interval range in minutes: EventBridge's smallest rate, and the service's longest interval. */
const SWEEP_MINUTES = { min: 1, max: MAX_SWEEP_SECONDS / 60 } as const;

/** Most seeder tasks: well above what one NLB target group and one tracker store are sized for. */
const MAX_SEEDER_TASKS = 100;

const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;
const SNS_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Reads one setting: prop, else context, else undefined; gathers what is wrong instead of throwing. */
class SettingReader {
  public readonly problems: string[] = [];

  public constructor(
    private readonly props: S3TorrentSettingsInput,
    private readonly node: Node,
  ) {}

  private raw(name: keyof S3TorrentSettings): unknown {
    const fromProps = this.props[name];
    if (fromProps !== undefined) return fromProps;
    const fromContext: unknown = this.node.tryGetContext(name);
    return fromContext === '' ? undefined : fromContext;
  }

  public list(name: keyof S3TorrentSettings): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.map((item) => item.trim());
    if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
    this.problems.push(`${name} must be a comma-separated list, not ${JSON.stringify(value)}`);
    return undefined;
  }

  public boolean(name: keyof S3TorrentSettings, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    this.problems.push(`${name} must be true or false, not ${JSON.stringify(value)}`);
    return fallback;
  }

  public integer(name: keyof S3TorrentSettings, fallback: number, min: number, max: number): number;
  public integer(name: keyof S3TorrentSettings, fallback: undefined, min: number, max: number): number | undefined;
  public integer(name: keyof S3TorrentSettings, fallback: number | undefined, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < min || number > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`);
      return fallback;
    }
    return number;
  }

  public oneOf<T extends string>(name: keyof S3TorrentSettings, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
    return fallback;
  }

  public matching(name: keyof S3TorrentSettings, pattern: RegExp, what: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value === 'string' && (Token.isUnresolved(value) || pattern.test(value))) return value;
    this.problems.push(`${name} must be ${what}, not ${JSON.stringify(value)}`);
    return undefined;
  }
}

/**
 * The deployment's settings: props over context over defaults, every value checked.
 *
 * @param props - settings given in code (they win over context)
 * @param node - the construct node whose context holds `-c name=value` settings
 * @throws InvalidSettingsError listing every problem at once
 */
function resolveSettings(props: S3TorrentSettingsInput, node: Node): S3TorrentSettings {
  const read = new SettingReader(props, node);
  const buckets = read.list('buckets') ?? [];
  if (buckets.length === 0) {
    read.problems.push('buckets is required: the existing buckets to publish, e.g. -c buckets=my-bucket,other-bucket');
  }
  read.problems.push(...bucketNameProblems('buckets', buckets));
  const seederCpu = read.integer('seederCpu', DEFAULT_SETTINGS.seederCpu, 256, 16_384);
  const seederMemory = read.integer('seederMemory', DEFAULT_SETTINGS.seederMemory, 512, 122_880);
  const sizes = FARGATE_SIZES[seederCpu];
  if (sizes === undefined) {
    read.problems.push(`seederCpu must be one of Fargate's sizes ${Object.keys(FARGATE_SIZES).join(', ')}, not ${seederCpu}`);
  } else if (seederMemory < sizes.min || seederMemory > sizes.max || (seederMemory - sizes.min) % sizes.step !== 0) {
    read.problems.push(
      `seederMemory ${seederMemory} does not fit seederCpu ${seederCpu}: Fargate accepts ${sizes.min} to ${sizes.max} MiB in steps of ${sizes.step}`,
    );
  }
  const seederMinTasks = read.integer('seederMinTasks', DEFAULT_SETTINGS.seederMinTasks, 1, MAX_SEEDER_TASKS);
  const seederMaxTasks = read.integer('seederMaxTasks', DEFAULT_SETTINGS.seederMaxTasks, 1, MAX_SEEDER_TASKS);
  if (seederMinTasks > seederMaxTasks) read.problems.push(`seederMinTasks ${seederMinTasks} is above seederMaxTasks ${seederMaxTasks}`);
  const apiDomain = read.matching('apiDomain', DOMAIN_NAME, 'a DNS name such as torrents.example.com');
  const apiCertificateArn = read.matching('apiCertificateArn', ACM_ARN, 'an ACM certificate ARN');
  if ((apiDomain === undefined) !== (apiCertificateArn === undefined)) {
    read.problems.push('apiDomain and apiCertificateArn go together: give both or neither');
  }
  const apiRateLimit = read.integer('apiRateLimit', DEFAULT_SETTINGS.apiRateLimit, 1, 10_000);
  const apiBurstLimit = read.integer('apiBurstLimit', DEFAULT_SETTINGS.apiBurstLimit, 1, 5_000);
  const settings: S3TorrentSettings = {
    buckets,
    format: read.oneOf('format', TORRENT_FORMATS, DEFAULT_SETTINGS.format),
    webseeds: read.boolean('webseeds', DEFAULT_SETTINGS.webseeds),
    segmentBytes: read.integer('segmentBytes', DEFAULT_SETTINGS.segmentBytes, MIN_SEGMENT_BYTES, MAX_SEGMENT_BYTES),
    hashWorkerMemory: read.integer('hashWorkerMemory', DEFAULT_SETTINGS.hashWorkerMemory, LAMBDA_MEMORY_MB.min, LAMBDA_MEMORY_MB.max),
    hashWorkerConcurrency: read.integer(
      'hashWorkerConcurrency',
      DEFAULT_SETTINGS.hashWorkerConcurrency,
      EVENT_SOURCE_CONCURRENCY.min,
      EVENT_SOURCE_CONCURRENCY.max,
    ),
    hashWorkerReservedConcurrency: read.integer('hashWorkerReservedConcurrency', undefined, 1, 10_000),
    seederCpu,
    seederMemory,
    seederMinTasks,
    seederMaxTasks,
    createTrail: read.boolean('createTrail', DEFAULT_SETTINGS.createTrail),
    vpcId: read.matching('vpcId', VPC_ID, 'a VPC id such as vpc-0123456789abcdef0'),
    apiDomain,
    apiCertificateArn,
    trackerDomain: read.matching('trackerDomain', DOMAIN_NAME, 'a DNS name such as tracker.example.com'),
    alarmTopicArn: read.matching('alarmTopicArn', SNS_ARN, 'an SNS topic ARN'),
    apiRateLimit,
    apiBurstLimit,
    sweepMinutes: read.integer('sweepMinutes', DEFAULT_SETTINGS.sweepMinutes, SWEEP_MINUTES.min, SWEEP_MINUTES.max),
  };
  const reserved = settings.hashWorkerReservedConcurrency;
  if (reserved !== undefined && reserved < settings.hashWorkerConcurrency) {
    read.problems.push(
      `hashWorkerReservedConcurrency ${reserved} is below hashWorkerConcurrency ${settings.hashWorkerConcurrency}: the event source would be throttled`,
    );
  }
  if (read.problems.length > 0) throw new InvalidSettingsError(read.problems);
  return Object.freeze(settings);
}

export { DEFAULT_SETTINGS, FARGATE_SIZES, MAX_SEGMENT_BYTES, resolveSettings };
export type { S3TorrentSettings, S3TorrentSettingsInput };
