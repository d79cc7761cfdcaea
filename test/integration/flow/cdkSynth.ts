import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../helpers/tools.js';

const run = promisify(execFile);

/** `cdk synth` bundles the Lambdas and runs cdk-nag: about 10 s here; bounded well above. */
const SYNTH_TIMEOUT_MS = 240_000;

/**
 * Synthesises the app with the CDK CLI as a user does, publishing `buckets`, into `outDir`: the
 * cloud assembly whose Lambda bundles CloudFormation deploys (`s3-torrent local --handlers`).
 * `--app` is cdk.json's app without its `npm run build` step: that step starts from an empty
 * dist/, which test files running beside this one use (npm test built dist/ already).
 */
async function synthCloudAssembly(outDir: string, buckets: readonly string[]): Promise<string> {
  await run(join(projectRoot, 'node_modules', '.bin', 'cdk'), ['synth', '-q', '--app', 'npx tsx bin/app.ts', '-c', `buckets=${buckets.join(',')}`, '-o', outDir], {
    cwd: projectRoot,
    timeout: SYNTH_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  return outDir;
}

export { SYNTH_TIMEOUT_MS, synthCloudAssembly };
