import { GetObjectCommand, HeadObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RandomAccessSource } from '../hashing/index.js';
import { ObjectChangedError, ObjectMissingError, ObjectNotPublicError, StorageUnavailableError } from './errors.js';

/** What an anonymous HEAD says about an object. */
type Readability =
  | { readonly kind: 'public'; readonly etag: string; readonly size: number; readonly sseCustomer: boolean }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'missing' };

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/** Turns an S3 failure on an anonymous read into our typed errors. */
function readError(error: unknown, bucket: string, key: string, etag: string | undefined): Error {
  const status = statusOf(error);
  if (status === 412 && etag !== undefined) return new ObjectChangedError(bucket, key, etag, { cause: error });
  if (status === 403) return new ObjectNotPublicError(bucket, key, { cause: error });
  if (status === 404) return new ObjectMissingError(bucket, key, { cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageUnavailableError(`reading s3://${bucket}/${key} failed: ${detail}`, bucket, key, { cause: error });
}

/**
 * Asks S3 itself whether anyone may read the object: an unsigned HEAD. Never decided by
 * parsing ACLs or policies. An object encrypted with a customer key (SSE-C) answers 400 to a
 * request without the key: reported as public with `sseCustomer`, so callers can refuse it
 * clearly.
 */
async function checkReadability(client: S3Client, bucket: string, key: string): Promise<Readability> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return {
      kind: 'public',
      etag: head.ETag ?? '',
      size: head.ContentLength ?? 0,
      sseCustomer: head.SSECustomerAlgorithm !== undefined,
    };
  } catch (error) {
    const status = statusOf(error);
    if (status === 403) return { kind: 'forbidden' };
    if (status === 404) return { kind: 'missing' };
    if (status === 400) return { kind: 'public', etag: '', size: 0, sseCustomer: true };
    throw readError(error, bucket, key, undefined);
  }
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

export { S3ObjectSource, checkReadability, streamObjectRange };
export type { Readability };
