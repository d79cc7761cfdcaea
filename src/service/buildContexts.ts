import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { TorrentCache } from '../api/index.js';
import type { TorrentApiContext } from '../api/index.js';
import type { ServiceConfig } from '../config.js';
import type { HashJobContext } from '../jobs/index.js';
import { RecordStore } from '../records/index.js';
import { BUCKET_VERDICT_TTL_MS, PublicAccess, anonymousS3Client } from '../storage/index.js';
import { awsClients } from './awsClients.js';

/** How long a redirect to a large .torrent stays valid. */
const PRESIGNED_URL_SECONDS = 300;

/**
 * The clients and settings every handler needs, built once per process from the configuration.
 * Locally and on AWS the code is the same; only the endpoints in `config.aws` differ.
 */
function buildContexts(config: ServiceConfig): { hashJobs: HashJobContext; torrentApi: TorrentApiContext } {
  const clients = awsClients(config.aws);
  const records = new RecordStore({ client: clients.documents, tableName: config.tableName });
  const { sqs } = clients;
  const anonymousS3 = anonymousS3Client(config.aws);
  // The signed client: the stack's own artifacts bucket is private.
  const artifactsS3 = clients.s3;
  // One verdict per process: the API and the hash-worker share its bucket cache. The signed
  // client asks S3 for the verdict (GetBucketPolicyStatus, GetObjectAcl); it never reads objects.
  const publicAccess = new PublicAccess(anonymousS3, clients.s3, BUCKET_VERDICT_TTL_MS, config.publicVerdict);
  const shared = {
    records,
    anonymousS3,
    publicAccess,
    artifactsS3,
    artifactsBucket: config.artifactsBucket,
    sqs,
    hashQueueUrl: config.hashQueueUrl,
  };
  return {
    hashJobs: {
      ...shared,
      settings: {
        trackers: config.trackers,
        webseedBaseUrl: config.webseedBaseUrl,
        segmentBytes: config.segmentBytes,
        hashThreads: config.hashThreads,
        inlineTorrentMaxBytes: config.inlineTorrentMaxBytes,
      },
    },
    torrentApi: {
      ...shared,
      publishedBuckets: config.publishedBuckets,
      defaultFormat: config.defaultFormat,
      waitMs: config.apiWaitMs,
      maxResponseTorrentBytes: config.maxResponseTorrentBytes,
      cache: new TorrentCache(),
      presignArtifact: (artifactKey) =>
        getSignedUrl(artifactsS3, new GetObjectCommand({ Bucket: config.artifactsBucket, Key: artifactKey }), {
          expiresIn: PRESIGNED_URL_SECONDS,
        }),
    },
  };
}

export { PRESIGNED_URL_SECONDS, buildContexts };
