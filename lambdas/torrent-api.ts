// torrent-api Lambda: GET|HEAD /{bucket}/{key+}?torrent behind an API Gateway HTTP API, and
// the same path without ?torrent: the webseed of v1 prefix torrents (pad files, redirects to S3).
// Parse the event, call src/api, shape the reply; nothing else lives here.
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { asksForTorrent, failureReply, httpApiResult, serveTorrent, serveWebseed, torrentRequestFromHttpApi, webseedRequestFromHttpApi } from '../src/api/index.js';
import { serviceConfigFrom } from '../src/config.js';
import { buildContexts } from '../src/service/buildContexts.js';
import { HandlerMetrics, METRICS_NAMESPACE, answeredMetricName } from '../src/service/metricNames.js';

const logger = new Logger({ serviceName: 's3-torrent', logLevel: 'INFO' });
logger.appendKeys({ function: HandlerMetrics.TorrentApi.service });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: HandlerMetrics.TorrentApi.service });

const { torrentApi } = buildContexts(serviceConfigFrom());

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!asksForTorrent(event)) {
    const request = webseedRequestFromHttpApi(event);
    const reply = 'bucket' in request ? serveWebseed(torrentApi, request) : request;
    metrics.addMetric(answeredMetricName(reply.status), MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return httpApiResult(reply);
  }
  const request = torrentRequestFromHttpApi(event);
  let reply;
  if (!('bucket' in request)) {
    reply = request;
  } else {
    try {
      reply = await serveTorrent(torrentApi, request);
    } catch (error) {
      logger.error('torrent request failed', { requestId: request.requestId, error: error as Error });
      // A failing S3 or DynamoDB is a 503 with Retry-After; only our own failures are a 500.
      reply = failureReply(error, request);
    }
  }
  // One count per answer class: 200 served, 202 still hashing, 4xx refused, 5xx failed.
  metrics.addMetric(answeredMetricName(reply.status), MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return httpApiResult(reply);
};
