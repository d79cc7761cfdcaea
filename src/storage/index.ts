export { S3ObjectSource, streamObjectRange } from './anonymousReads.js';
export {
  ObjectChangedError,
  ObjectMissingError,
  ObjectNetworkOnlyError,
  ObjectNotPublicError,
  PublicVerdictUnavailableError,
  StorageError,
  StorageUnavailableError,
  VerdictOperation,
} from './errors.js';
export { ALL_USERS_URI, BUCKET_VERDICT_TTL_MS, ForbiddenReason, MAX_CACHED_BUCKETS, PublicAccess } from './PublicAccess.js';
export { SpanCache } from './spanCache.js';
export type { CachedObject, SpanCacheOptions } from './spanCache.js';
export { ARTIFACT_KEY_PREFIX, artifactReader, readStoredTorrent } from './storedTorrent.js';
export type { ArtifactsBucket } from './storedTorrent.js';
export { AnonymousRangeReader } from './anonymousRangeReader.js';
export { keyPath, objectUrl } from './objectUrl.js';
export { LISTING_PAGE_SIZE, ListingDeniedError, ListingLimit, MAX_LISTING_PAGES, NoSuchBucketError, PUBLIC_CHECK_CONCURRENCY, PrefixTooLargeError, listPrefix } from './listPrefix.js';
export type { ListPrefixOptions, ListedMember, PrefixListing } from './listPrefix.js';
export { anonymousS3Client, baseS3Config } from './s3Clients.js';
export type { Readability, S3Refusal } from './PublicAccess.js';
