import { GetBucketPolicyStatusCommand, GetObjectAclCommand, GetObjectCommand, HeadObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { Grant, S3Client } from '@aws-sdk/client-s3';
import { PublicVerdict } from '../config.js';
import type { PublicVerdictMode } from '../config.js';
import { readError, statusOf } from './anonymousReads.js';
import { PublicVerdictUnavailableError, VerdictOperation } from './errors.js';

/**
 * How long a bucket's policy verdict (GetBucketPolicyStatus) is reused: 30 s. The unsigned HEAD
 * still runs on every check, so deleting the policy or the ACL, or turning Block Public Access
 * on, is seen at once (the HEAD fails); only a policy narrowed to a network that still lets us
 * in (or, the other way, one just opened to everyone) waits out this TTL when no bucket-level
 * event calls `forgetBucket` (a lost event, RGW, no CloudTrail trail). In exchange a cached
 * `?torrent` costs one signed call per bucket per 30 s per process instead of one per request.
 */
const BUCKET_VERDICT_TTL_MS = 30_000;

/**
 * Most buckets whose verdict one process remembers. A deployment publishes a list the operator
 * names (the local stack any bucket); past this the oldest verdict is dropped and asked again.
 */
const MAX_CACHED_BUCKETS = 1_000;

/** The grantee S3 and Block Public Access mean by "everyone", anonymous requests included. */
const ALL_USERS_URI = 'http://acs.amazonaws.com/groups/global/AllUsers';

/** ACL permissions that include reading the object's bytes. */
const READ_PERMISSIONS: ReadonlySet<string> = new Set(['READ', 'FULL_CONTROL']);

/** S3's error code for GetBucketPolicyStatus of a bucket without a policy (AWS; RGW answers IsPublic false). */
const NO_SUCH_BUCKET_POLICY = 'NoSuchBucketPolicy';

/** S3's error code for GetObjectAcl of a key that does not exist (deleted since the HEAD). */
const NO_SUCH_KEY = 'NoSuchKey';

/** Why an object is not published (the `reason` of a `forbidden` Readability). */
const ForbiddenReason = {
  /** The unsigned HEAD was refused (403). */
  NotAnonymouslyReadable: 'not anonymously readable',
  /** The unsigned HEAD succeeded, but only from where we stand: S3 does not call the access public. */
  NetworkOnly: 'readable from this network only: S3 does not call its access public',
} as const;
type ForbiddenReason = (typeof ForbiddenReason)[keyof typeof ForbiddenReason];

/** What S3 says about publishing an object. */
type Readability =
  /** Public: anyone on the internet may read this version. */
  | { readonly kind: 'public'; readonly etag: string; readonly size: number }
  | { readonly kind: 'forbidden'; readonly reason: ForbiddenReason }
  /** 404: no such key, or no such bucket (`explain` tells which). */
  | { readonly kind: 'missing' }
  /**
   * 400: S3 serves the object to no anonymous request, whoever may read it. An object encrypted
   * with a customer-provided key (SSE-C) is one: only a request that sends the key gets it.
   * `explain` gives S3's reason.
   */
  | { readonly kind: 'unreadable' };

/** S3's own error for a request: its HTTP status, its code and, when it sent one, its message. */
interface S3Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string | undefined;
}

/** The SDK's names for an error reply that carried no code (a HEAD's, or an empty body). */
const NO_ERROR_CODE: ReadonlySet<string> = new Set(['Unknown', 'UnknownError']);

/** What the SDK puts as the message of an error reply that carried none (RGW sends `<Message/>`). */
const NO_ERROR_MESSAGE = 'UnknownError';

/** One byte: the cheapest GET that S3 answers exactly as it would answer a HEAD. */
const FIRST_BYTE = 'bytes=0-0';

interface CachedVerdict {
  /** Whether the bucket policy makes the bucket public; shared by concurrent checks. */
  readonly publicByPolicy: Promise<boolean>;
  readonly expiresAt: number;
}

/** The S3 error code of a failure (the SDK names the exception after it). */
function errorCode(error: unknown): string | undefined {
  return error instanceof S3ServiceException ? error.name : undefined;
}

function grantsEveryoneRead(grant: Grant): boolean {
  return grant.Grantee?.Type === 'Group' && grant.Grantee.URI === ALL_USERS_URI && READ_PERMISSIONS.has(grant.Permission ?? '');
}

/** An unsigned HEAD: what anyone standing where we stand may read. */
async function headAnonymously(client: S3Client, bucket: string, key: string): Promise<Readability> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { kind: 'public', etag: head.ETag ?? '', size: head.ContentLength ?? 0 };
  } catch (error) {
    const status = statusOf(error);
    if (status === 403) return { kind: 'forbidden', reason: ForbiddenReason.NotAnonymouslyReadable };
    if (status === 404) return { kind: 'missing' };
    // An object encrypted with a customer key (SSE-C) answers 400 to a request without the key;
    // so does a key the server will not take (RGW: a NUL in it). Either way no one reads it anonymously.
    if (status === 400) return { kind: 'unreadable' };
    throw readError(error, bucket, key, undefined);
  }
}

/**
 * Whether an object may be published, decided by S3 itself and never by parsing ACLs or
 * policies: an unsigned HEAD succeeds (so S3 serves the bytes without credentials) AND S3 calls
 * the access public, by the definition Block Public Access uses: the bucket policy's
 * `GetBucketPolicyStatus.IsPublic`, or an object ACL granting AllUsers READ. The HEAD alone is
 * not enough: a policy open only to a source IP or a VPC endpoint passes it from our network.
 *
 * The bucket verdict is cached per bucket (`bucketVerdictTtlMs`); bucket-level events (policy,
 * Block Public Access) call `forgetBucket`. One instance per process, shared by its handlers.
 *
 * @example
 * const access = new PublicAccess(anonymousS3Client(aws), clients.s3);
 * const readable = await access.check('my-bucket', 'video.mp4');
 * if (readable.kind === 'forbidden') console.log(readable.reason);
 */
