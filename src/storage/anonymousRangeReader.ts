import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AwsConfig } from '../config.js';
import { ObjectChangedError, ObjectMissingError, ObjectNotPublicError, StorageUnavailableError } from './errors.js';
import { keyPath, objectUrl } from './objectUrl.js';

/** One ranged GET may take this long, headers and body, before it counts as failed. */
const RANGE_GET_TIMEOUT_MS = 30_000;

/** Keep-alive sockets to S3: one per GET in flight (the seeder bounds those itself). */
const MAX_SOCKETS = 128;

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
 * rules to them. The seeder makes one per piece; without the SDK's middleware each costs half
 * the CPU (measured against s3rver), which is the seeder's bottleneck.
 */
class AnonymousRangeReader {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly https: boolean;

  public constructor(private readonly aws: AwsConfig) {
    this.https = (aws.s3Endpoint ?? 'https:').startsWith('https:');
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS };
    this.agent = this.https ? new HttpsAgent(options) : new HttpAgent(options);
  }

  /** The URL of an object: path-style under a custom endpoint, virtual-hosted on AWS when it can be. */
  public urlOf(bucket: string, key: string): string {
    if (this.aws.s3Endpoint !== undefined) return objectUrl(this.aws.s3Endpoint, bucket, key);
    if (VIRTUAL_HOSTABLE.test(bucket)) return `https://${bucket}.s3.${this.aws.region}.amazonaws.com/${keyPath(key)}`;
    return objectUrl(`https://s3.${this.aws.region}.amazonaws.com`, bucket, key);
  }

  /**
   * `length` bytes from `offset` of exactly this version.
   *
   * @throws ObjectChangedError (412, or another ETag served), ObjectNotPublicError (403),
   *   ObjectMissingError (404), StorageUnavailableError (anything else, timeouts included).
   */
  public read(target: ObjectTarget, offset: number, length: number): Promise<Buffer> {
    const { bucket, key, etag } = target;
    const send = this.https ? httpsRequest : httpRequest;
    return new Promise<Buffer>((resolve, reject) => {
      const request = send(this.urlOf(bucket, key), {
        agent: this.agent,
        headers: { range: `bytes=${offset}-${offset + length - 1}`, 'if-match': etag },
        timeout: RANGE_GET_TIMEOUT_MS,
      }, (reply) => {
        const failure = replyError(reply, { ...target, offset }, length);
        if (failure !== undefined) {
          reply.resume();
          reject(failure);
          return;
        }
        const body = Buffer.allocUnsafe(length);
        let filled = 0;
        reply.on('data', (chunk: Buffer) => {
          const wanted = Math.min(chunk.length, length - filled);
          chunk.copy(body, filled, 0, wanted);
          filled += wanted;
          // A server may send more than asked (a wider range, or the whole object from byte 0):
          // the bytes asked for are in, the rest is not read.
          if (filled === length && wanted < chunk.length) {
            resolve(body);
            reply.destroy();
          }
        });
        reply.once('error', (error) => reject(unavailable(target, error)));
        reply.once('end', () => {
          if (filled === length) resolve(body);
          else reject(new StorageUnavailableError(`s3://${bucket}/${key} ended after ${filled} of ${length} bytes`, bucket, key));
        });
      });
      request.once('timeout', () => request.destroy(new Error(`no answer within ${RANGE_GET_TIMEOUT_MS} ms`)));
      request.once('error', (error) => reject(unavailable(target, error)));
      request.end();
    });
  }

  public destroy(): void {
    this.agent.destroy();
  }
}

function unavailable(target: ObjectTarget, cause: unknown): StorageUnavailableError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StorageUnavailableError(`reading s3://${target.bucket}/${target.key} failed: ${detail}`, target.bucket, target.key, { cause });
}

/** The typed error a reply stands for, or undefined when it carries the bytes asked for. */
function replyError(reply: IncomingMessage, target: ObjectTarget & { readonly offset: number }, length: number): Error | undefined {
  const { bucket, key, etag } = target;
  const status = reply.statusCode ?? 0;
  if (status === 412) return new ObjectChangedError(bucket, key, etag);
  if (status === 403) return new ObjectNotPublicError(bucket, key);
  if (status === 404) return new ObjectMissingError(bucket, key);
  // Some S3-compatible servers ignore If-Match: the ETag they answer with still tells.
  const served = reply.headers.etag;
  if ((status === 206 || status === 200) && served !== undefined && served !== etag) return new ObjectChangedError(bucket, key, etag);
  // The body must start at `offset`: a 206 says where it starts, a 200 starts at byte 0.
  const range = /^bytes (\d+)-(\d+)\//.exec(reply.headers['content-range'] ?? '');
  const startsAt = status === 200 ? 0 : range === null ? Number.NaN : Number(range[1]);
  if ((status === 206 || status === 200) && startsAt === target.offset) return undefined;
  return new StorageUnavailableError(`reading s3://${bucket}/${key} answered HTTP ${status} (${reply.headers['content-range'] ?? 'no Content-Range'}) for ${length} bytes`, bucket, key);
}

export { AnonymousRangeReader, RANGE_GET_TIMEOUT_MS };
