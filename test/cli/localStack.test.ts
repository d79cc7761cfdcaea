import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freeLocalStackPorts } from '../../src/local/localConfig.js';
import { freeLoopbackPort } from '../../src/local/ports.js';
import { startRgw } from '../../src/local/rgw.js';
import type { RgwHandle } from '../../src/local/rgw.js';
import { pseudoRandomBytes, tempDir } from '../helpers/files.js';
import { runCliProcess } from '../helpers/tools.js';
import { eventually } from '../integration/flow/localStackHarness.js';
import { killStack, startStackProcess } from '../integration/flow/stackProcess.js';
import type { RunningStack } from '../integration/flow/stackProcess.js';
import { requireRgw } from '../helpers/rgw.js';

// `s3-torrent local` as users run it (`npm start` runs `node dist/s3-torrent.js local`), in each
// of its S3 modes: the bundle, not the TypeScript sources, so that a path or an import that only
// resolves from src/ (as scripts/rgw.sh once did) fails here. Each test starts the stack, does
// what the hints it prints suggest (upload, `prewarm`, fetch `?torrent`) and stops it.

const MiB = 1024 * 1024;
const KEY = 'hello/world.bin';
/** A stop (Ctrl-C) takes a few seconds: the daemons, DynamoDB Local. */
const STOP_TIMEOUT_MS = 30_000;
/** Two stack starts (each bounded by startStackProcess), an upload and a hashing, with margin. */
const TEST_TIMEOUT_MS = 300_000;

/**
 * A deliberately small RGW (S3TORRENT_RGW_CAPACITY_BYTES; the default is 64 GiB), filled with
 * FILL_OBJECT_BYTES objects: exactly four fit.
 */
const SMALL_CAPACITY = 32 * MiB;
const FILL_OBJECT_BYTES = 8 * MiB;
/**
 * Bound on one upload. A refusal is immediate; the bound turns a hang (what a full cluster did:
 * its writes wait for space forever) into a failure of this test rather than of its timeout.
 */
const UPLOAD_BOUND_MS = 90_000;

/** The publisher's S3 client (the stack's credentials), one attempt per request. */
function publisherOf(endpoint: string): S3Client {
  return new S3Client({
    endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', maxAttempts: 1,
  });
}

/** PUTs `bytes` at public/`key`; resolves with the error S3 answered, or undefined on success. */
async function put(s3: S3Client, key: string, bytes: Buffer): Promise<unknown> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: 'public', Key: key, Body: bytes }), { abortSignal: AbortSignal.timeout(UPLOAD_BOUND_MS) });
    return undefined;
  } catch (error) {
    return error;
  }
}

/** The endpoints the `ready` line names, e.g. `ready s3=http://… api=http://… …`. */
function endpointsOf(stack: RunningStack): { s3: string; api: string } {
  const ready = stack.output.find((line) => line.startsWith('ready '));
  const field = (name: string): string => {
    const value = new RegExp(`\\b${name}=(\\S+)`).exec(ready ?? '')?.[1];
    if (value === undefined) throw new Error(`no ${name}= in the ready line: ${ready ?? '(none)'}`);
    return value;
  };
  return { s3: field('s3'), api: field('api') };
}

/** Ctrl-C, as a user stops it: SIGINT to the whole process group. Resolves with the exit code. */
async function interrupt(stack: RunningStack): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => stack.child.once('exit', (code) => resolve(code)));
  await killStack(stack, 'SIGINT');
  return exited;
}

/**
 * Uploads a file with the stack's credentials, prewarms it with the built CLI and fetches its
 * `?torrent`: the infohash must be what `s3-torrent create` computes for the same bytes. `seed`
 * makes the bytes (a new object, so a new hashing, for each call).
 */
