// torrent-api Lambda: GET|HEAD /{bucket}/{key+}?torrent behind an API Gateway HTTP API, and
// the same path without ?torrent: the webseed of v1 prefix torrents (pad files, redirects to S3).
// Parse the event, call src/api, shape the reply; nothing else lives here.
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { asksForTorrent, failureReply, httpApiResult, serveTorrent, serveWebseed, torrentRequestFromHttpApi, webseedRequestFromHttpApi } from '../src/api/index.js';
import type { ApiReply } from '../src/api/index.js';
import { serviceConfigFrom } from '../src/config.js';
import { buildContexts } from '../src/service/buildContexts.js';
import { HandlerMetrics, METRICS_NAMESPACE, answeredMetricName } from '../src/service/metricNames.js';

const logger = new Logger({ serviceName: 's3-torrent', logLevel: 'INFO' });
logger.appendKeys({ function: HandlerMetrics.TorrentApi.service });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: HandlerMetrics.TorrentApi.service });

const { torrentApi } = buildContexts(serviceConfigFrom());

/** The reply to one request: a torrent (`?torrent`), or the v1 prefix torrents' webseed. */
async function replyTo(event: APIGatewayProxyEventV2): Promise<ApiReply> {
  if (!asksForTorrent(event)) {
    const request = webseedRequestFromHttpApi(event);
    return 'bucket' in request ? serveWebseed(torrentApi, request) : request;
  }
  const request = torrentRequestFromHttpApi(event);
  if (!('bucket' in request)) return request;
  try {
    return await serveTorrent(torrentApi, request);
  } catch (error) {
    logger.error('torrent request failed', { requestId: request.requestId, error: error as Error });
    // A failing S3 or DynamoDB is a 503 with Retry-After; only our own failures are a 500.
    return failureReply(error, request);
  }
}

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const reply = await replyTo(event);
  // One count per answer class: 200 served, 202 still hashing, 3xx redirected, 4xx refused, 5xx failed.
  metrics.addMetric(answeredMetricName(reply.status), MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return httpApiResult(reply);
};
