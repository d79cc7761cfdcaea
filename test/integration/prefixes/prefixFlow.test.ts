import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalStack } from '../../../src/local/index.js';
import { decodeBencode } from '../../../src/torrent/index.js';
import type { BencodeDict, BencodeValue } from '../../../src/torrent/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { fetchWhenReady, publisherS3, startTestStack, torrentUrl } from '../flow/localStackHarness.js';

const KiB = 1024;
/** The prefix piece length up to 8 GiB (src/torrent/pieceLength.ts). */
const PIECE = 256 * KiB;
/** A bucket without a policy: an object is public by its own ACL, or private. */
const BUCKET = 'datasets';

/** The public members of `data/`: awkward sizes, nested folders, an empty file, a piece-sized one. */
const PUBLIC_FILES: Record<string, Buffer> = {
  'data/readme.txt': pseudoRandomBytes(1, 'one byte'),
  'data/2026/jan.csv': pseudoRandomBytes(300 * KiB + 5, 'jan'),
  'data/2026/feb.csv': pseudoRandomBytes(PIECE, 'feb'),
  'data/2026/notes/empty.txt': Buffer.alloc(0),
  'data/big.bin': pseudoRandomBytes(600 * KiB + 77, 'big'),
  'data/Zeta.bin': pseudoRandomBytes(10 * KiB, 'zeta'),
};
const PRIVATE_KEY = 'data/2026/secret.csv';

const text = (value: BencodeValue | undefined): string => Buffer.from(value as Uint8Array).toString('utf8');

interface TorrentFile {
  readonly path: string;
  readonly length: number;
  readonly pad: boolean;
}

/** What a client reads from a multi-file torrent's bytes: name, files (pads marked), pieces, webseeds. */
function readTorrent(bytes: Uint8Array): { name: string; pieceLength: number; files: TorrentFile[]; pieces: Buffer; urlList: string[]; info: BencodeDict } {
  const root = decodeBencode(bytes) as BencodeDict;
  const info = root.get('info') as BencodeDict;
  const files = (info.get('files') as BencodeDict[]).map((file) => ({
    path: (file.get('path') as BencodeValue[]).map(text).join('/'),
    length: file.get('length') as number,
    pad: file.has('attr') && text(file.get('attr')).includes('p'),
  }));
  const urls = root.get('url-list');
  return {
    name: text(info.get('name')),
    pieceLength: info.get('piece length') as number,
    files,
    pieces: Buffer.from(info.get('pieces') as Uint8Array),
    urlList: urls === undefined ? [] : (Array.isArray(urls) ? urls : [urls]).map(text),
    info,
  };
}

/** The v1 pieces a client would check: every file's bytes, then its pad's zeros, cut into pieces. */
function expectedPieces(files: TorrentFile[], contentOf: (path: string) => Buffer, pieceLength: number): Buffer {
  const all = Buffer.concat(files.map((file) => (file.pad ? Buffer.alloc(file.length) : contentOf(file.path))));
  const hashes: Buffer[] = [];
  for (let offset = 0; offset < all.length; offset += pieceLength) hashes.push(createHash('sha1').update(all.subarray(offset, offset + pieceLength)).digest());
  return Buffer.concat(hashes);
}