async function publishAndCheck(stack: RunningStack, dir: string, seed: string): Promise<void> {
  const { s3, api } = endpointsOf(stack);
  const bytes = pseudoRandomBytes(3 * MiB + 5, seed);
  const file = join(dir, `${seed}.bin`);
  await writeFile(file, bytes);
  const publisher = publisherOf(s3);
  try {
    await publisher.send(new PutObjectCommand({ Bucket: 'public', Key: KEY, Body: bytes }));
  } finally {
    publisher.destroy();
  }
  const created = await runCliProcess(['create', file, '--name', 'world.bin', '-o', join(dir, `${seed}.torrent`), '--no-date']);
  expect(created.code).toBe(0);
  const infoHash = /^infohash v1: +([0-9a-f]{40})$/m.exec(created.stdout)?.[1];
  expect(infoHash).toMatch(/^[0-9a-f]{40}$/);

  const prewarmed = await runCliProcess(['prewarm', `s3://public/${KEY}`, '--api', api]);
  expect({ code: prewarmed.code, stderr: prewarmed.stderr }).toEqual({ code: 0, stderr: '' });
  expect(prewarmed.stdout).toContain(`infohash ${infoHash ?? ''}`);
  const reply = await fetch(`${api}/public/${KEY}?torrent`);
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type')).toBe('application/x-bittorrent');
  expect(reply.headers.get('x-s3torrent-infohash-v1')).toBe(infoHash);
}

/** TCP state 06 in /proc/net/tcp (include/net/tcp_states.h). */
const TCP_TIME_WAIT = '06';

/**
 * IPv4 sockets in TIME_WAIT whose local end is port `port`, from the kernel's own table (no
 * dependency on `ss`): lines of /proc/net/tcp, where `local_address` is `0100007F:<PORT in hex>`.
 */
async function timeWaitSockets(port: number): Promise<string[]> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  return table.split('\n').slice(1).filter((line) => {
    const [, local, , state] = line.trim().split(/\s+/);
    return local?.endsWith(`:${portHex}`) === true && state === TCP_TIME_WAIT;
  });
}

