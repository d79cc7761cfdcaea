export { UNAVAILABLE_RETRY_AFTER_SECONDS, failureReply } from './failureReply.js';
export { httpApiResult, torrentRequestFromHttpApi } from './httpApiEvent.js';
export { S3ErrorCode, s3Error } from './s3Errors.js';
export { serveTorrent } from './serveTorrent.js';
export { TORRENT_CACHE_MAX_BYTES, TorrentCache } from './torrentCache.js';
export { MAX_KEY_BYTES, isValidBucketName, keyProblem } from './validation.js';
export type { ApiReply } from './s3Errors.js';
export type { KeyProblem } from './validation.js';
export type { TorrentApiContext, TorrentRequest } from './serveTorrent.js';
