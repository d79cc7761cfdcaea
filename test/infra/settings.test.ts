import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InvalidSettingsError } from '../../lib/errors.js';
import { tempDir } from '../helpers/files.js';
import { projectRoot } from '../helpers/tools.js';
import { API_CERTIFICATE_ARN, DEFAULT_SETTINGS, constructStack } from './synth.js';
import type { Settings } from './synth.js';

// Every setting is checked before anything is built, and all problems are reported at once, in
// one line: `cdk synth` prints the message as it is, and an operator fixes everything in one go.

const run = promisify(execFile);

/** What constructing the stack with `settings` throws, or `undefined` when it does not. */
function thrownBy(settings: Settings): unknown {
  try {
    constructStack(settings);
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The error of `settings`, checked to be an InvalidSettingsError listing exactly `problems` in one line. */
function expectInvalid(settings: Settings, problems: readonly string[]): void {
  const error = thrownBy(settings);
  expect(error).toBeInstanceOf(InvalidSettingsError);
  const invalid = error as InvalidSettingsError;
  expect(invalid.name).toBe('InvalidSettingsError');
  expect(invalid.problems).toEqual(problems);
  expect(invalid.message).toBe(`invalid s3-torrent settings: ${problems.join('; ')}`);
  expect(invalid.message).not.toMatch(/[\r\n]/);
}

const BUCKET_NAME_RULES =
  "is not a valid S3 bucket name (3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit, no \"..\", not an IP address)";

describe('Class: S3TorrentStack', () => {
  describe('settings', () => {
    it('accepts the published buckets alone and applies every default', () => {
      // Prepare & Act
      const stack = constructStack(DEFAULT_SETTINGS);

      // Assess
      expect(stack.settings).toEqual({
        buckets: ['public-datasets', 'open.data-archive'],
        format: 'v1',
        webseeds: true,
        segmentBytes: 256 * 1024 ** 2,
        hashWorkerMemory: 1769,
        hashWorkerConcurrency: 100,
        hashWorkerReservedConcurrency: undefined,
        seederCpu: 1024,
        seederMemory: 2048,
        seederMinTasks: 1,
        seederMaxTasks: 1,
        createTrail: false,
        vpcId: undefined,
        apiDomain: undefined,
        apiCertificateArn: undefined,
        trackerDomain: undefined,
        alarmTopicArn: undefined,
        apiRateLimit: 100,
        apiBurstLimit: 200,
        sweepMinutes: 60,
      });
    });

    it.each<{ what: string; settings: Settings; problem: string }>([
      {
        what: 'no bucket is named',
        settings: {},
        problem: 'buckets is required: the existing buckets to publish, e.g. -c buckets=my-bucket,other-bucket',
      },
      {
        what: 'the bucket list is empty',
        settings: { buckets: ' , ' },
        problem: 'buckets is required: the existing buckets to publish, e.g. -c buckets=my-bucket,other-bucket',
      },
      { what: 'a bucket name has capitals and an underscore', settings: { buckets: 'good-bucket,Bad_Bucket' }, problem: `buckets[1] "Bad_Bucket" ${BUCKET_NAME_RULES}` },
      { what: 'a bucket name is an IP address', settings: { buckets: '192.168.0.1' }, problem: `buckets[0] "192.168.0.1" ${BUCKET_NAME_RULES}` },
      { what: 'a bucket name has two dots in a row', settings: { buckets: 'a..b' }, problem: `buckets[0] "a..b" ${BUCKET_NAME_RULES}` },
      { what: 'a bucket is named twice', settings: { buckets: 'good-bucket,good-bucket' }, problem: 'buckets[1] "good-bucket" is listed more than once' },
      { what: 'format is v3', settings: { ...DEFAULT_SETTINGS, format: 'v3' }, problem: 'format must be one of v1, hybrid, not "v3"' },
      { what: 'webseeds is maybe', settings: { ...DEFAULT_SETTINGS, webseeds: 'maybe' }, problem: 'webseeds must be true or false, not "maybe"' },
      {
        what: 'seederCpu is not a Fargate size',
        settings: { ...DEFAULT_SETTINGS, seederCpu: '300' },
        problem: "seederCpu must be one of Fargate's sizes 256, 512, 1024, 2048, 4096, 8192, 16384, not 300",
      },
      {
        what: 'seederMemory does not fit seederCpu',
        settings: { ...DEFAULT_SETTINGS, seederCpu: '1024', seederMemory: '1024' },
        problem: 'seederMemory 1024 does not fit seederCpu 1024: Fargate accepts 2048 to 8192 MiB in steps of 1024',
      },
      {
        what: 'seederMinTasks is above seederMaxTasks',
        settings: { ...DEFAULT_SETTINGS, seederMinTasks: '3', seederMaxTasks: '2' },
        problem: 'seederMinTasks 3 is above seederMaxTasks 2',
      },
      {
        what: 'apiDomain comes without a certificate',
        settings: { ...DEFAULT_SETTINGS, apiDomain: 'torrents.example.com' },
        problem: 'apiDomain and apiCertificateArn go together: give both or neither',
      },
      {
        what: 'a certificate comes without apiDomain',
        settings: { ...DEFAULT_SETTINGS, apiCertificateArn: API_CERTIFICATE_ARN },
        problem: 'apiDomain and apiCertificateArn go together: give both or neither',
      },
      {
        what: 'vpcId is not a VPC id',
        settings: { ...DEFAULT_SETTINGS, vpcId: 'my-vpc' },
        problem: 'vpcId must be a VPC id such as vpc-0123456789abcdef0, not "my-vpc"',
      },
      {
        what: 'hashWorkerReservedConcurrency is below hashWorkerConcurrency',
        settings: { ...DEFAULT_SETTINGS, hashWorkerReservedConcurrency: '50' },
        problem: 'hashWorkerReservedConcurrency 50 is below hashWorkerConcurrency 100: the event source would be throttled',
      },
      {
        what: 'sweepMinutes is 0 (EventBridge runs a schedule at most once a minute)',
        settings: { ...DEFAULT_SETTINGS, sweepMinutes: '0' },
        problem: 'sweepMinutes must be an integer from 1 to 1440, not "0"',
      },
      {
        what: 'a number is not an integer',
        settings: { ...DEFAULT_SETTINGS, hashWorkerMemory: '1.5e3' },
        problem: 'hashWorkerMemory must be an integer from 128 to 10240, not "1.5e3"',
      },
    ])('throws InvalidSettingsError naming the setting when $what', ({ settings, problem }) => {
      // Prepare, Act & Assess
      expectInvalid(settings, [problem]);
    });

    it('lists every problem at once, in one line, in the order the settings are checked', () => {
      // Prepare
      const settings = {
        buckets: 'good-bucket,Bad_Bucket,good-bucket',
        format: 'v3',
        webseeds: 'maybe',
        seederCpu: '300',
        seederMinTasks: '3',
        seederMaxTasks: '2',
        apiDomain: 'torrents.example.com',
        vpcId: 'my-vpc',
        hashWorkerReservedConcurrency: '50',
      };

      // Act & Assess
      expectInvalid(settings, [
        `buckets[1] "Bad_Bucket" ${BUCKET_NAME_RULES}`,
        'buckets[2] "good-bucket" is listed more than once',
        "seederCpu must be one of Fargate's sizes 256, 512, 1024, 2048, 4096, 8192, 16384, not 300",
        'seederMinTasks 3 is above seederMaxTasks 2',
        'apiDomain and apiCertificateArn go together: give both or neither',
        'format must be one of v1, hybrid, not "v3"',
        'webseeds must be true or false, not "maybe"',
        'vpcId must be a VPC id such as vpc-0123456789abcdef0, not "my-vpc"',
        'hashWorkerReservedConcurrency 50 is below hashWorkerConcurrency 100: the event source would be throttled',
      ]);
    });

    it('takes a setting given as a stack prop over the same setting in context', () => {
      // Prepare & Act
      const stack = constructStack({ ...DEFAULT_SETTINGS, format: 'v3' }, {}, { format: 'hybrid', buckets: ['from-props'] });

      // Assess
      expect(stack.settings.format).toBe('hybrid');
      expect(stack.settings.buckets).toEqual(['from-props']);
    });
  });

  describe('cdk synth without buckets', () => {
    let dir: string;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ dir, cleanup } = await tempDir('infra-cli'));
    });
    afterAll(() => cleanup());

    it('exits non-zero with one line naming the missing setting and no stack trace', async () => {
      // Prepare: `--app` runs bin/app.ts directly, so the CLI does not rebuild dist/ under the
      // other tests' feet; `-o` keeps its output (and its lock) out of the project.
      const cdk = join(projectRoot, 'node_modules', '.bin', 'cdk');
      const args = ['synth', '-q', '--app', 'npx tsx bin/app.ts', '-o', join(dir, 'cdk.out')];

      // Act
      const result = await run(cdk, args, { cwd: projectRoot, timeout: 120_000 }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
      );

      // Assess
      expect(result.code).not.toBe(0);
      expect(typeof result.code).toBe('number');
      const lines = result.stderr.split('\n');
      expect(lines.filter((line) => line.startsWith('s3-torrent: invalid s3-torrent settings: buckets is required'))).toHaveLength(1);
      expect(lines.filter((line) => line.startsWith('s3-torrent:'))).toHaveLength(1);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stderr).not.toContain('InvalidSettingsError');
    });
  });
});
