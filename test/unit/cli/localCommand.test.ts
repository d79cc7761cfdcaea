import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DEMO_DIR, PRIVATE_EXAMPLE_BUCKET, PRIVATE_EXAMPLE_HEADER, examples } from '../../../src/cli/localCommand.js';
import type { S3Backend } from '../../../src/local/index.js';
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
  const S3 = 'http://127.0.0.1:9000';
  const API = 'http://127.0.0.1:8080';
  const backends: ReadonlyArray<[string, S3Backend | undefined]> = [
    ['s3rver', undefined],
    ['RGW', { kind: 'rgw' }],
    ['another S3', { kind: 'external', endpoint: S3 }],
  ];
  const commandsOf = (lines: string[]): string[] => lines.filter((line) => line.startsWith('  '));

  it.each(backends)('writes every local file under the demo folder, never into the current directory (%s)', (_name, backend) => {
    // Act
    const commands = commandsOf(examples(S3, API, 'public', backend));

    // Assess: each file a command writes (>, -o, a last get-object-torrent argument, --dir) is in demo/
    const written = commands.flatMap((line) => [
      ...[...line.matchAll(/(?:> |-o |--dir=)(\S+)/g)].map((m) => m[1] as string),
      ...(line.includes('get-object-torrent') ? [line.trim().split(' ').at(-1) as string] : []),
    ]).filter((path) => path !== '/dev/null');
    expect(written.length).toBeGreaterThanOrEqual(4);
    for (const path of written) expect(path.startsWith(`${DEMO_DIR}/`)).toBe(true);
    expect(commands[0]).toMatch(new RegExp(`^  mkdir -p ${DEMO_DIR} && `));
  });

  it.each(backends.slice(1))('on an S3 that enforces access (%s), says the demo bucket is public by policy and shows a private object in a bucket of its own', (_name, backend) => {
    // Act
    const lines = examples(S3, API, 'public', backend);

    // Assess: the demo bucket's policy is named, then a recipe in another bucket: upload (private),
    // the anonymous GET and ?torrent, the ACL made public-read, ?torrent again, the ACL made private.
    expect(lines).toContain('The bucket "public" is public by its bucket policy (anyone may GetObject), so an object ACL cannot make an object private there.');
    const recipe = commandsOf(lines.slice(lines.findIndex((line) => line.startsWith(PRIVATE_EXAMPLE_HEADER))));
    const bucket = PRIVATE_EXAMPLE_BUCKET;
    expect(bucket).not.toBe('public');
    expect(recipe.map((line) => line.replace(/^ {2}AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 /, '  '))).toEqual([
      `  aws --endpoint-url ${S3} s3 mb s3://${bucket}`,
      `  aws --endpoint-url ${S3} s3 cp ${DEMO_DIR}/demo.bin s3://${bucket}/demo.bin`,
      `  curl -sS -o /dev/null -w 'anonymous GET: %{http_code}\\n' ${S3}/${bucket}/demo.bin`,
      `  curl -sS -D - '${API}/${bucket}/demo.bin?torrent'`,
      `  aws --endpoint-url ${S3} s3api put-object-acl --bucket ${bucket} --key demo.bin --acl public-read`,
      `  curl -sS -o ${DEMO_DIR}/${bucket}.demo.bin.torrent -D - '${API}/${bucket}/demo.bin?torrent'`,
      `  aws --endpoint-url ${S3} s3api put-object-acl --bucket ${bucket} --key demo.bin --acl private`,
    ]);
  });

  it('on s3rver, which makes everything public, points to --s3 rgw for a private object instead', () => {
    // Act
    const lines = examples(S3, API, 'public', undefined);

    // Assess
    expect(lines.some((line) => line.startsWith(PRIVATE_EXAMPLE_HEADER))).toBe(false);
    expect(lines.some((line) => line.includes('put-object-acl'))).toBe(false);
    expect(lines).toContain('A private object needs an S3 that enforces access: run npm start -- --s3 rgw (Ceph RGW) to try one.');
  });

  it.each([[`${DEMO_DIR}/demo.bin`], ['.s3-torrent/records/x']])('leaves %s out of git', async (path) => {
    expect(await ignored(path)).toBe(true);
  });
});
