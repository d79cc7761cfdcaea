import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { TorrentApiContext } from '../api/index.js';
import type { ServiceConfig } from '../config.js';
import type { HashJobContext } from '../jobs/index.js';
import { RecordStore } from '../records/index.js';
import { anonymousS3Client, signedS3Client } from '../storage/index.js';

/** How long a redirect to a large .torrent stays valid. */
const PRESIGNED_URL_SECONDS = 300;

/**
 * The clients and settings every handler needs, built once per process from the configuration.
 * Locally and on AWS the code is the same; only the endpoints in `config.aws` differ.
 */
function buildContexts(config: ServiceConfig): { hashJobs: HashJobContext; torrentApi: TorrentApiContext } {
  const { aws } = config;
  const dynamo = new DynamoDBClient({ region: aws.region, ...(aws.dynamoDbEndpoint === undefined ? {} : { endpoint: aws.dynamoDbEndpoint }) });
  const records = new RecordStore({ client: dynamo, tableName: config.tableName });
  const sqs = new SQSClient({ region: aws.region, ...(aws.sqsEndpoint === undefined ? {} : { endpoint: aws.sqsEndpoint }) });
  const anonymousS3 = anonymousS3Client(aws);
  const artifactsS3 = signedS3Client(aws);
  const shared = { records, anonymousS3, artifactsS3, artifactsBucket: config.artifactsBucket, sqs, hashQueueUrl: config.hashQueueUrl };
  return {
    hashJobs: {
      ...shared,
      settings: {
        trackers: config.trackers,
        webseedBaseUrl: config.webseedBaseUrl,
        segmentBytes: config.segmentBytes,
        hashThreads: config.hashThreads,
      },
    },
    torrentApi: {
      ...shared,
      publishedBuckets: config.publishedBuckets,
      defaultFormat: config.defaultFormat,
      waitMs: config.apiWaitMs,
      presignArtifact: (artifactKey) =>
        getSignedUrl(artifactsS3, new GetObjectCommand({ Bucket: config.artifactsBucket, Key: artifactKey }), {
          expiresIn: PRESIGNED_URL_SECONDS,
        }),
    },
  };
}

export { PRESIGNED_URL_SECONDS, buildContexts };