class PublicAccess {
  private readonly verdicts = new Map<string, CachedVerdict>();

  /**
   * @param anonymous unsigned client: the HEAD.
   * @param signed the process's signed client: GetBucketPolicyStatus and GetObjectAcl (its role
   *   has those two actions on the published buckets, and never s3:GetObject).
   * @param bucketVerdictTtlMs how long a bucket's policy verdict is reused. @default BUCKET_VERDICT_TTL_MS
   * @param mode `s3`, or `anonymous-head` (the HEAD alone: the embedded s3rver only). @default 's3'
   * @param now the clock of the cache (tests). @default Date.now
   */
  public constructor(
    private readonly anonymous: S3Client,
    private readonly signed: S3Client,
    public readonly bucketVerdictTtlMs: number = BUCKET_VERDICT_TTL_MS,
    public readonly mode: PublicVerdictMode = PublicVerdict.S3,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The unsigned HEAD first (403 and 404 answer at once), then the bucket's policy verdict
   * (cached), then, only when the policy does not make the bucket public, the object's ACL.
   *
   * @throws PublicVerdictUnavailableError when GetBucketPolicyStatus or GetObjectAcl fails for
   *   any reason other than "the bucket has no policy" (never taken for "public").
   * @throws StorageUnavailableError when the HEAD fails otherwise (5xx after retries).
   */
  public async check(bucket: string, key: string): Promise<Readability> {
    const head = await headAnonymously(this.anonymous, bucket, key);
    if (head.kind !== 'public' || this.mode === PublicVerdict.AnonymousHead) return head;
    if (await this.bucketPolicyIsPublic(bucket, key)) return head;
    const byAcl = await this.objectAclIsPublic(bucket, key);
    if (byAcl === 'missing') return { kind: 'missing' };
    return byAcl ? head : { kind: 'forbidden', reason: ForbiddenReason.NetworkOnly };
  }

  /**
   * S3's own error for an anonymous read of the object, for a reply to a person: a HEAD's error
   * reply has no body, so `check` knows only its status (404: of the key or of the bucket? 400:
   * why?). The same read as a GET of one byte says S3's code and message. One more request,
   * worth it only where someone reads the answer. Best effort, never throws: undefined when S3
   * does not refuse the GET (the object appeared meanwhile), fails (5xx, no answer: the HEAD's
   * answer stands), or names no code.
   */
  public async explain(bucket: string, key: string): Promise<S3Refusal | undefined> {
    try {
      const reply = await this.anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: FIRST_BYTE }));
      await reply.Body?.transformToByteArray();
      return undefined;
    } catch (error) {
      if (!(error instanceof S3ServiceException) || error.$fault === 'server' || NO_ERROR_CODE.has(error.name)) return undefined;
      const message = error.message === NO_ERROR_MESSAGE || error.message === '' ? undefined : error.message;
      return { status: error.$metadata.httpStatusCode ?? 0, code: error.name, message };
    }
  }

  /** Drops the cached policy verdict of `bucket`: its policy or Block Public Access changed. */
  public forgetBucket(bucket: string): void {
    this.verdicts.delete(bucket);
  }

  private bucketPolicyIsPublic(bucket: string, key: string): Promise<boolean> {
    const cached = this.verdicts.get(bucket);
    if (cached !== undefined && cached.expiresAt > this.now()) return cached.publicByPolicy;
    const entry: CachedVerdict = { publicByPolicy: this.askPolicyStatus(bucket, key), expiresAt: this.now() + this.bucketVerdictTtlMs };
    // Map order is insertion order: re-inserting keeps the oldest entry first, for eviction.
    this.verdicts.delete(bucket);
    this.verdicts.set(bucket, entry);
    for (const oldest of this.verdicts.keys()) {
      if (this.verdicts.size <= MAX_CACHED_BUCKETS) break;
      this.verdicts.delete(oldest);
    }
    // A failure is not remembered: the next check asks S3 again.
    entry.publicByPolicy.catch(() => {
      if (this.verdicts.get(bucket) === entry) this.verdicts.delete(bucket);
    });
    return entry.publicByPolicy;
  }

  private async askPolicyStatus(bucket: string, key: string): Promise<boolean> {
    try {
      const reply = await this.signed.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }));
      return reply.PolicyStatus?.IsPublic === true;
    } catch (error) {
      if (errorCode(error) === NO_SUCH_BUCKET_POLICY) return false;
      throw new PublicVerdictUnavailableError(VerdictOperation.BucketPolicyStatus, bucket, key, { cause: error });
    }
  }

  /** Whether the object's ACL grants AllUsers READ (or FULL_CONTROL); 'missing' when it was deleted since the HEAD. */
  private async objectAclIsPublic(bucket: string, key: string): Promise<boolean | 'missing'> {
    try {
      const reply = await this.signed.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
      return (reply.Grants ?? []).some(grantsEveryoneRead);
    } catch (error) {
      if (errorCode(error) === NO_SUCH_KEY) return 'missing';
      throw new PublicVerdictUnavailableError(VerdictOperation.ObjectAcl, bucket, key, { cause: error });
    }
  }
}

export { ALL_USERS_URI, BUCKET_VERDICT_TTL_MS, ForbiddenReason, MAX_CACHED_BUCKETS, PublicAccess };
export type { Readability, S3Refusal };
