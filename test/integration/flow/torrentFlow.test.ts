import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LocalStack } from '../../../src/local/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { runCliProcess } from '../../helpers/tools.js';
import { fetchWhenReady, infoHashesOf, referenceInfoHashes, startTestStack, torrentUrl, upload } from './localStackHarness.js';

const MiB = 1024 * 1024;

describe('Flow: ?torrent on the local stack (embedded S3)', () => {
  let stack: LocalStack;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('flow'));
    // Small segments: every object above 1 MiB is hashed by fan-out, segment by segment.
    stack = await startTestStack(join(dir, 'data'), { segmentBytes: MiB });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await cleanup();
  });

  it('serves, after an upload, a torrent whose infohashes equal s3-torrent create of the same bytes', async () => {
    // Prepare
    const key = 'datasets/2026/cities of ü.csv';
    const bytes = pseudoRandomBytes(7 * MiB + 12_345, 'flow-1');
    const etag = await upload(stack, key, bytes);
    // Act
    const v1 = await fetchWhenReady(torrentUrl(stack, key));
    const hybrid = await fetchWhenReady(torrentUrl(stack, key, 'torrent&format=hybrid'));
    // Assess
    const reference = await referenceInfoHashes(dir, key, bytes);
    expect(v1.status).toBe(200);
    expect(v1.headers.get('content-type')).toBe('application/x-bittorrent');
    expect(v1.headers.get('content-disposition')).toContain('filename="cities of _.csv.torrent"');
    expect(v1.headers.get('etag')).toBe(etag);
    expect(v1.headers.get('x-s3torrent-infohash-v1')).toBe(reference.v1);
    expect(await infoHashesOf(v1)).toEqual({ v1: reference.v1, v2: undefined });
    expect(hybrid.status).toBe(200);
    expect(hybrid.headers.get('content-disposition')).toContain('filename="cities of _.csv.hybrid.torrent"');
    expect(hybrid.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('cities of ü.csv.hybrid.torrent')}`);
    expect(await infoHashesOf(hybrid)).toEqual({ v1: reference.hybridV1, v2: reference.hybridV2 });
  });

  it('gives a small object its torrent on the very first request', async () => {
    const key = 'first.bin';
    const bytes = pseudoRandomBytes(300_000, 'first');
    await upload(stack, key, bytes);
    const reply = await fetch(torrentUrl(stack, key));
    expect(reply.status).toBe(200);
    expect((await infoHashesOf(reply)).v1).toBe((await referenceInfoHashes(dir, key, bytes)).v1);
  });

  it('answers 50 concurrent first requests with one and the same torrent', async () => {
    const key = 'popular.bin';
    const bytes = pseudoRandomBytes(3 * MiB + 1, 'popular');
    await upload(stack, key, bytes);
    const replies = await Promise.all(Array.from({ length: 50 }, () => fetchWhenReady(torrentUrl(stack, key))));
    const hashes = await Promise.all(replies.map(async (r) => `${r.status} ${(await infoHashesOf(r)).v1}`));
    expect(new Set(hashes)).toEqual(new Set([`200 ${(await referenceInfoHashes(dir, key, bytes)).v1}`]));
  });

  it('never serves the old torrent after an overwrite, and serves the new one', async () => {
    const key = 'overwritten.bin';
    const before = pseudoRandomBytes(4 * MiB, 'before');
    const after = pseudoRandomBytes(5 * MiB, 'after');
    await upload(stack, key, before);
    await upload(stack, key, after); // while the first version may still be hashing
    const reply = await fetchWhenReady(torrentUrl(stack, key));
    expect(reply.status).toBe(200);
    expect((await infoHashesOf(reply)).v1).toBe((await referenceInfoHashes(dir, key, after)).v1);
  });

  it('answers S3-style errors: 404 NoSuchKey, 400 for a bad bucket name and an unknown format', async () => {
    const missing = await fetch(torrentUrl(stack, 'no/such/key'));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/<Code>NoSuchKey<\/Code>.*<RequestId>[^<]+<\/RequestId>/s);
    const badBucket = await fetch(`${stack.endpoints.api}/Bad_Bucket/k?torrent`);
    expect(badBucket.status).toBe(400);
    expect(await badBucket.text()).toContain('<Code>InvalidBucketName</Code>');
    await upload(stack, 'fmt.bin', pseudoRandomBytes(1000, 'fmt'));
    const badFormat = await fetch(torrentUrl(stack, 'fmt.bin', 'torrent&format=v3'));
    expect(badFormat.status).toBe(400);
    expect(await badFormat.text()).toContain('format must be v1 or hybrid');
  });

  it('serves HEAD with the same headers and no body', async () => {
    const key = 'head.bin';
    await upload(stack, key, pseudoRandomBytes(2 * MiB, 'head'));
    const got = await fetchWhenReady(torrentUrl(stack, key));
    const head = await fetch(torrentUrl(stack, key), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-s3torrent-infohash-v1')).toBe(got.headers.get('x-s3torrent-infohash-v1'));
    expect(head.headers.get('content-length')).toBe(got.headers.get('content-length'));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('prewarms with the CLI: exits 0 once ready, and 1 with S3\'s error for a missing key', async () => {
    const key = 'prewarmed/one.bin';
    const bytes = pseudoRandomBytes(3 * MiB, 'prewarm');
    await upload(stack, key, bytes);
    const ok = await runCliProcess(['prewarm', `s3://${stack.demoBucket}/${key}`, '--api', stack.endpoints.api]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`infohash ${(await referenceInfoHashes(dir, key, bytes)).v1}`);
    const missing = await runCliProcess(['prewarm', `s3://${stack.demoBucket}/nothing-here`, '--api', stack.endpoints.api]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^s3-torrent: .*nothing-here\?torrent: NoSuchKey: The specified key does not exist\. /);
    // A name typed without its trailing `/` may be a folder: the error says how to ask for that.
    expect(missing.stderr.trim()).toMatch(new RegExp(`\\(if it is a folder of objects, their one torrent is the prefix s3://${stack.demoBucket}/nothing-here/, with the trailing /\\)$`));
    const bad = await runCliProcess(['prewarm', 'public/no-scheme']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected s3://bucket/key, not "public/no-scheme"');
  });

  it('prewarms every object under a prefix with --recursive, skipping folder placeholders', async () => {
    const keys = ['batch/a.bin', 'batch/sub/b.bin', 'batch/c.bin'];
    for (const [i, key] of keys.entries()) await upload(stack, key, pseudoRandomBytes(MiB + i, key));
    await upload(stack, 'batch/empty-folder/', Buffer.alloc(0));
    await upload(stack, 'other/not-me.bin', pseudoRandomBytes(1000, 'other'));
    const result = await runCliProcess([
      'prewarm', '--recursive', `s3://${stack.demoBucket}/batch/`, '--api', stack.endpoints.api, '--s3-endpoint', stack.endpoints.s3,
    ]);
    expect(result.code).toBe(0);
    const ready = result.stdout.trim().split('\n').map((line) => line.split(' ')[1]);
    expect(ready.sort()).toEqual(keys.map((key) => `${stack.endpoints.api}/${stack.demoBucket}/${key}?torrent`).sort());
  });

  it('is what `aws s3api get-object-torrent` downloads, unchanged', async () => {
    const key = 'cli/tool.bin';
    const bytes = pseudoRandomBytes(2 * MiB + 7, 'awscli');
    await upload(stack, key, bytes);
    const viaFetch = Buffer.from(await (await fetchWhenReady(torrentUrl(stack, key))).arrayBuffer());
    const out = join(dir, 'aws.torrent');
    await promisify(execFile)(
      '/usr/bin/aws',
      ['s3api', 'get-object-torrent', '--endpoint-url', stack.endpoints.api, '--no-sign-request', '--region', 'us-east-1', '--bucket', stack.demoBucket, '--key', key, out],
      { timeout: 60_000, env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } },
    );
    expect((await readFile(out)).equals(viaFetch)).toBe(true);
  });
});
