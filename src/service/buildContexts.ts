import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { TorrentCache } from '../api/index.js';
import type { TorrentApiContext } from '../api/index.js';
import { ConfigError, ServiceEnv } from '../config.js';
import type { ServiceConfig } from '../config.js';
import type { HashJobContext } from '../jobs/index.js';
import { RecordStore } from '../records/index.js';
import { BUCKET_VERDICT_TTL_MS, PublicAccess, anonymousS3Client, artifactReader } from '../storage/index.js';
import type { WithdrawalContext } from '../withdrawal/index.js';
import { awsClients } from './awsClients.js';

/** How long a redirect to a large .torrent stays valid. */
const PRESIGNED_URL_SECONDS = 300;

/** The contexts of the four handlers. */
interface HandlerContexts {
  readonly hashJobs: HashJobContext;
  readonly torrentApi: TorrentApiContext;
  /**
   * The access checker's and the sweep's.
   * @throws ConfigError when read without S3TORRENT_ACCESS_QUEUE_URL (only those two need it)
   */
  readonly withdrawal: WithdrawalContext;
}

/**
 * The clients and settings every handler needs, built once per process from the configuration.
 * Locally and on AWS the code is the same; only the endpoints in `config.aws` differ.
 */
function buildContexts(config: ServiceConfig): HandlerContexts {
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
  const { accessQueueUrl } = config;
  return {
    hashJobs: {
      ...shared,
      settings: {
        trackers: config.trackers,
        webseedBaseUrl: config.webseedBaseUrl,
        apiWebseedBaseUrl: config.apiWebseedBaseUrl,
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
      // The signed client lists published buckets for prefix torrents (s3:ListBucket): metadata only.
      listingS3: clients.s3,
      webseedBaseUrl: config.webseedBaseUrl,
      presignArtifact: (artifactKey) =>
        getSignedUrl(artifactsS3, new GetObjectCommand({ Bucket: config.artifactsBucket, Key: artifactKey }), {
          expiresIn: PRESIGNED_URL_SECONDS,
        }),
    },
    get withdrawal(): WithdrawalContext {
      if (accessQueueUrl === undefined) throw new ConfigError(ServiceEnv.AccessQueueUrl, 'is required by the access checker and the sweep');
      return {
        records,
        // S3's own answers (an unsigned HEAD, then its public verdict): never our reading of ACLs or policies.
        readability: (bucket, key) => publicAccess.check(bucket, key),
        forgetBucket: (bucket) => publicAccess.forgetBucket(bucket),
        publishedBuckets: config.publishedBuckets,
        sqs,
        hashQueueUrl: config.hashQueueUrl,
        accessQueueUrl,
        staleJobMs: config.staleJobSeconds * 1000,
        readArtifact: artifactReader({ artifactsS3, artifactsBucket: config.artifactsBucket }),
      };
    },
  };
}

export { PRESIGNED_URL_SECONDS, buildContexts };
export type { HandlerContexts };
