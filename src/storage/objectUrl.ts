/**
 * The URL of an object under a path-style base (the webseed of a torrent; the `?torrent`
 * resource under the API's base) (`https://s3.us-east-1.amazonaws.com`,
 * or a local endpoint): each key segment is percent-encoded, the slashes kept, as S3 expects.
 */
function objectUrl(baseUrl: string, bucket: string, key: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(bucket)}/${keyPath(key)}`;
}

/** A key as a URL path: each segment percent-encoded, the slashes kept. */
function keyPath(key: string): string {
  return key.split('/').map((segment) => encodeURIComponent(segment)).join('/');
}

export { keyPath, objectUrl };
