import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { freeLocalStackPorts } from '../../../src/local/localConfig.js';
import { freeLoopbackPort } from '../../../src/local/ports.js';
import { startRgw } from '../../../src/local/rgw.js';
import type { RgwHandle } from '../../../src/local/rgw.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { parseTorrent } from '../../../src/torrent/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { node22Binary } from '../../helpers/node22.js';
import { parseS3ErrorXml } from '../../helpers/s3ErrorXml.js';
import type { S3ErrorXml } from '../../helpers/s3ErrorXml.js';
import { SYNTH_TIMEOUT_MS, synthCloudAssembly } from './cdkSynth.js';
import { fetchWhenReady } from './localStackHarness.js';
import { killStack, startStackProcess } from './stackProcess.js';
import type { RunningStack } from './stackProcess.js';
import { requireRgw } from '../../helpers/rgw.js';

// The API's error replies as a user meets them, asked over HTTP, every XML body read by a strict
// XML 1.0 parser: from the built CLI's local stack (dist/ and the handlers bundled in it), and
// from the Lambda bundles of `cdk synth` on Lambda's Node 22, as deployed. Against s3rver, and
// against Ceph RGW where the two stores answer differently.

/** Stack start-up has its own bound (startStackProcess); RGW starts in ~3 s and gives up after 80 s. */
const START_BOUND_MS = 240_000;

/** The bucket the local stack creates and makes public. */
const BUCKET = 'public';

/**
 * A bucket that does not exist. The synthesised stack publishes it (an operator named a bucket
 * that was deleted since): S3, not the list of published buckets, says it is not there.
 */
const GONE_BUCKET = 'gone-bucket';

/** The longest key S3 allows, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

interface ErrorReply {
  readonly status: number;
  readonly headers: Headers;
  /** The body as a strict XML 1.0 parser reads it; HEAD replies have none. */
  readonly xml: S3ErrorXml | undefined;
}

/** Asks the API with a raw (already percent-encoded) path and query; parses the XML body of a GET. */
async function ask(api: string, rawPath: string, query = 'torrent', method: 'GET' | 'HEAD' = 'GET'): Promise<ErrorReply> {
  const reply = await fetch(`${api}${rawPath}?${query}`, { method });
  const body = await reply.text();
  return { status: reply.status, headers: reply.headers, xml: method === 'GET' ? await parseS3ErrorXml(body) : undefined };
}

