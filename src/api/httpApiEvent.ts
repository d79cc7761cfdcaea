import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { s3Error } from './s3Errors.js';
import type { ApiReply } from './s3Errors.js';
import type { TorrentRequest } from './serveTorrent.js';
import type { WebseedRequest } from './serveWebseed.js';

/** Whether the request asks for a torrent (`?torrent`); without it, it is a webseed request. */
function asksForTorrent(event: APIGatewayProxyEventV2): boolean {
  return new URLSearchParams(event.rawQueryString).has('torrent');
}

/**
 * The bucket and key of `/{bucket}/{key+}`, split and percent-decoded here rather than trusting
 * path parameters, so a key with `%2F`, spaces or Unicode arrives exactly as S3 names it.
 */
function bucketAndKeyOf(event: APIGatewayProxyEventV2, shape: string): { bucket: string; key: string } | ApiReply {
  const requestId = event.requestContext.requestId;
  const raw = event.rawPath.replace(/^\/+/, '');
  const slash = raw.indexOf('/');
  const resource = `/${raw}`;
  if (slash <= 0 || slash === raw.length - 1) {
    return s3Error('InvalidArgument', resource, requestId, `The path must be ${shape}.`);
  }
  try {
    return { bucket: decodeURIComponent(raw.slice(0, slash)), key: decodeURIComponent(raw.slice(slash + 1)) };
  } catch {
    return s3Error('InvalidArgument', resource, requestId, 'The path is not valid percent-encoding.');
  }
}

/** Reads `/{bucket}/{key+}?torrent[&format=…]` from an API Gateway HTTP API (payload 2.0) event. */
function torrentRequestFromHttpApi(event: APIGatewayProxyEventV2): TorrentRequest | ApiReply {
  const requestId = event.requestContext.requestId;
  const method = event.requestContext.http.method;
  if (!asksForTorrent(event)) {
    return s3Error('InvalidArgument', event.rawPath, requestId, 'Only ?torrent requests are served here.');
  }
  const path = bucketAndKeyOf(event, '/{bucket}/{key}?torrent');
  if ('status' in path) return path;
  const format = new URLSearchParams(event.rawQueryString).get('format') ?? undefined;
  return { method, ...path, format, requestId };
}

/** Reads `/{bucket}/{key+}` without `?torrent` (a webseed request, src/api/serveWebseed.ts). */
function webseedRequestFromHttpApi(event: APIGatewayProxyEventV2): WebseedRequest | ApiReply {
  const path = bucketAndKeyOf(event, '/{bucket}/{key}');
  if ('status' in path) return path;
  // Payload 2.0 lower-cases header names.
  return { method: event.requestContext.http.method, ...path, range: event.headers.range, requestId: event.requestContext.requestId };
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

export { asksForTorrent, httpApiResult, torrentRequestFromHttpApi, webseedRequestFromHttpApi };
