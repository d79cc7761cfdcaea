import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { startS3rver } from '../../../src/local/emulators.js';
import { freeLoopbackPort } from '../../../src/local/ports.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import {
  AnonymousRangeReader,
  ObjectChangedError,
  ObjectMissingError,
  StorageUnavailableError,
  baseS3Config,
} from '../../../src/storage/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';

// Against s3rver, a real S3 wire protocol. (403 needs an S3 that enforces access: the RGW
// withdrawal test in test/integration/seeder covers it.)
describe('Class: AnonymousRangeReader', () => {
  const data = pseudoRandomBytes(3 * 1024 * 1024 + 17, 'range-reader');
  let stop: () => Promise<void>;
  let cleanup: () => Promise<void>;
  let reader: AnonymousRangeReader;
  let publisher: S3Client;
  let etag: string;
  let aws: { region: string; s3Endpoint: string; dynamoDbEndpoint: undefined; sqsEndpoint: undefined };

  beforeAll(async () => {
    const dir = await tempDir('range-reader');
    cleanup = dir.cleanup;
    const s3 = await startS3rver({ port: await freeLoopbackPort(), dataDir: join(dir.dir, 's3') });
    stop = () => s3.stop();
    aws = { region: 'us-east-1', s3Endpoint: s3.endpoint, dynamoDbEndpoint: undefined, sqsEndpoint: undefined };
    publisher = new S3Client({ ...baseS3Config(aws), credentials: { ...LOCAL_CREDENTIALS } });
    await publisher.send(new CreateBucketCommand({ Bucket: 'pub' }));
    etag = (await publisher.send(new PutObjectCommand({ Bucket: 'pub', Key: 'dir/a b+c.bin', Body: data }))).ETag ?? '';
    reader = new AnonymousRangeReader(aws);
  });

  afterAll(async () => {
    reader?.destroy();
    publisher?.destroy();
    await stop?.();
    await cleanup?.();
  });

  it('reads exactly the bytes of a range, keys with spaces and pluses included', async () => {
    for (const [offset, length] of [[0, 1], [1_000_000, 524_288], [data.length - 17, 17]] as const) {
      expect((await reader.read({ bucket: 'pub', key: 'dir/a b+c.bin', etag }, offset, length)).equals(data.subarray(offset, offset + length))).toBe(true);
    }
  });

  it('reports a missing object and a changed one with their typed errors', async () => {
    await expect(reader.read({ bucket: 'pub', key: 'nope.bin', etag }, 0, 10)).rejects.toBeInstanceOf(ObjectMissingError);
    await publisher.send(new PutObjectCommand({ Bucket: 'pub', Key: 'changing.bin', Body: data.subarray(0, 100) }));
    await expect(reader.read({ bucket: 'pub', key: 'changing.bin', etag: '"not-this-version"' }, 0, 10)).rejects.toBeInstanceOf(ObjectChangedError);
  });

  it('reports an unreachable S3 as unavailable', async () => {
    const nowhere = new AnonymousRangeReader({ ...aws, s3Endpoint: `http://127.0.0.1:${await freeLoopbackPort()}` });
    await expect(nowhere.read({ bucket: 'pub', key: 'x', etag }, 0, 10)).rejects.toBeInstanceOf(StorageUnavailableError);
    nowhere.destroy();
  });

  it('addresses AWS buckets virtual-hosted when it can, path-style otherwise', () => {
    const onAws = new AnonymousRangeReader({ region: 'eu-west-1', s3Endpoint: undefined, dynamoDbEndpoint: undefined, sqsEndpoint: undefined });
    expect(onAws.urlOf('my-bucket', 'a/b c.iso')).toBe('https://my-bucket.s3.eu-west-1.amazonaws.com/a/b%20c.iso');
    expect(onAws.urlOf('my.dotted.bucket', 'k')).toBe('https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k');
    onAws.destroy();
  });
});
