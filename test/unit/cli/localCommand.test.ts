import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DEMO_DIR, examples } from '../../../src/cli/localCommand.js';
import { projectRoot } from '../../helpers/tools.js';

const run = promisify(execFile);

/** Whether git ignores `path` (relative to the project); `git check-ignore` exits 1 when it does not. */
async function ignored(path: string): Promise<boolean> {
  try {
    await run('git', ['check-ignore', '--no-index', '--quiet', path], { cwd: projectRoot });
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 1) return false;
    throw error;
  }
}

describe('Function: examples (the commands npm start prints)', () => {
  const commands = examples('http://127.0.0.1:9000', 'http://127.0.0.1:8080', 'public', undefined).filter((line) => line.startsWith('  '));

  it('writes every local file under the demo folder, never into the current directory', () => {
    // Assess: each file a command writes (>, -o, a last get-object-torrent argument, --dir) is in demo/
    const written = commands.flatMap((line) => [
      ...[...line.matchAll(/(?:> |-o |--dir=)(\S+)/g)].map((m) => m[1] as string),
      ...(line.includes('get-object-torrent') ? [line.trim().split(' ').at(-1) as string] : []),
    ]);
    expect(written.length).toBeGreaterThanOrEqual(4);
    for (const path of written) expect(path.startsWith(`${DEMO_DIR}/`)).toBe(true);
    expect(commands[0]).toMatch(new RegExp(`^  mkdir -p ${DEMO_DIR} && `));
  });

  it.each([[`${DEMO_DIR}/demo.bin`], ['.s3-torrent/records/x']])('leaves %s out of git', async (path) => {
    expect(await ignored(path)).toBe(true);
  });
});