/** A path of `key` as clients send it: each segment percent-encoded, slashes kept. */
function pathOf(key: string, bucket = BUCKET): string {
  return `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** What every S3-style error reply of ours has: its code, and the request id in header and body alike. */
function expectS3Error(reply: ErrorReply, status: number, code: string): S3ErrorXml {
  expect({ status: reply.status, code: reply.xml?.code }).toEqual({ status, code });
  expect(reply.headers.get('content-type')).toBe('application/xml');
  expect(reply.xml?.requestId).toBe(reply.headers.get('x-amz-request-id'));
  return reply.xml as S3ErrorXml;
}

/** A 503 tells the client when to come back. */
function expectRetryAfter(reply: ErrorReply): void {
  expect(reply.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
}

/** A key of exactly MAX_KEY_BYTES UTF-8 bytes, in folders, with multi-byte characters. */
function longestKey(): string {
  const key = `long/${'ü'.repeat(505)}kkkkk.bin`;
  expect(Buffer.byteLength(key, 'utf8')).toBe(MAX_KEY_BYTES);
  return key;
}

function signedS3(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { ...LOCAL_CREDENTIALS },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The handlers a stack runs: those bundled into dist/, or the Lambda bundles of `cdk synth` on Node 22. */
type HandlerSource = 'dist' | 'cdk synth';

describe.each<HandlerSource>(['dist', 'cdk synth'])('Flow: the API\'s error replies (built CLI, handlers from %s, embedded s3rver)', (handlers) => {
  let stack: RunningStack | undefined;
  let api: string;
  let s3Endpoint: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const temp = await tempDir('api-errors');
    cleanup = temp.cleanup;
    const ports = await freeLocalStackPorts();
    const options = handlers === 'dist'
      ? {}
      : { node: await node22Binary(), args: ['--handlers', await synthCloudAssembly(join(temp.dir, 'cdk.out'), [BUCKET, GONE_BUCKET])] };
    stack = await startStackProcess(join(temp.dir, 'data'), ports.env, options);
    api = `http://127.0.0.1:${ports.api}`;
    s3Endpoint = `http://127.0.0.1:${ports.s3}`;
  }, START_BOUND_MS + SYNTH_TIMEOUT_MS);
  afterAll(async () => {
    if (stack !== undefined) await killStack(stack, 'SIGKILL');
    await cleanup();
  });

  it.each([
    ['a NUL byte', 'a%00b.bin'],
    ['U+0001', 'a%01b.bin'],
    ['a line feed', 'a%0Ab.bin'],
    ['an escape (U+001B)', 'a%1B%5B31mred.bin'],
    ['DEL (U+007F)', 'a%7Fb.bin'],
  ])('rejects a key with %s as 400 InvalidArgument, in valid XML that shows the character percent-encoded', async (_label, rawKey) => {
    // Act
    const reply = await ask(api, `/${BUCKET}/${rawKey}`);

    // Assess
    const xml = expectS3Error(reply, 400, 'InvalidArgument');
    expect(xml.message).toMatch(/^The key contains a control character \(U\+00[0-7][0-9A-F]\)/);
    const shown = decodeURIComponent(rawKey).replace(/[\x00-\x1f\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    expect(xml.resource).toBe(`/${BUCKET}/${shown}`);
  });

  it('never echoes a control character of the query raw into the XML', async () => {
    // Act
    const reply = await ask(api, pathOf('any.bin'), 'torrent&format=v1%01%0D');

    // Assess
    const xml = expectS3Error(reply, 400, 'InvalidArgument');
    expect(xml.message).toBe('format must be v1 or hybrid, not "v1%01%0D".');
  });

  it('answers 503 ServiceUnavailable with Retry-After when the store fails (s3rver: a 1,024-byte key, one path segment)', async () => {
    // Prepare: S3 allows 1,024 bytes, but s3rver keeps each key as a file, and a file name over
    // 255 bytes makes it answer 500 InternalError: a store failure as S3 itself can have one.
    const key = 'k'.repeat(MAX_KEY_BYTES);

    // Act
    const get = await ask(api, pathOf(key));
    const head = await ask(api, pathOf(key), 'torrent', 'HEAD');

    // Assess
    expectS3Error(get, 503, 'ServiceUnavailable');
    expectRetryAfter(get);
    expect(head.status).toBe(503);
    expectRetryAfter(head);
  });

  it('answers 400 KeyTooLongError for a key one byte over S3\'s limit, before asking S3', async () => {
    // Act
    const reply = await ask(api, pathOf(`${longestKey()}x`));

    // Assess
    const xml = expectS3Error(reply, 400, 'KeyTooLongError');
    expect(xml.message).toBe('Your key is too long.');
  });

  it('answers 404 NoSuchBucket for a bucket that does not exist, and 404 NoSuchKey for a key that does not', async () => {
    // Act
    const noBucket = await ask(api, pathOf('k.bin', GONE_BUCKET));
    const noKey = await ask(api, pathOf('no/such/key.bin'));

    // Assess
    expect(expectS3Error(noBucket, 404, 'NoSuchBucket').message).toBe('The specified bucket does not exist.');
    expect(noBucket.xml?.resource).toBe(`/${GONE_BUCKET}/k.bin`);
    expect(expectS3Error(noKey, 404, 'NoSuchKey').message).toBe('The specified key does not exist.');
  });

  // The same path without ?torrent is the webseed of v1 prefix torrents (src/api/serveWebseed.ts).
  it('answers a pad file without ?torrent with zero bytes, whole or by range, and any other key with a 302 to S3', async () => {
    // Act
    const whole = await fetch(`${api}${pathOf('set/.pad/1000')}`);
    const wholeBody = new Uint8Array(await whole.arrayBuffer());
    const part = await fetch(`${api}${pathOf('set/.pad/1000')}`, { headers: { range: 'bytes=10-19' } });
    const partBody = new Uint8Array(await part.arrayBuffer());
    const member = await fetch(`${api}${pathOf('set/café menu.csv')}`, { redirect: 'manual' });

    // Assess
    expect({ status: whole.status, length: wholeBody.length, zeros: wholeBody.every((byte) => byte === 0) }).toEqual({ status: 200, length: 1000, zeros: true });
    expect({ status: part.status, range: part.headers.get('content-range'), length: partBody.length, zeros: partBody.every((byte) => byte === 0) })
      .toEqual({ status: 206, range: 'bytes 10-19/1000', length: 10, zeros: true });
    expect(member.status).toBe(302);
    expect(member.headers.get('location')).toBe(`${s3Endpoint}/${BUCKET}/set/caf%C3%A9%20menu.csv`);
  });
});

