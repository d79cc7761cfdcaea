import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudAssemblyError, HandlerBundleError, findCloudAssemblyHandlers, runtimeMismatch } from '../../../src/local/index.js';
import { splitHandler } from '../../../src/local/cloudAssemblyHandlers.js';
import { writeCloudAssembly } from '../../helpers/cloudAssembly.js';
import type { FakeFunction } from '../../helpers/cloudAssembly.js';
import { tempDir } from '../../helpers/files.js';

// Importing the bundles needs Node's module hooks (for the SDK Lambda provides), which jest
// refuses: test/integration/flow/cdkBundles.test.ts imports them through the built CLI.

const HASH_WORKER = 'a'.repeat(64);
const TORRENT_API = 'b'.repeat(64);

const ACCESS_CHECKER = 'e'.repeat(64);
const SWEEP = 'f'.repeat(64);

/** The four functions as the CDK stack marks them, each with a bundle that exports `handler`. */
function bothFunctions(overrides: { hashWorker?: Partial<FakeFunction>; torrentApi?: Partial<FakeFunction>; sweep?: Partial<FakeFunction> } = {}): FakeFunction[] {
  return [
    { logicalId: 'HashWorker1234', role: 'hash-worker', assetHash: HASH_WORKER, files: { 'index.mjs': 'export const handler = async () => ({ batchItemFailures: [] });' }, ...overrides.hashWorker },
    { logicalId: 'TorrentApi5678', role: 'torrent-api', assetHash: TORRENT_API, files: { 'index.mjs': 'export const handler = async () => ({ statusCode: 204 });' }, ...overrides.torrentApi },
    { logicalId: 'AccessChecker9', role: 'access-checker', assetHash: ACCESS_CHECKER, files: { 'index.mjs': 'export const handler = async () => ({ batchItemFailures: [] });' } },
    { logicalId: 'Sweep10', role: 'sweep', assetHash: SWEEP, files: { 'index.mjs': 'export const handler = async () => undefined;' }, ...overrides.sweep },
    // An unrelated function (a custom resource's, say) is not picked up.
    { logicalId: 'Other', assetHash: 'c'.repeat(64), files: { 'index.js': '' } },
  ];
}

/** The error `promise` rejects with, checked to be a `type` with exactly `message`. */
async function expectRejection(promise: Promise<unknown>, type: new (...args: never[]) => Error, message: string): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toBe(message);
  return error as Error;
}