describe('CLI: s3-torrent local, built (dist/), in each S3 mode', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let stack: RunningStack | undefined;
  let rgw: RgwHandle | undefined;

  beforeAll(async () => {
    await requireRgw();
    ({ dir, cleanup } = await tempDir('cli-local'));
  });
  afterEach(async () => {
    if (stack !== undefined) await killStack(stack, 'SIGKILL');
    stack = undefined;
    await rgw?.stop();
    rgw = undefined;
  }, STOP_TIMEOUT_MS);
  afterAll(() => cleanup());

  it('runs with the embedded s3rver (the default): upload, prewarm, ?torrent', async () => {
    const ports = await freeLocalStackPorts();
    stack = await startStackProcess(join(dir, 'embedded'), ports.env);
    await publishAndCheck(stack, dir, 'embedded');
    expect(await interrupt(stack)).toBe(0);
  }, TEST_TIMEOUT_MS);

  it('runs with --s3 rgw, and starts again on the same ports at once after Ctrl-C', async () => {
    // Prepare
    const ports = await freeLocalStackPorts();
    const dataDir = join(dir, 'rgw');
    stack = await startStackProcess(dataDir, ports.env, { args: ['--s3', 'rgw'] });
    await publishAndCheck(stack, dir, 'rgw-first');
    // (The hints follow the ready line: by now they have arrived.)
    expect(stack.output).toContain('S3 is Ceph RGW: ACLs, bucket policies and Block Public Access are enforced.');

    // Act: stop; radosgw closes its open connections first, which leaves them in TIME_WAIT
    // on its own port (for 60 s on Linux). Then start again, as a user re-running `npm start`.
    expect(await interrupt(stack)).toBe(0);
    const lingering = await timeWaitSockets(ports.s3);
    stack = await startStackProcess(dataDir, ports.env, { args: ['--s3', 'rgw'] });

    // Assess: the premise held (else this test would prove nothing), and the new stack serves.
    expect(lingering).not.toEqual([]);
    expect(endpointsOf(stack).s3).toBe(`http://127.0.0.1:${ports.s3}`);
    await publishAndCheck(stack, dir, 'rgw-again');
    expect(await interrupt(stack)).toBe(0);
  }, TEST_TIMEOUT_MS);

  it('with --s3 rgw, refuses at once an upload past the capacity, says why, and takes uploads again after a delete', async () => {
    // Prepare
    const ports = await freeLocalStackPorts();
    stack = await startStackProcess(join(dir, 'rgw-small'), { ...ports.env, S3TORRENT_RGW_CAPACITY_BYTES: String(SMALL_CAPACITY) }, { args: ['--s3', 'rgw'] });
    const publisher = publisherOf(endpointsOf(stack).s3);
    const running = stack;
    try {
      // Act: fill it, one more object than fits at most; then a small one; then make room.
      const outcomes: unknown[] = [];
      for (let i = 0; i <= SMALL_CAPACITY / FILL_OBJECT_BYTES && outcomes.at(-1) === undefined; i += 1) {
        outcomes.push(await put(publisher, `fill/${i}.bin`, pseudoRandomBytes(FILL_OBJECT_BYTES, `fill-${i}`)));
      }
      const small = await put(publisher, 'fill/small.bin', pseudoRandomBytes(MiB, 'small'));
      await publisher.send(new DeleteObjectCommand({ Bucket: 'public', Key: 'fill/0.bin' }));
      const afterDelete = await put(publisher, 'fill/small.bin', pseudoRandomBytes(MiB, 'small'));

      // Assess: what fits is taken; the next upload fails, and not by this test's bound (the SDK
      // reports that as an AbortError). RGW answers 403 before it has read the body and closes
      // the connection: the client sees the 403 or, if still sending, a reset (which the SDK
      // names TimeoutError). A small upload, sent whole, gets S3's error code.
      expect(outcomes.slice(0, -1)).toEqual(Array.from({ length: SMALL_CAPACITY / FILL_OBJECT_BYTES }, () => undefined));
      expect(outcomes.at(-1)).toBeInstanceOf(Error);
      expect((outcomes.at(-1) as Error).name).not.toBe('AbortError');
      expect(small).toMatchObject({ name: 'QuotaExceeded', $metadata: { httpStatusCode: 403 } });
      expect(afterDelete).toBeUndefined();
      // The stack's terminal says why, in one line.
      const report = await eventually(async () => running.output.find((line) => line.includes('S3 storage is full')), 30_000);
      expect(report.trim()).toBe(
        `S3 storage is full: the local Ceph RGW refused PUT /public/fill/4.bin (403 QuotaExceeded), its capacity of ${SMALL_CAPACITY} bytes `
        + 'is used up; delete objects, or restart with a larger S3TORRENT_RGW_CAPACITY_BYTES (the cluster starts empty)',
      );
      expect(running.output).toContain('It holds 32 MiB of objects (S3TORRENT_RGW_CAPACITY_BYTES); past that, uploads are refused (403 QuotaExceeded).');
    } finally {
      publisher.destroy();
    }
    expect(await interrupt(stack)).toBe(0);
  }, TEST_TIMEOUT_MS);

  it('runs with --s3-endpoint (an S3 the user runs: here a Ceph RGW)', async () => {
    rgw = await startRgw({ port: await freeLoopbackPort(), dataDir: join(dir, 'own-rgw') });
    const ports = await freeLocalStackPorts();
    stack = await startStackProcess(join(dir, 'external'), ports.env, { args: ['--s3-endpoint', rgw.endpoint] });
    await publishAndCheck(stack, dir, 'external');
    expect(stack.output).toContain(`S3 is ${rgw.endpoint}.`);
    expect(await interrupt(stack)).toBe(0);
  }, TEST_TIMEOUT_MS);
});
