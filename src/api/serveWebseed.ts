import { objectUrl } from '../storage/index.js';
import { MAX_PIECE_LENGTH, PAD_DIRECTORY } from '../torrent/index.js';
import { byteRangeOf } from './byteRange.js';
import { s3Error } from './s3Errors.js';
import type { ApiReply } from './s3Errors.js';
import { pathRefusal } from './validation.js';

/**
 * The largest pad-file reply: a Lambda response is at most 6 MB, and API Gateway needs binary
 * bodies base64-encoded (4 bytes per 3), so 4 MiB of zeros (5.6 MB encoded) is the largest power
 * of two that fits. Pads are shorter than a piece: prefixes of up to 128 GiB (pieces ≤ 4 MiB,
 * src/torrent/pieceLength.ts) never ask for more.
 */
const MAX_PAD_REPLY_BYTES = 4 * 1024 * 1024;

/** `GET|HEAD /{bucket}/{key}` without `?torrent`. */
interface WebseedRequest {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  /** The `Range` header, if any. */
  readonly range: string | undefined;
  readonly requestId: string;
}

interface WebseedContext {
  /** Buckets this deployment publishes; `'*'` publishes any bucket (local stack). */
  readonly publishedBuckets: ReadonlySet<string> | '*';
  /** Path-style base of S3's public URLs (the webseed of every torrent); undefined: no webseeds. */
  readonly webseedBaseUrl: string | undefined;
}

/** A pad file's size when `key` names one (`….pad/<n>`, BEP 47's path), else undefined. */
function padFileSize(key: string): number | undefined {
  const segments = key.split('/');
  const size = segments.at(-1) ?? '';
  if (segments.length < 2 || segments.at(-2) !== PAD_DIRECTORY || !/^[1-9]\d{0,9}$/.test(size)) return undefined;
  return Number(size);
}

/** `size` zero bytes, or the part `range` asks for. */
function padReply(request: WebseedRequest, size: number): ApiReply {
  const resource = `/${request.bucket}/${request.key}`;
  const range = byteRangeOf(request.range, size);
  const common = {
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    // Zeros never change: any cache in front may keep them.
    'cache-control': 'public, max-age=31536000, immutable',
    'x-amz-request-id': request.requestId,
  };
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { ...common, 'content-range': `bytes */${size}` }, body: '' };
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = end - start + 1;
  if (length > MAX_PAD_REPLY_BYTES) {
    return s3Error('NotImplemented', resource, request.requestId,
      `This pad file range is ${length} bytes; the API answers at most ${MAX_PAD_REPLY_BYTES} at once (Lambda's response limit). ` +
      'Use a client that skips BEP 47 pad files, or fetch the torrent from peers.');
  }
  const headers: Record<string, string> = { ...common, 'content-length': String(length) };
  if (range !== undefined) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  return { status: range === undefined ? 200 : 206, headers, body: request.method === 'HEAD' ? '' : new Uint8Array(length) };
}

/**
 * The API's webseed, for clients that do not skip BEP 47 pad files (aria2c 1.36, Transmission
 * 3.00): v1 prefix torrents name `<api>/<bucket>/<parent>/` as their url-list, so such a client
 * asks here for `<prefix>.pad/<n>` and gets n zero bytes (S3 has no such object: a 404 there
 * stalls them), and for every member gets a 302 to the object's public S3 URL, where S3 decides
 * as always whether to serve it anonymously. Nothing is read or signed here.
 */
function serveWebseed(context: WebseedContext, request: WebseedRequest): ApiReply {
  const { bucket, key, requestId } = request;
  const resource = `/${bucket}/${key}`;
  if (request.method !== 'GET' && request.method !== 'HEAD') return s3Error('MethodNotAllowed', resource, requestId);
  if (context.webseedBaseUrl === undefined) {
    return s3Error('InvalidArgument', resource, requestId, 'Only ?torrent requests are served here: this deployment writes no webseeds.');
  }
  const refusal = pathRefusal(bucket, key, requestId);
  if (refusal !== undefined) return refusal;
  if (context.publishedBuckets !== '*' && !context.publishedBuckets.has(bucket)) return s3Error('NoSuchBucket', resource, requestId);
  const padSize = padFileSize(key);
  if (padSize !== undefined) {
    // A pad is shorter than a piece: anything longer is no pad of ours.
    return padSize < MAX_PIECE_LENGTH ? padReply(request, padSize) : s3Error('NoSuchKey', resource, requestId);
  }
  return {
    status: 302,
    headers: { location: objectUrl(context.webseedBaseUrl, bucket, key), 'x-amz-request-id': requestId },
    body: '',
  };
}

export { MAX_PAD_REPLY_BYTES, padFileSize, serveWebseed };
export type { WebseedContext, WebseedRequest };
