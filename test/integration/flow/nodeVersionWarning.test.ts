import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freeLocalStackPorts } from '../../../src/local/localConfig.js';
import { SDK_NODE_VERSION_WARNING_DISABLED } from '../../../src/service/sdkNodeVersionWarning.js';
import { startSeederService, stopSeederService } from '../../e2e/seeder/seederService.js';
import type { SeederService } from '../../e2e/seeder/seederService.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { node22Binary } from '../../helpers/node22.js';
import { runCliProcess } from '../../helpers/tools.js';
import { killStack, startStackProcess, uploadToStack } from './stackProcess.js';
import type { RunningStack } from './stackProcess.js';

// What a user runs from dist/ prints no AWS SDK NodeVersionSupportWarning, on this machine's
// Node (20 here: the SDK warns below 22) and on Node 22, while Node's other warnings still
// print. Each command below builds SDK clients, which is when the SDK warns.

const WARNING = 'NodeVersionSupportWarning';
const CANARY = 'CanaryWarning: emitted after the command ran';

const runtimes = [
  ['this machine\'s Node', async () => process.execPath],
  ['Node 22', node22Binary],
] as const;

describe('No NodeVersionSupportWarning from the built tools', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let stack: RunningStack;
  let endpoints: { s3: string; api: string; dynamoDb: string; sqs: string };
  /** NODE_OPTIONS that load the canary: a warning of its own, emitted as the process exits. */
  let canaryOptions: string;
  let service: SeederService | undefined;
  /** The SDK's own switch as this shell had it: unset here, so that the tools decide alone. */
  const before = process.env[SDK_NODE_VERSION_WARNING_DISABLED];

  beforeAll(async () => {
    delete process.env[SDK_NODE_VERSION_WARNING_DISABLED];
    ({ dir, cleanup } = await tempDir('node-warning'));
    // A warning emitted after the command has built its SDK clients: if the tools hid Node's
    // warnings wholesale (a removed 'warning' listener, --no-warnings) rather than the SDK's
    // one, this would not print. process.emit, not emitWarning: no tick runs after 'exit'.
    const canary = join(dir, 'canary.mjs');
    await writeFile(canary, [
      "process.once('exit', () => {",
      "  const warning = new Error('emitted after the command ran');",
      "  warning.name = 'CanaryWarning';",
      "  process.emit('warning', warning);",
      '});',
    ].join('\n'));
    canaryOptions = `--import=${pathToFileURL(canary).href}`;

    // `npm start`, from dist/ on this machine's Node, with an object to prewarm and look up.
    const ports = await freeLocalStackPorts();
    const at = (port: number): string => `http://127.0.0.1:${port}`;
    endpoints = { s3: at(ports.s3), api: at(ports.api), dynamoDb: at(ports.dynamoDb), sqs: at(ports.sqs) };
    stack = await startStackProcess(join(dir, 'data'), ports.env);
    await uploadToStack(stack, 'public', 'warning/object.bin', pseudoRandomBytes(300_000, 'node-warning'));
  }, 150_000);

  afterAll(async () => {
    if (service !== undefined) await stopSeederService(service);
    if (stack !== undefined) await killStack(stack, 'SIGKILL');
    await cleanup?.();
    if (before !== undefined) process.env[SDK_NODE_VERSION_WARNING_DISABLED] = before;
  });

  /** Runs the built CLI on `node` with the canary loaded. */
  async function cli(node: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return runCliProcess(args, undefined, { node, env: { NODE_OPTIONS: canaryOptions } });
  }

  it.each(runtimes)('prewarm --recursive (S3 listing) and status (DynamoDB) print none, under %s', async (_runtime, binary) => {
    // Prepare
    const node = await binary();

    // Act
    const prewarm = await cli(node, ['prewarm', '--recursive', 's3://public/warning/', '--s3-endpoint', endpoints.s3, '--api', endpoints.api]);
    const status = await cli(node, ['status', 's3://public/warning/object.bin', '--dynamodb-endpoint', endpoints.dynamoDb]);

    // Assess: both worked, neither printed the SDK's warning, both printed the canary.
    expect(prewarm.code).toBe(0);
    expect(prewarm.stdout).toMatch(/^ready /);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('state:        READY');
    for (const { stderr } of [prewarm, status]) {
      expect(stderr).not.toContain(WARNING);
      expect(stderr).toContain(CANARY);
    }
  }, 120_000);

  it.each(runtimes)('a command that fails (no DynamoDB there) prints one line and no SDK warning, under %s', async (_runtime, binary) => {
    // Prepare: nothing listens on port 1.
    const node = await binary();

    // Act
    const result = await cli(node, ['status', 's3://public/warning/object.bin', '--dynamodb-endpoint', 'http://127.0.0.1:1']);

    // Assess
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^s3-torrent: cannot read table s3-torrent at http:\/\/127\.0\.0\.1:1: /);
    expect(result.stderr).not.toContain(WARNING);
    expect(result.stderr).toContain(CANARY);
  }, 60_000);

  it.each(runtimes)('the seeder service (dist/seeder.js) prints none, under %s', async (_runtime, binary) => {
    // Prepare
    const node = await binary();

    // Act: it builds its clients before it says "seeding"; then stop it as ECS does.
    service = await startSeederService({ endpoints }, node);
    const code = await stopSeederService(service);
    const { stderr } = service;
    service = undefined;

    // Assess
    expect(code).toBe(0);
    expect(stderr.join('\n')).not.toContain(WARNING);
  }, 60_000);

  it('npm start (s3-torrent local) printed none while it started, hashed and served the above', () => {
    expect(stack.output.join('\n')).not.toContain(WARNING);
    expect(stack.output.join('\n')).toMatch(/^ready /m);
  });
});
