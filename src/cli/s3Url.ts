import { isValidBucketName } from '../api/index.js';
import { UsageError } from './errors.js';

/**
 * Splits `s3://bucket/key` (or, with `prefixAllowed`, `s3://bucket/prefix`, the prefix possibly
 * empty) into its bucket and key.
 *
 * @throws UsageError for anything else, or a bucket name S3 would refuse.
 */
function parseS3Url(url: string, prefixAllowed: boolean): { bucket: string; key: string } {
  const match = (prefixAllowed ? /^s3:\/\/([^/]+)\/(.*)$/ : /^s3:\/\/([^/]+)\/(.+)$/).exec(url);
  if (match === null) throw new UsageError(`expected s3://bucket/${prefixAllowed ? 'prefix' : 'key'}, not "${url}"`);
  const bucket = match[1] as string;
  if (!isValidBucketName(bucket)) throw new UsageError(`"${bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
  return { bucket, key: match[2] as string };
}

export { parseS3Url };
