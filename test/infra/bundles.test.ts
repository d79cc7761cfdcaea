import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { HANDLER_ROLES, environmentOf, environmentWithPlaceholders, functionOf, synthesize } from './synth.js';

// The Lambda bundles `cdk synth` stages, checked cheaply: each is one ESM file that loads and
// exports `handler` under this machine's Node with the environment the stack gives it. (The
// integration tests run the very same bundles under Node 22, end to end.)

const run = promisify(execFile);

/** How long importing one bundle may take (it reads its configuration and builds SDK clients). */
const IMPORT_TIMEOUT_MS = 30_000;

/** The file assets of a cloud assembly's asset manifests, by hash. */
function fileAssets(assembly: CloudAssembly): Record<string, { source: { path: string; packaging?: string } }> {
  const manifests = assembly.artifacts.filter((artifact) => AssetManifestArtifact.isAssetManifestArtifact(artifact)) as AssetManifestArtifact[];
  return Object.assign({}, ...manifests.map((manifest) => (JSON.parse(readFileSync(manifest.file, 'utf8')) as { files?: object }).files ?? {}));
}

/** The staged directory of `role`'s code asset: the function's S3 key names the asset's hash. */
function bundleDirectory(assembly: CloudAssembly, key: unknown): string {
  const hash = String(key).replace(/\.zip$/, '');
  const asset = fileAssets(assembly)[hash];
  if (asset === undefined) throw new Error(`no file asset ${hash} in the assembly`);
  expect(asset.source.packaging).toBe('zip');
  return join(assembly.directory, asset.source.path);
}

describe('Class: HandlerFunction (bundles)', () => {
  describe.each(HANDLER_ROLES)('%s', (role) => {
    it('stages one ESM bundle, index.mjs, with its source map and nothing else', () => {
      // Prepare & Act
      const { json, assembly } = synthesize({}, { bundle: true });

      // Assess
      const directory = bundleDirectory(assembly, functionOf(json, role)[1].Properties?.Code?.S3Key);
      expect(readdirSync(directory).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    });

    it('loads under Node with the environment the stack gives it and exports a handler function', async () => {
      // Prepare
      const { json, assembly } = synthesize({}, { bundle: true });
      const [, fn] = functionOf(json, role);
      const bundle = pathToFileURL(join(bundleDirectory(assembly, fn.Properties?.Code?.S3Key), 'index.mjs')).href;
      // What Lambda adds to the function's own variables (AWS_REGION among them).
      const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', ...environmentWithPlaceholders(environmentOf(fn)) };
      const script = `const m = await import(${JSON.stringify(bundle)}); process.stdout.write(typeof m.handler);`;

      // Act
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env, timeout: IMPORT_TIMEOUT_MS });

      // Assess
      expect(stdout).toBe('function');
    });
  });
});
