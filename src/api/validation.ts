/** S3's longest key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

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

/** A key S3 could hold: 1 to 1024 UTF-8 bytes, valid Unicode. */
function keyProblem(key: string): 'empty' | 'too long' | 'not valid Unicode' | undefined {
  if (key.length === 0) return 'empty';
  if (!key.isWellFormed()) return 'not valid Unicode';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return 'too long';
  return undefined;
}

export { MAX_KEY_BYTES, isValidBucketName, keyProblem };