describe('Function: findCloudAssemblyHandlers', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let count = 0;
  /** A fresh assembly directory per test. */
  const assembly = (functions: readonly FakeFunction[]): Promise<string> => writeCloudAssembly(join(dir, `cdk.out.${(count += 1)}`), functions);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('assembly'));
  });
  afterAll(() => cleanup());

  it('finds the four functions by their metadata, with the bundle file and export Lambda would load', async () => {
    // Prepare
    const out = await assembly(bothFunctions({ hashWorker: { environment: { S3TORRENT_HASH_THREADS: '0', S3TORRENT_TABLE: { Ref: 'Table' } } } }));
    // Act
    const found = await findCloudAssemblyHandlers(out);
    // Assess
    expect(found.directory).toBe(out);
    expect(found.hashWorker).toEqual({
      role: 'hash-worker',
      stack: 'S3Torrent',
      logicalId: 'HashWorker1234',
      constructPath: 'S3Torrent/HashWorker1234/Resource',
      runtime: 'nodejs22.x',
      assetHash: HASH_WORKER,
      file: join(out, `asset.${HASH_WORKER}`, 'index.mjs'),
      exportPath: ['handler'],
      // Only literal values: a Ref has no value before deployment.
      environment: { S3TORRENT_HASH_THREADS: '0' },
    });
    expect(found.torrentApi.file).toBe(join(out, `asset.${TORRENT_API}`, 'index.mjs'));
    expect(found.accessChecker.file).toBe(join(out, `asset.${ACCESS_CHECKER}`, 'index.mjs'));
    expect(found.sweep.file).toBe(join(out, `asset.${SWEEP}`, 'index.mjs'));
    expect(found.hashThreads).toBe(0);
  });

  it.each([
    ['the template value', { S3TORRENT_HASH_THREADS: '2' }, 2],
    ['0 when the template sets none', undefined, 0],
  ])('takes the hash threads from the hash-worker: %s', async (_label, environment, threads) => {
    const out = await assembly(bothFunctions({ hashWorker: { environment } }));
    expect((await findCloudAssemblyHandlers(out)).hashThreads).toBe(threads);
  });

  it('looks for the module as Lambda does: .js before .mjs, under the handler\'s directory', async () => {
    const out = await assembly(bothFunctions({
      hashWorker: { handler: 'app/main.run', files: { 'app/main.mjs': '', 'app/main.js': '' } },
    }));
    const found = await findCloudAssemblyHandlers(out);
    expect(found.hashWorker.file).toBe(join(out, `asset.${HASH_WORKER}`, 'app', 'main.js'));
    expect(found.hashWorker.exportPath).toEqual(['run']);
  });

  describe('refuses, with one line naming the problem', () => {
    it('a directory that does not exist', async () => {
      await expectRejection(findCloudAssemblyHandlers(join(dir, 'nope')), CloudAssemblyError, `--handlers ${join(dir, 'nope')}: no such directory`);
    });

    it('a file instead of a directory', async () => {
      const file = join(dir, 'file');
      await writeFile(file, '');
      await expectRejection(findCloudAssemblyHandlers(file), CloudAssemblyError, `--handlers ${file}: not a directory`);
    });

    it('a directory without manifest.json', async () => {
      const empty = join(dir, 'empty');
      await mkdir(empty);
      await expectRejection(
        findCloudAssemblyHandlers(empty),
        CloudAssemblyError,
        `--handlers ${empty}: manifest.json: no such file (is it the output directory of cdk synth?)`,
      );
    });

    it('a manifest that is not JSON', async () => {
      const out = await assembly(bothFunctions());
      await writeFile(join(out, 'manifest.json'), '{');
      await expect(findCloudAssemblyHandlers(out)).rejects.toThrow(/manifest\.json: not JSON/);
    });

    it('an assembly without the hash-worker function', async () => {
      const out = await assembly(bothFunctions({ hashWorker: { role: undefined } }));
      const error = await expectRejection(
        findCloudAssemblyHandlers(out),
        HandlerBundleError,
        'hash-worker handler: no AWS::Lambda::Function in S3Torrent has the metadata "s3-torrent:handler": "hash-worker"',
      );
      expect((error as HandlerBundleError).role).toBe('hash-worker');
    });

    it('an assembly without the sweep function (synthesised before the sweep existed)', async () => {
      const out = await assembly(bothFunctions({ sweep: { role: undefined } }));
      await expectRejection(
        findCloudAssemblyHandlers(out),
        HandlerBundleError,
        'sweep handler: no AWS::Lambda::Function in S3Torrent has the metadata "s3-torrent:handler": "sweep"',
      );
    });

    it('two functions marked torrent-api', async () => {
      const out = await assembly([...bothFunctions(), { logicalId: 'Again', role: 'torrent-api', assetHash: 'd'.repeat(64), files: { 'index.mjs': '' } }]);
      await expect(findCloudAssemblyHandlers(out)).rejects.toThrow(/torrent-api handler: 2 functions have the metadata .*S3Torrent\/TorrentApi5678, S3Torrent\/Again/);
    });

    it('an asset directory that is missing', async () => {
      const out = await assembly(bothFunctions());
      await rm(join(out, `asset.${TORRENT_API}`), { recursive: true });
      await expectRejection(
        findCloudAssemblyHandlers(out),
        HandlerBundleError,
        `torrent-api handler: function TorrentApi5678 of stack S3Torrent: its asset directory ${join(out, `asset.${TORRENT_API}`)} is missing`,
      );
    });

    it('an asset the asset manifest does not list', async () => {
      const out = await assembly(bothFunctions());
      await writeFile(join(out, 'S3Torrent.assets.json'), JSON.stringify({ files: {} }));
      await expect(findCloudAssemblyHandlers(out)).rejects.toThrow(`asset ${HASH_WORKER} is not in S3Torrent.assets.json`);
    });

    it('an asset without the handler\'s module', async () => {
      const out = await assembly(bothFunctions({ hashWorker: { files: { 'other.mjs': '' } } }));
      await expect(findCloudAssemblyHandlers(out)).rejects.toThrow(/has no index\.js, \.mjs, \.cjs for Handler "index\.handler"/);
    });

    it('a hash thread count the service would refuse', async () => {
      const out = await assembly(bothFunctions({ hashWorker: { environment: { S3TORRENT_HASH_THREADS: 'many' } } }));
      await expect(findCloudAssemblyHandlers(out)).rejects.toThrow('hash-worker handler: S3TORRENT_HASH_THREADS is "many" in its template, not an integer from 0 to 64');
    });
  });
});

describe('Function: splitHandler', () => {
  it.each([
    ['index.handler', { module: 'index', exportPath: ['handler'] }],
    ['dist/app.main', { module: 'dist/app', exportPath: ['main'] }],
    ['index.api.handle', { module: 'index', exportPath: ['api', 'handle'] }],
  ])('splits %s as Lambda does', (handler, parts) => {
    expect(splitHandler(handler)).toEqual(parts);
  });

  it.each(['index', '.handler', 'index.', 'index..x'])('refuses %s', (handler) => {
    expect(splitHandler(handler)).toBeUndefined();
  });
});

describe('Function: runtimeMismatch', () => {
  it('warns when Node is not the major version of the functions\' runtime, and only then', async () => {
    const { dir, cleanup } = await tempDir('runtime');
    try {
      const handlers = await findCloudAssemblyHandlers(await writeCloudAssembly(dir, bothFunctions()));
      expect(runtimeMismatch(handlers, 'v20.20.2')).toBe(
        'warning: the functions run on nodejs22.x on Lambda, but this is Node v20.20.2: a bundle that loads here may not load there',
      );
      expect(runtimeMismatch(handlers, 'v22.23.5')).toBeUndefined();
    } finally {
      await cleanup();
    }
  });
});
