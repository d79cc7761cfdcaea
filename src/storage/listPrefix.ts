import { ListObjectsV2Command, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { MAX_FILES_PER_TORRENT } from '../torrent/index.js';
import { StorageError, StorageUnavailableError } from './errors.js';
import type { PublicAccess } from './PublicAccess.js';

/** Keys per ListObjectsV2 page: S3's largest. */
const LISTING_PAGE_SIZE = 1000;

/**
 * Most ListObjectsV2 pages one listing reads. MAX_FILES_PER_TORRENT objects fill 10 pages; the
 * rest is headroom for "folder" marker keys, which take a place on a page but are no files. Each
 * page is one signed request within an API request's time, so the listing is bounded too.
 */
const MAX_LISTING_PAGES = 20;

/**
 * Public checks at once (PublicAccess.check: an unsigned HEAD each, plus S3's verdict). A HEAD
 * waits on S3's latency, not on our CPU: at 10-30 ms in-region, 10,000 members (the most a
 * torrent holds) take 2-6 s at 48 in flight, against 6-19 s at 16, of the request's 30 s under
 * API Gateway. 48 stays under the SDK's default of 50 sockets per host and, at ~2,400 HEADs a
 * second, under S3's 5,500 GET/HEAD per second per prefix. (On the local RGW the HEADs are bound
 * by RGW itself at ~1,000 a second: 16 or 64 made no difference there.)
 */
const PUBLIC_CHECK_CONCURRENCY = 48;

/** An object under the prefix that S3 serves to the public, as the anonymous HEAD saw it. */
interface ListedMember {
  readonly key: string;
  /** Quoted, as records and If-Match use it. */
  readonly etag: string;
  readonly size: number;
}

interface PrefixListing {
  /** Public objects, in listing (key) order; folder markers (keys ending in `/`) are never members. */
  readonly members: ReadonlyArray<ListedMember>;
  /** Objects left out because S3 does not serve them to the public: counted and hashed into the snapshot id, never shown. */
  readonly excludedKeys: ReadonlyArray<string>;
}

/** Which bound a listing went past. */
const ListingLimit = { Files: 'files', Pages: 'pages' } as const;
type ListingLimit = (typeof ListingLimit)[keyof typeof ListingLimit];

/** The prefix holds more than one torrent may list: the listing stopped. */
class PrefixTooLargeError extends StorageError {
  public readonly limit: ListingLimit;
  public readonly bound: number;

  public constructor(bucket: string, prefix: string, limit: ListingLimit, bound: number) {
    super(limit === ListingLimit.Files
      ? `s3://${bucket}/${prefix} holds more than ${bound} objects (MAX_FILES_PER_TORRENT)`
      : `listing s3://${bucket}/${prefix} takes more than ${bound} pages of ${LISTING_PAGE_SIZE} keys (MAX_LISTING_PAGES)`, bucket, prefix);
    this.name = 'PrefixTooLargeError';
    this.limit = limit;
    this.bound = bound;
  }
}

/** The bucket does not exist (ListObjectsV2's NoSuchBucket). */
class NoSuchBucketError extends StorageError {
  public constructor(bucket: string, options?: ErrorOptions) {
    super(`bucket ${bucket} does not exist`, bucket, '', options);
    this.name = 'NoSuchBucketError';
  }
}

/** This deployment may not list the bucket (s3:ListBucket not granted to it). */
class ListingDeniedError extends StorageError {
  public constructor(bucket: string, options?: ErrorOptions) {
    super(`listing bucket ${bucket} was refused: the deployment needs s3:ListBucket on it`, bucket, '', options);
    this.name = 'ListingDeniedError';
  }
}

interface ListPrefixOptions {
  /** @default MAX_FILES_PER_TORRENT */
  readonly maxFiles?: number | undefined;
  /** @default MAX_LISTING_PAGES */
  readonly maxPages?: number | undefined;
}

async function listKeys(s3: S3Client, bucket: string, prefix: string, maxFiles: number, maxPages: number): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  for (let page = 0; page === 0 || token !== undefined; page += 1) {
    if (page >= maxPages) throw new PrefixTooLargeError(bucket, prefix, ListingLimit.Pages, maxPages);
    let reply;
    try {
      reply = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: LISTING_PAGE_SIZE, ContinuationToken: token }));
    } catch (error) {
      const code = error instanceof S3ServiceException ? error.name : undefined;
      if (code === 'NoSuchBucket') throw new NoSuchBucketError(bucket, { cause: error });
      if (code === 'AccessDenied') throw new ListingDeniedError(bucket, { cause: error });
      throw new StorageUnavailableError(`listing s3://${bucket}/${prefix} failed`, bucket, prefix, { cause: error });
    }
    for (const object of reply.Contents ?? []) {
      // A key ending in `/` is a "folder" marker the consoles create: no file of the dataset.
      if (object.Key === undefined || object.Key.endsWith('/')) continue;
      keys.push(object.Key);
      if (keys.length > maxFiles) throw new PrefixTooLargeError(bucket, prefix, ListingLimit.Files, maxFiles);
    }
    token = reply.IsTruncated === true ? reply.NextContinuationToken : undefined;
  }
  return keys;
}

/**
 * Lists every object under `prefix` (recursively; a signed ListObjectsV2, metadata only) and asks
 * S3, for each, whether it serves it to the public (the same check as a single object's
 * `?torrent`). What the anonymous HEAD reports (ETag, size) is what a member is published as.
 *
 * @throws PrefixTooLargeError, NoSuchBucketError, ListingDeniedError, StorageUnavailableError,
 *   and PublicAccess.check's errors
 */
async function listPrefix(s3: S3Client, publicAccess: PublicAccess, bucket: string, prefix: string, options: ListPrefixOptions = {}): Promise<PrefixListing> {
  const keys = await listKeys(s3, bucket, prefix, options.maxFiles ?? MAX_FILES_PER_TORRENT, options.maxPages ?? MAX_LISTING_PAGES);
  // Per key: the member, 'excluded' (not public), or 'gone' (deleted since the listing: not part of the prefix).
  const verdicts = new Array<ListedMember | 'excluded' | 'gone'>(keys.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const index = next;
      next += 1;
      const key = keys[index] as string;
      const readable = await publicAccess.check(bucket, key);
      verdicts[index] = readable.kind === 'public' ? { key, etag: readable.etag, size: readable.size } : readable.kind === 'missing' ? 'gone' : 'excluded';
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUBLIC_CHECK_CONCURRENCY, keys.length) }, worker));
  const members: ListedMember[] = [];
  const excludedKeys: string[] = [];
  keys.forEach((key, index) => {
    const verdict = verdicts[index];
    if (verdict === 'excluded') excludedKeys.push(key);
    else if (verdict !== 'gone' && verdict !== undefined) members.push(verdict);
  });
  return { members, excludedKeys };
}

export { LISTING_PAGE_SIZE, ListingDeniedError, ListingLimit, MAX_LISTING_PAGES, NoSuchBucketError, PUBLIC_CHECK_CONCURRENCY, PrefixTooLargeError, listPrefix };
export type { ListPrefixOptions, ListedMember, PrefixListing };
