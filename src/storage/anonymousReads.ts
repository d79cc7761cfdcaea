import { GetObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RandomAccessSource } from '../hashing/index.js';
import { ObjectChangedError, ObjectMissingError, ObjectNotPublicError, StorageUnavailableError } from './errors.js';

/** The HTTP status of an S3 failure, if it is one. @internal */
function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/** Turns an S3 failure on an anonymous read into our typed errors. @internal */
function readError(error: unknown, bucket: string, key: string, etag: string | undefined): Error {
  const status = statusOf(error);
  if (status === 412 && etag !== undefined) return new ObjectChangedError(bucket, key, etag, { cause: error });
  if (status === 403) return new ObjectNotPublicError(bucket, key, { cause: error });
  if (status === 404) return new ObjectMissingError(bucket, key, { cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageUnavailableError(`reading s3://${bucket}/${key} failed: ${detail}`, bucket, key, { cause: error });
}

/**
 * Streams `length` bytes from `offset` of a specific version (ETag) of an object, anonymously.
 * A 412 means the object changed: ObjectChangedError.
 */
async function* streamObjectRange(
  client: S3Client,
  target: { bucket: string; key: string; etag: string },
  offset: number,
  length: number,
): AsyncGenerator<Uint8Array> {
  const { bucket, key, etag } = target;
  let body;
  try {
    const reply = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag, Range: `bytes=${offset}-${offset + length - 1}` }),
    );
    if (reply.ETag !== undefined && reply.ETag !== etag) throw new ObjectChangedError(bucket, key, etag);
    body = reply.Body as AsyncIterable<Uint8Array> | undefined;
  } catch (error) {
    if (error instanceof ObjectChangedError) throw error;
    throw readError(error, bucket, key, etag);
  }
  if (body === undefined) throw new StorageUnavailableError(`s3://${bucket}/${key} returned no body`, bucket, key);
  yield* body;
}

/** Random access to one version of an object by ranged anonymous GETs (one per read). */
class S3ObjectSource implements RandomAccessSource {
  public readonly path = undefined;

  public constructor(
    private readonly client: S3Client,
    private readonly target: { bucket: string; key: string; etag: string },
    public readonly size: number,
  ) {}

  public async read(into: Uint8Array, position: number): Promise<number> {
    const length = Math.min(into.length, this.size - position);
    let filled = 0;
    for await (const data of streamObjectRange(this.client, this.target, position, length)) {
      into.set(data.subarray(0, length - filled), filled);
      filled += Math.min(data.length, length - filled);
    }
    return filled;
  }

  public close(): Promise<void> {
    return Promise.resolve();
  }
}

export { S3ObjectSource, readError, statusOf, streamObjectRange };
