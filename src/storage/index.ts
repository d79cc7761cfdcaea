export { S3ObjectSource, checkReadability, streamObjectRange } from './anonymousReads.js';
export { ObjectChangedError, ObjectMissingError, ObjectNotPublicError, StorageError, StorageUnavailableError } from './errors.js';
export { SpanCache } from './spanCache.js';
export type { CachedObject, SpanCacheOptions } from './spanCache.js';
export { readStoredTorrent } from './storedTorrent.js';
export { AnonymousRangeReader } from './anonymousRangeReader.js';
export { keyPath, objectUrl } from './objectUrl.js';
export { anonymousS3Client, baseS3Config } from './s3Clients.js';
export type { Readability } from './anonymousReads.js';
