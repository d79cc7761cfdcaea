import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** One function of a hand-made cloud assembly. */
interface FakeFunction {
  readonly logicalId: string;
  /** The `s3-torrent:handler` metadata value; none when undefined. */
  readonly role?: string | undefined;
  /** The asset's hash (its `Code.S3Key` is `<hash>.zip`). */
  readonly assetHash: string;
  /** Files of the asset directory, by name, e.g. `{ 'index.mjs': 'export const handler = …' }`. */
  readonly files?: Readonly<Record<string, string>> | undefined;
  readonly handler?: string | undefined;
  readonly runtime?: string | undefined;
  readonly environment?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Writes the parts of a cloud assembly that `s3-torrent local --handlers` reads, laid out as
 * `cdk synth` writes them: manifest.json with a stack artifact and its asset-manifest artifact,
 * `<stack>.template.json`, `<stack>.assets.json` and one `asset.<hash>` directory per function.
 */
async function writeCloudAssembly(dir: string, functions: readonly FakeFunction[], stack = 'S3Torrent'): Promise<string> {
  await mkdir(dir, { recursive: true });
  const manifest = {
    version: '55.0.0',
    artifacts: {
      [`${stack}.assets`]: { type: 'cdk:asset-manifest', properties: { file: `${stack}.assets.json` } },
      [stack]: { type: 'aws:cloudformation:stack', properties: { templateFile: `${stack}.template.json` }, dependencies: [`${stack}.assets`] },
      Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
    },
  };
  const resources: Record<string, unknown> = {};
  const files: Record<string, unknown> = {};
  for (const fn of functions) {
    resources[fn.logicalId] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Bucket: { 'Fn::Sub': 'cdk-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: `${fn.assetHash}.zip` },
        Handler: fn.handler ?? 'index.handler',
        Runtime: fn.runtime ?? 'nodejs22.x',
        ...(fn.environment === undefined ? {} : { Environment: { Variables: fn.environment } }),
      },
      Metadata: { 'aws:cdk:path': `${stack}/${fn.logicalId}/Resource`, ...(fn.role === undefined ? {} : { 's3-torrent:handler': fn.role }) },
    };
    files[fn.assetHash] = { source: { path: `asset.${fn.assetHash}`, packaging: 'zip' }, destinations: {} };
    if (fn.files !== undefined) {
      await mkdir(join(dir, `asset.${fn.assetHash}`), { recursive: true });
      for (const [name, text] of Object.entries(fn.files)) {
        const path = join(dir, `asset.${fn.assetHash}`, name);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text);
      }
    }
  }
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  await writeFile(join(dir, `${stack}.template.json`), JSON.stringify({ Resources: resources }));
  await writeFile(join(dir, `${stack}.assets.json`), JSON.stringify({ version: '55.0.0', files }));
  return dir;
}

export { writeCloudAssembly };
export type { FakeFunction };
