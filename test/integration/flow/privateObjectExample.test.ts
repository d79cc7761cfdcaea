import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FOLDER_EXAMPLE_HEADER, PRIVATE_EXAMPLE_BUCKET, PRIVATE_EXAMPLE_HEADER } from '../../../src/cli/localCommand.js';
import { startRgw } from '../../../src/local/index.js';
import { freeLocalStackPorts } from '../../../src/local/localConfig.js';
import { freeLoopbackPort } from '../../../src/local/ports.js';
import { parseTorrent } from '../../../src/torrent/index.js';
import { tempDir } from '../../helpers/files.js';
import { projectRoot } from '../../helpers/tools.js';
import { eventually } from './localStackHarness.js';
import { killStack, startStackProcess } from './stackProcess.js';
import type { RunningStack } from './stackProcess.js';

// The hints `npm start` prints, pasted as a newcomer would: the built CLI (dist/) runs the stack
// on an S3 that enforces anonymous access, a Ceph RGW this test starts and hands it with
// --s3-endpoint (the hints are those of --s3 rgw: both make the demo bucket public by policy and
// print the same private-object example), and each printed command runs in bash, in order.
// The folder example runs first: a later case deletes the demo bucket's policy.

/** Each pasted command: aws, curl and head on loopback take well under this. */
const COMMAND_TIMEOUT_MS = 60_000;
/** The stack prints its hints right after `ready`; they are all there well within this. */
const HINTS_TIMEOUT_MS = 10_000;
const LAST_HINT = 'Ctrl-C stops everything.';

interface Ran {
  readonly command: string;
  readonly code: number;
  readonly output: string;
}

/**
 * Runs one pasted line in bash in `cwd`. Debian's /usr/bin comes first on PATH so that `aws` is
 * the awscli package, as on CI, not one a version manager put earlier on this machine's PATH.
 */
async function paste(command: string, cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { cwd, timeout: COMMAND_TIMEOUT_MS, env: { ...process.env, PATH: `/usr/bin:${process.env['PATH'] ?? ''}` } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ command: command.trim(), code, output: `${stdout}${stderr}` });
      });
  });
}