describe('Flow: prefix torrents against Ceph RGW (GET /{bucket}/{prefix}/?torrent)', () => {
  let stack: LocalStack;
  let s3: S3Client;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('prefix-flow'));
    // No wait in the API: the first request answers 202 while the prefix job runs.
    stack = await startTestStack(join(dir, 'data'), { s3: { kind: 'rgw' }, apiWaitMs: 0 });
    s3 = publisherS3(stack);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const [key, body] of Object.entries(PUBLIC_FILES)) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: PRIVATE_KEY, Body: pseudoRandomBytes(5 * KiB, 'secret') }));
    // A "folder" marker, as consoles create: no file of the torrent.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'data/2026/', Body: Buffer.alloc(0), ACL: 'public-read' }));
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await cleanup();
  });

  it('answers 202 with progress, then 200 with exactly the public files, the private one counted and never named', async () => {
    // Prepare
    const url = torrentUrl(stack, 'data/', 'torrent', BUCKET);

    // Act
    const first = await fetch(url);
    const firstBody = await first.text();
    const ready = await fetchWhenReady(url);
    const bytes = new Uint8Array(await ready.arrayBuffer());

    // Assess
    expect(first.status).toBe(202);
    expect(first.headers.get('x-s3torrent-excluded-objects')).toBe('1');
    expect(JSON.parse(firstBody)).toMatchObject({ membersTotal: 6, excluded: 1 });
    expect(firstBody).not.toContain('secret');
    expect(ready.status).toBe(200);
    expect(ready.headers.get('content-type')).toBe('application/x-bittorrent');
    expect(ready.headers.get('x-s3torrent-excluded-objects')).toBe('1');
    expect(ready.headers.get('content-disposition')).toContain('filename="data.torrent"');
    expect(ready.headers.get('x-s3torrent-magnet')).toContain(`xt=urn:btih:${ready.headers.get('x-s3torrent-infohash-v1')}`);
    const torrent = readTorrent(bytes);
    expect(torrent.name).toBe('data');
    expect(torrent.pieceLength).toBe(PIECE);
    // libtorrent's order: segment by segment, as UTF-8 bytes (upper case first).
    expect(torrent.files.filter((file) => !file.pad).map((file) => file.path)).toEqual([
      '2026/feb.csv', '2026/jan.csv', '2026/notes/empty.txt', 'Zeta.bin', 'big.bin', 'readme.txt',
    ]);
    expect(Buffer.from(bytes).toString('latin1')).not.toContain('secret');
    expect(torrent.pieces.equals(expectedPieces(torrent.files, (path) => PUBLIC_FILES[`data/${path}`] as Buffer, PIECE))).toBe(true);
    // BEP 19 multi-file: url + name + "/" + path is each object's URL.
    expect(torrent.urlList).toHaveLength(1);
    expect(torrent.urlList[0]).toMatch(new RegExp(`/${BUCKET}/$`));
  });

  it('serves the same bytes again (HEAD: the same headers), and the hybrid format with a v2 infohash', async () => {
    // Prepare
    const url = torrentUrl(stack, 'data/', 'torrent', BUCKET);
    const before = Buffer.from(await (await fetchWhenReady(url)).arrayBuffer());

    // Act
    const again = await fetch(url);
    const head = await fetch(url, { method: 'HEAD' });
    const hybrid = await fetchWhenReady(torrentUrl(stack, 'data/', 'torrent&format=hybrid', BUCKET));

    // Assess
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(before)).toBe(true);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(before.length));
    expect(head.headers.get('x-s3torrent-infohash-v1')).toBe(again.headers.get('x-s3torrent-infohash-v1'));
    expect(hybrid.status).toBe(200);
    expect(hybrid.headers.get('x-s3torrent-infohash-v2')).toMatch(/^[0-9a-f]{64}$/);
    expect(hybrid.headers.get('content-disposition')).toContain('filename="data.hybrid.torrent"');
    const info = readTorrent(new Uint8Array(await hybrid.arrayBuffer())).info;
    expect(info.get('meta version')).toBe(2);
  });

  it('is what `aws s3api get-object-torrent --key data/` downloads', async () => {
    // Prepare
    const viaFetch = Buffer.from(await (await fetchWhenReady(torrentUrl(stack, 'data/', 'torrent', BUCKET))).arrayBuffer());
    const out = join(dir, 'prefix.torrent');

    // Act
    await promisify(execFile)(
      '/usr/bin/aws',
      ['s3api', 'get-object-torrent', '--endpoint-url', stack.endpoints.api, '--no-sign-request', '--region', 'us-east-1', '--bucket', BUCKET, '--key', 'data/', out],
      { timeout: 60_000, env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } },
    );

    // Assess
    expect((await readFile(out)).equals(viaFetch)).toBe(true);
  });

  it('takes a new snapshot when an object is added: another infohash, the new file listed', async () => {
    // Prepare
    const url = torrentUrl(stack, 'nested/', 'torrent', BUCKET);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'nested/a.bin', Body: pseudoRandomBytes(20 * KiB, 'a'), ACL: 'public-read' }));
    const before = await fetchWhenReady(url);
    const beforeHash = before.headers.get('x-s3torrent-infohash-v1');
    await before.arrayBuffer();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'nested/deeper/b.bin', Body: pseudoRandomBytes(3 * KiB, 'b'), ACL: 'public-read' }));

    // Act
    const after = await fetchWhenReady(url);
    const torrent = readTorrent(new Uint8Array(await after.arrayBuffer()));

    // Assess
    expect(before.status).toBe(200);
    expect(after.status).toBe(200);
    expect(after.headers.get('x-s3torrent-infohash-v1')).not.toBe(beforeHash);
    expect(torrent.files.filter((file) => !file.pad).map((file) => file.path)).toEqual(['a.bin', 'deeper/b.bin']);
  });

  it('answers 404 NoSuchKey for a prefix with no object, only private ones, or only empty ones', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'hidden/x.bin', Body: pseudoRandomBytes(KiB, 'x') }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'empties/e.txt', Body: Buffer.alloc(0), ACL: 'public-read' }));

    // Act
    const replies = await Promise.all(['nothing-here/', 'hidden/', 'empties/'].map((prefix) => fetch(torrentUrl(stack, prefix, 'torrent', BUCKET))));

    // Assess
    for (const reply of replies) {
      expect(reply.status).toBe(404);
      expect(await reply.text()).toContain('<Code>NoSuchKey</Code>');
    }
  });

  it('answers 400 InvalidArgument for prefixes a torrent cannot express', async () => {
    // Prepare: a member under .pad/, and a key that is also a folder of others.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'padded/.pad/7', Body: pseudoRandomBytes(7, 'p'), ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'clash/a', Body: pseudoRandomBytes(7, 'a'), ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'clash/a/b', Body: pseudoRandomBytes(7, 'b'), ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'gap//x.bin', Body: pseudoRandomBytes(7, 'g'), ACL: 'public-read' }));
    const paths = [`${BUCKET}/data//`, `${BUCKET}/data/%2E%2E/`, `${BUCKET}/padded/`, `${BUCKET}/clash/`, `${BUCKET}/gap/`];

    // Act
    const replies = await Promise.all(paths.map((path) => fetch(`${stack.endpoints.api}/${path}?torrent`)));
    const formatReply = await fetch(torrentUrl(stack, 'data/', 'torrent&format=v3', BUCKET));

    // Assess
    for (const reply of [...replies, formatReply]) {
      expect(reply.status).toBe(400);
      expect(await reply.text()).toContain('<Code>InvalidArgument</Code>');
    }
  });
});
