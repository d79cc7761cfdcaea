import { s3Error } from './s3Errors.js';
import type { ApiReply } from './s3Errors.js';

/** S3's longest key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

/**
 * Control characters: C0 (U+0000–U+001F) and DEL. S3 stores keys with most of them, but they
 * cannot be published here: XML 1.0 cannot carry them in an error reply, S3 emulators and
 * gateways differ on them (s3rver answers 500 to a NUL, RGW 400), and in a torrent's name, a
 * log line or a terminal they hide or rewrite what is shown (CR, ESC).
 */
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;

/** Why a key cannot be published, with S3's error code for it. */
interface KeyProblem {
  readonly code: 'InvalidArgument' | 'KeyTooLongError';
  /** The reply's message; undefined for the code's standard one. */
  readonly detail: string | undefined;
}

/**
 * S3's general-purpose bucket naming rules: 3–63 characters of lowercase letters, digits, dots
 * and hyphens, starting and ending with a letter or digit, no `..`, not an IP address.
 */
function isValidBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name)
  );
}

/** `U+0001` for a character. */
function codePointName(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Why S3 could not hold `key`, or this deployment cannot publish it: not 1 to 1024 UTF-8 bytes
 * of valid Unicode (S3's rules), or a control character in it. Undefined for a good key.
 */
function keyProblem(key: string): KeyProblem | undefined {
  const invalid = (detail: string): KeyProblem => ({ code: 'InvalidArgument', detail });
  if (key.length === 0) return invalid('The key is empty.');
  if (!key.isWellFormed()) return invalid('The key is not valid Unicode.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return { code: 'KeyTooLongError', detail: undefined };
  const control = CONTROL_CHARACTER.exec(key);
  if (control !== null) {
    return invalid(`The key contains a control character (${codePointName(control[0])}): keys with control characters (U+0000 to U+001F, U+007F) cannot be published.`);
  }
  return undefined;
}

/**
 * The S3-style refusal of a bucket or key that cannot be published (InvalidBucketName, or the
 * key's problem), or undefined: what every route checks of its path before anything else.
 */
function pathRefusal(bucket: string, key: string, requestId: string): ApiReply | undefined {
  const resource = `/${bucket}/${key}`;
  if (!isValidBucketName(bucket)) return s3Error('InvalidBucketName', resource, requestId);
  const problem = keyProblem(key);
  return problem === undefined ? undefined : s3Error(problem.code, resource, requestId, problem.detail);
}

export { MAX_KEY_BYTES, isValidBucketName, keyProblem, pathRefusal };
export type { KeyProblem };