describe('Flow: the API\'s error replies (built CLI, Ceph RGW)', () => {
  let rgw: RgwHandle | undefined;
  let stack: RunningStack | undefined;
  let s3: S3Client;
  let api: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    await requireRgw();
    const temp = await tempDir('api-errors-rgw');
    cleanup = temp.cleanup;
    rgw = await startRgw({ port: await freeLoopbackPort(), dataDir: join(temp.dir, 'ceph') });
    const ports = await freeLocalStackPorts();
    stack = await startStackProcess(join(temp.dir, 'data'), ports.env, { args: ['--s3-endpoint', rgw.endpoint] });
    api = `http://127.0.0.1:${ports.api}`;
    s3 = signedS3(rgw.endpoint);
  }, START_BOUND_MS);
  afterAll(async () => {
    s3?.destroy();
    if (stack !== undefined) await killStack(stack, 'SIGKILL');
    await rgw?.stop();
    await cleanup();
  }, 60_000);

  it('serves a key of 1,024 bytes, the longest S3 allows', async () => {
    // Prepare
    const key = longestKey();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: pseudoRandomBytes(100_000, 'longest-key') }));

    // Act
    const reply = await fetchWhenReady(`${api}${pathOf(key)}?torrent`);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/x-bittorrent');
    expect(parseTorrent(new Uint8Array(await reply.arrayBuffer())).infoHashV1).toBe(reply.headers.get('x-s3torrent-infohash-v1'));
  });

  it('answers 400 InvalidArgument with S3\'s own reason for an object S3 serves to no one anonymously (SSE-C)', async () => {
    // Prepare: encrypted with a customer-provided key, in the public bucket. S3 answers 400 to a
    // read without the key, and a HEAD's 400 carries no body: S3's reason comes from elsewhere.
    const customerKey = pseudoRandomBytes(32, 'sse-c key');
    await s3.send(new PutObjectCommand({
      Bucket: BUCKET, Key: 'sealed.bin', Body: pseudoRandomBytes(10_000, 'sealed'),
      SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'),
      SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64'),
    }));

    // Act
    const reply = await ask(api, pathOf('sealed.bin'));

    // Assess
    const xml = expectS3Error(reply, 400, 'InvalidArgument');
    expect(xml.message).toMatch(/^S3 will not serve the object anonymously \(400 InvalidArgument: .*Server Side Encryption.*\)/);
  });

  it('rejects a key with a NUL byte as a control character, never as an SSE-C object (RGW answers its HEAD 400)', async () => {
    // Act
    const reply = await ask(api, `/${BUCKET}/a%00b.bin`);

    // Assess
    const xml = expectS3Error(reply, 400, 'InvalidArgument');
    expect(xml.message).toMatch(/^The key contains a control character \(U\+0000\)/);
  });

  it('answers 404 NoSuchBucket for a bucket that does not exist', async () => {
    // Act
    const reply = await ask(api, pathOf('k.bin', GONE_BUCKET));

    // Assess
    expect(expectS3Error(reply, 404, 'NoSuchBucket').message).toBe('The specified bucket does not exist.');
  });

  it('answers 503 ServiceUnavailable with Retry-After while S3 does not answer at all', async () => {
    // Prepare: an object the API would serve, then the store goes away.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'gone-store.bin', Body: pseudoRandomBytes(10_000, 'gone') }));
    await rgw?.stop();

    // Act
    const get = await ask(api, pathOf('gone-store.bin'));
    const head = await ask(api, pathOf('gone-store.bin'), 'torrent', 'HEAD');

    // Assess
    expectS3Error(get, 503, 'ServiceUnavailable');
    expectRetryAfter(get);
    expect(head.status).toBe(503);
    expectRetryAfter(head);
  });
});