describe('The folder and private-object examples npm start prints, run against Ceph RGW', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let rgw: Awaited<ReturnType<typeof startRgw>> | undefined;
  let stack: RunningStack | undefined;
  let api: string;
  /** The lines the stack printed after `ready`. */
  let hints: string[];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('private-example'));
    rgw = await startRgw({ port: await freeLoopbackPort(), dataDir: join(dir, 'rgw') });
    const ports = await freeLocalStackPorts();
    api = `http://127.0.0.1:${ports.api}`;
    const running = await startStackProcess(join(dir, 'data'), ports.env, { args: ['--s3-endpoint', rgw.endpoint] });
    stack = running;
    hints = await eventually(async () => {
      const lines = running.output.join('\n').split('\n');
      return lines.includes(LAST_HINT) ? lines.slice(lines.findIndex((line) => line.startsWith('ready '))) : undefined;
    }, HINTS_TIMEOUT_MS, 50);
  }, 180_000);

  afterAll(async () => {
    if (stack !== undefined) await killStack(stack, 'SIGTERM');
    await rgw?.stop();
    await cleanup?.();
  });

  /** The indented (command) lines of `hints` from index `from` up to `to`. */
  const commands = (from: number, to: number): string[] => hints.slice(from, to).filter((line) => line.startsWith('  '));

  /** A fresh directory, with demo/demo.bin written by the public example's first line. */
  async function projectWithDemoFile(name: string): Promise<string> {
    const cwd = join(dir, name);
    await mkdir(cwd);
    const makeDemoFile = commands(0, hints.length)[0] ?? '';
    expect(makeDemoFile).toMatch(/^ {2}mkdir -p demo && .* > demo\/demo\.bin$/);
    expect(await paste(makeDemoFile, cwd)).toMatchObject({ code: 0 });
    return cwd;
  }

  it('makes one torrent of a folder: upload, prewarm, ?torrent and inspect run as printed, and the torrent lists the folder\'s files', async () => {
    // Prepare: `npx s3-torrent` in the project runs its bin; in this scratch folder npx would look
    // for the package elsewhere, so the same command runs the built bin by its path.
    const cwd = join(dir, 'folder');
    await mkdir(cwd);
    const header = hints.indexOf(FOLDER_EXAMPLE_HEADER);
    const example = commands(header, hints.indexOf('', header))
      .map((line) => line.replace('npx s3-torrent ', `node ${join(projectRoot, 'dist', 's3-torrent.js')} `));

    // Act
    const ran: Ran[] = [];
    for (const command of example) ran.push(await paste(command, cwd));

    // Assess
    expect(header).toBeGreaterThan(0);
    expect(ran.map((each) => ({ command: each.command, code: each.code }))).toEqual(example.map((command) => ({ command: command.trim(), code: 0 })));
    expect(ran).toHaveLength(5);
    const torrentRequest = ran.find((each) => each.command.startsWith('curl'));
    expect(torrentRequest?.output).toMatch(/^HTTP\/1\.1 200 /);
    const saved = parseTorrent(await readFile(join(cwd, 'demo', 'set.torrent')));
    expect(saved.name).toBe('set');
    expect(saved.files.filter((file) => !file.pad).map((file) => [file.path.join('/'), file.size])).toEqual([['one.bin', 300_000], ['sub/two.bin', 5_000]]);
    expect(ran.at(-1)?.output).toContain('files:         2 in folder set/');
  }, 240_000);

  it('is private until its ACL grants anonymous read: 403 to an anonymous GET and to ?torrent, 200 once public-read, 403 once private again', async () => {
    // Prepare
    const cwd = await projectWithDemoFile('private');
    const header = hints.findIndex((line) => line.startsWith(PRIVATE_EXAMPLE_HEADER));
    const example = commands(header, hints.indexOf(LAST_HINT));

    // Act: every command of the private example, in the order printed.
    const ran: Ran[] = [];
    for (const command of example) ran.push(await paste(command, cwd));
    const afterward = await fetch(`${api}/${PRIVATE_EXAMPLE_BUCKET}/demo.bin?torrent`);
    await afterward.arrayBuffer();

    // Assess: each command worked; then what each one showed.
    expect(header).toBeGreaterThan(0);
    expect(ran).toHaveLength(7);
    for (const each of ran) expect({ command: each.command, code: each.code }).toEqual({ command: each.command, code: 0 });
    expect(ran.find((each) => each.command.includes('anonymous GET'))?.output).toBe('anonymous GET: 403\n');
    const torrentRequests = ran.filter((each) => each.command.startsWith('curl') && each.command.includes('?torrent'));
    expect(torrentRequests).toHaveLength(2);
    const [whilePrivate, oncePublic] = torrentRequests as [Ran, Ran];
    expect(whilePrivate.output).toMatch(/^HTTP\/1\.1 403 /);
    expect(whilePrivate.output).toContain('<Code>AccessDenied</Code>');
    expect(oncePublic.output).toMatch(/^HTTP\/1\.1 200 /);
    expect(oncePublic.output).toContain('content-type: application/x-bittorrent');
    const saved = parseTorrent(await readFile(join(cwd, 'demo', `${PRIVATE_EXAMPLE_BUCKET}.demo.bin.torrent`)));
    expect(saved.name).toBe('demo.bin');
    expect(afterward.status).toBe(403);
  }, 240_000);

  it('in the demo bucket, an object ACL of private changes nothing: its bucket policy still lets anyone read it, as the hints say; deleting the policy does (README)', async () => {
    // Prepare: the public example's upload, then the same aws command line with put-object-acl.
    const cwd = await projectWithDemoFile('public');
    const upload = commands(0, hints.length).find((line) => line.includes(' s3 cp demo/demo.bin s3://public/demo.bin')) ?? '';
    expect(await paste(upload, cwd)).toMatchObject({ code: 0 });
    const makePrivate = upload.replace(' s3 cp demo/demo.bin s3://public/demo.bin', ' s3api put-object-acl --bucket public --key demo.bin --acl private');

    // Act
    const deletePolicy = upload.replace(' s3 cp demo/demo.bin s3://public/demo.bin', ' s3api delete-bucket-policy --bucket public');
    const anonymousGet = `curl -sS -o /dev/null -w '%{http_code}' ${hints[0]?.match(/ s3=(\S+)/)?.[1] ?? ''}/public/demo.bin`;
    const torrentStatus = async (): Promise<number> => {
      const reply = await fetch(`${api}/public/demo.bin?torrent`);
      await reply.arrayBuffer();
      return reply.status;
    };

    // Act
    const acl = await paste(makePrivate, cwd);
    const afterAcl = { get: (await paste(anonymousGet, cwd)).output, torrent: await torrentStatus() };
    const policy = await paste(deletePolicy, cwd);
    const afterPolicy = { get: (await paste(anonymousGet, cwd)).output, torrent: await torrentStatus() };

    // Assess
    expect(hints).toContain('The bucket "public" is public by its bucket policy (anyone may GetObject), so an object ACL cannot make an object private there.');
    expect([acl.code, policy.code]).toEqual([0, 0]);
    expect(afterAcl).toEqual({ get: '200', torrent: 200 });
    expect(afterPolicy).toEqual({ get: '403', torrent: 403 });
  }, 240_000);
});
