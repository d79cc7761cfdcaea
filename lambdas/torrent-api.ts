// torrent-api Lambda: GET|HEAD /{bucket}/{key+}?torrent behind an API Gateway HTTP API.
// Parse the event, call src/api, shape the reply; nothing else lives here.
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { httpApiResult, s3Error, serveTorrent, torrentRequestFromHttpApi } from '../src/api/index.js';
import { serviceConfigFrom } from '../src/config.js';
import { buildContexts } from '../src/service/buildContexts.js';

const logger = new Logger({ serviceName: 's3-torrent', logLevel: 'INFO' });
logger.appendKeys({ function: 'torrent-api' });

const { torrentApi } = buildContexts(serviceConfigFrom());

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const request = torrentRequestFromHttpApi(event);
  if (!('bucket' in request)) return httpApiResult(request);
  try {
    return httpApiResult(await serveTorrent(torrentApi, request));
  } catch (error) {
    logger.error('torrent request failed', { requestId: request.requestId, error: error as Error });
    return httpApiResult(s3Error('InternalError', `/${request.bucket}/${request.key}`, request.requestId));
  }
};
