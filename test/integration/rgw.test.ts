import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../helpers/files.js';
import { RgwStartError } from '../../src/local/errors.js';
import { freeLoopbackPort } from '../../src/local/ports.js';
import { startRgw } from '../../src/local/rgw.js';
import type { RgwHandle } from '../../src/local/rgw.js';
import { requireRgw } from '../helpers/rgw.js';

// A real S3 (Ceph RGW) on loopback: what an anonymous reader sees as ACLs, bucket policies and
// Public Access Block change. Anonymous requests are plain `fetch` calls with no auth headers.

/** Start (~2 s here) plus margin; startRgw gives up by itself after 80 s. */
const START_BOUND_MS = 90_000;

const BODY = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(100));

describe('Function: startRgw', () => {
  let rgw: RgwHandle | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let s3: S3Client;
  let bucketCount = 0;

  beforeAll(async () => {
    await requireRgw();
    const temp = await tempDir('rgw');
    cleanup = temp.cleanup;
    rgw = await startRgw({ port: await freeLoopbackPort(), dataDir: join(temp.dir, 'ceph') });
    s3 = new S3Client({
      endpoint: rgw.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  }, START_BOUND_MS);

  afterAll(async () => {
    s3?.destroy();
    try {
      await rgw?.stop();
    } finally {
      await cleanup?.();
    }
  }, 30_000);

  /** A fresh bucket (RGW: 3–63 characters) holding BODY at `key`; returns its name and PutObject's ETag. */
  async function bucketWithObject(key: string, acl?: 'public-read'): Promise<{ bucket: string; etag: string }> {
    bucketCount += 1;
    const bucket = `s3t-rgw-${bucketCount}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: BODY, ACL: acl }));
    return { bucket, etag: put.ETag ?? '' };
  }

  function objectUrl(bucket: string, key: string): string {
    return `${rgw?.endpoint ?? ''}/${bucket}/${encodeURIComponent(key)}`;
  }

  /** An unsigned request, as any anonymous reader (a BitTorrent webseed client) makes it. */
  async function anonymous(method: 'GET' | 'HEAD', bucket: string, key: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(objectUrl(bucket, key), { method, headers });
    await response.arrayBuffer(); // drain the body so the connection is released
    return response;
  }

  function publicReadPolicy(bucket: string): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }],
    });
  }

  it('keeps a new object private: an anonymous HEAD gets 403', async () => {
    // Prepare
    const { bucket } = await bucketWithObject('private.bin');

    // Act
    const response = await anonymous('HEAD', bucket, 'private.bin');

    // Assess
    expect(response.status).toBe(403);
  });

  it('serves an object with a public-read ACL anonymously, with the ETag PutObject returned', async () => {
    // Prepare
    const { bucket, etag } = await bucketWithObject('acl.bin');

    // Act
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'acl.bin', ACL: 'public-read' }));
    const response = await anonymous('HEAD', bucket, 'acl.bin');

    // Assess
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(etag);
    expect(response.headers.get('content-length')).toBe(String(BODY.length));
  });

  it('refuses anonymous reads again once the ACL is back to private', async () => {
    // Prepare
    const { bucket } = await bucketWithObject('revoked.bin', 'public-read');
    expect((await anonymous('HEAD', bucket, 'revoked.bin')).status).toBe(200);

    // Act
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: 'revoked.bin', ACL: 'private' }));
    const response = await anonymous('HEAD', bucket, 'revoked.bin');

    // Assess
    expect(response.status).toBe(403);
  });

  it('serves a private object anonymously when a bucket policy allows s3:GetObject to Principal "*"', async () => {
    // Prepare
    const { bucket, etag } = await bucketWithObject('policy.bin');

    // Act
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicReadPolicy(bucket) }));
    const response = await anonymous('HEAD', bucket, 'policy.bin');

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(etag);
  });

  it('refuses anonymous reads again once the bucket policy is deleted', async () => {
    // Prepare
    const { bucket } = await bucketWithObject('unpolicy.bin');
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicReadPolicy(bucket) }));
    expect((await anonymous('HEAD', bucket, 'unpolicy.bin')).status).toBe(200);

    // Act
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    const response = await anonymous('HEAD', bucket, 'unpolicy.bin');

    // Assess
    expect(response.status).toBe(403);
  });

  it('refuses anonymous reads of a public-read object when Public Access Block ignores public ACLs', async () => {
    // Prepare
    const { bucket } = await bucketWithObject('blocked.bin', 'public-read');
    expect((await anonymous('HEAD', bucket, 'blocked.bin')).status).toBe(200);

    // Act
    await s3.send(new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { IgnorePublicAcls: true },
    }));
    const response = await anonymous('HEAD', bucket, 'blocked.bin');

    // Assess
    expect(response.status).toBe(403);
  });

  it('answers 412 to an anonymous GET of a public object whose If-Match names another ETag', async () => {
    // Prepare
    const { bucket, etag } = await bucketWithObject('conditional.bin', 'public-read');
    const otherEtag = '"0123456789abcdef0123456789abcdef"';
    expect(otherEtag).not.toBe(etag);

    // Act
    const response = await anonymous('GET', bucket, 'conditional.bin', { 'If-Match': otherEtag });

    // Assess
    expect(response.status).toBe(412);
  });

  it('answers an anonymous Range GET of a public object with 206 and exactly those bytes', async () => {
    // Prepare
    const { bucket } = await bucketWithObject('range.bin', 'public-read');
    const first = 1_000;
    const last = 2_499;

    // Act
    const response = await fetch(objectUrl(bucket, 'range.bin'), { headers: { Range: `bytes=${first}-${last}` } });
    const bytes = Buffer.from(await response.arrayBuffer());

    // Assess
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${first}-${last}/${BODY.length}`);
    expect(bytes.equals(BODY.subarray(first, last + 1))).toBe(true);
  });

  it('refuses a port something already listens on, and says so', async () => {
    // Prepare: a Node server (which binds with SO_REUSEADDR, as radosgw does) holds the port.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    const temp = await tempDir('rgw-taken');
    try {
      // Act
      const attempt = startRgw({ port, dataDir: join(temp.dir, 'ceph') });
      // Assess
      await expect(attempt).rejects.toThrow(RgwStartError);
      await expect(attempt).rejects.toThrow(`rgw.sh: 127.0.0.1:${port} is in use`);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
      await temp.cleanup();
    }
  });
});
