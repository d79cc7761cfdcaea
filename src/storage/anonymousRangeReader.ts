import type { AwsConfig } from '../config.js';
import { ObjectChangedError, ObjectMissingError, ObjectNotPublicError, StorageUnavailableError } from './errors.js';
import { keyPath, objectUrl } from './objectUrl.js';
import { RangeConnections } from './rangeConnections.js';
import type { RangeReply } from './rangeConnections.js';

/** One ranged GET may take this long, headers and body, before it counts as failed. */
const RANGE_GET_TIMEOUT_MS = 30_000;

/** Who is asking, in S3's access logs. */
const USER_AGENT = 's3-torrent-seeder';

/** A bucket S3 can address as `<bucket>.s3.<region>.amazonaws.com` (no dots: TLS wildcard). */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

interface ObjectTarget {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
}

/**
 * Anonymous ranged reads of one version of an object as plain HTTP GETs with `Range` and
 * `If-Match`: the requests anyone on the internet could make, so S3 applies its public-access
 * rules to them. The seeder makes one per piece, the most of its CPU on a cold cache: without
 * the SDK's middleware, and without node:http (see RangeConnections).
 */
class AnonymousRangeReader {
  private readonly connections = new RangeConnections(RANGE_GET_TIMEOUT_MS);

  public constructor(private readonly aws: AwsConfig) {}

  /** The URL of an object: path-style under a custom endpoint, virtual-hosted on AWS when it can be. */
  public urlOf(bucket: string, key: string): string {
    if (this.aws.s3Endpoint !== undefined) return objectUrl(this.aws.s3Endpoint, bucket, key);
    if (VIRTUAL_HOSTABLE.test(bucket)) return `https://${bucket}.s3.${this.aws.region}.amazonaws.com/${keyPath(key)}`;
    return objectUrl(`https://s3.${this.aws.region}.amazonaws.com`, bucket, key);
  }

  /**
   * `length` bytes from `offset` of exactly this version, read into `into` when given (at least
   * `length` bytes; the result is then a view of it).
   *
   * @throws ObjectChangedError (412, or another ETag served), ObjectNotPublicError (403),
   *   ObjectMissingError (404), StorageUnavailableError (anything else, timeouts included).
   */
  public async read(target: ObjectTarget, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    const { bucket, key, etag } = target;
    let reply: RangeReply;
    try {
      reply = await this.connections.get(new URL(this.urlOf(bucket, key)), offset, length, { 'If-Match': etag, 'User-Agent': USER_AGENT }, into);
    } catch (error) {
      throw unavailable(target, error);
    }
    const failure = replyError(reply, { ...target, offset }, length);
    if (failure !== undefined) throw failure;
    const body = reply.body as Buffer;
    if (body.length !== length) throw new StorageUnavailableError(`s3://${bucket}/${key} ended after ${body.length} of ${length} bytes`, bucket, key);
    return body;
  }

  public destroy(): void {
    this.connections.destroy();
  }
}

function unavailable(target: ObjectTarget, cause: unknown): StorageUnavailableError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StorageUnavailableError(`reading s3://${target.bucket}/${target.key} failed: ${detail}`, target.bucket, target.key, { cause });
}

/** The typed error a reply stands for, or undefined when it carries the bytes asked for. */
function replyError(reply: RangeReply, target: ObjectTarget & { readonly offset: number }, length: number): Error | undefined {
  const { bucket, key, etag } = target;
  const { status } = reply;
  if (status === 412) return new ObjectChangedError(bucket, key, etag);
  if (status === 403) return new ObjectNotPublicError(bucket, key);
  if (status === 404) return new ObjectMissingError(bucket, key);
  // Some S3-compatible servers ignore If-Match: the ETag they answer with still tells.
  if ((status === 206 || status === 200) && reply.etag !== undefined && reply.etag !== etag) return new ObjectChangedError(bucket, key, etag);
  // The body must start at `offset`: a 206 says where it starts, a 200 starts at byte 0.
  const range = /^bytes (\d+)-(\d+)\//.exec(reply.contentRange ?? '');
  const startsAt = status === 200 ? 0 : range === null ? Number.NaN : Number(range[1]);
  if ((status === 206 || status === 200) && startsAt === target.offset) return undefined;
  return new StorageUnavailableError(`reading s3://${bucket}/${key} answered HTTP ${status} (${reply.contentRange ?? 'no Content-Range'}) for ${length} bytes`, bucket, key);
}

export { AnonymousRangeReader, RANGE_GET_TIMEOUT_MS };
