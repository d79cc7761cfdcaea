export { S3ObjectSource, checkReadability, streamObjectRange } from './anonymousReads.js';
export { ObjectChangedError, ObjectMissingError, ObjectNotPublicError, StorageError, StorageUnavailableError } from './errors.js';
export { objectUrl } from './objectUrl.js';
export { anonymousS3Client, baseS3Config } from './s3Clients.js';
export type { Readability } from './anonymousReads.js';
