import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { s3Error } from './s3Errors.js';
import type { ApiReply } from './s3Errors.js';
import type { TorrentRequest } from './serveTorrent.js';

/**
 * Reads `/{bucket}/{key+}?torrent[&format=…]` from an API Gateway HTTP API (payload 2.0) event.
 * The path is split and percent-decoded here rather than trusting path parameters, so a key
 * with `%2F`, spaces or Unicode arrives exactly as S3 names it.
 */
function torrentRequestFromHttpApi(event: APIGatewayProxyEventV2): TorrentRequest | ApiReply {
  const requestId = event.requestContext.requestId;
  const method = event.requestContext.http.method;
  const raw = event.rawPath.replace(/^\/+/, '');
  const slash = raw.indexOf('/');
  const resource = `/${raw}`;
  const params = new URLSearchParams(event.rawQueryString);
  if (!params.has('torrent')) {
    return s3Error('InvalidArgument', resource, requestId, 'Only ?torrent requests are served here.');
  }
  if (slash <= 0 || slash === raw.length - 1) {
    return s3Error('InvalidArgument', resource, requestId, 'The path must be /{bucket}/{key}?torrent.');
  }
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(raw.slice(0, slash));
    key = decodeURIComponent(raw.slice(slash + 1));
  } catch {
    return s3Error('InvalidArgument', resource, requestId, 'The path is not valid percent-encoding.');
  }
  return { method, bucket, key, format: params.get('format') ?? undefined, requestId };
}

/** Shapes a reply as an HTTP API result: binary bodies go base64-encoded. */
function httpApiResult(reply: ApiReply): APIGatewayProxyStructuredResultV2 {
  const binary = typeof reply.body !== 'string';
  return {
    statusCode: reply.status,
    headers: { ...reply.headers },
    body: binary ? Buffer.from(reply.body).toString('base64') : (reply.body as string),
    isBase64Encoded: binary,
  };
}

export { httpApiResult, torrentRequestFromHttpApi };
