import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsConfig } from '../config.js';
import { baseS3Config } from '../storage/index.js';
import { LOCAL_CREDENTIALS } from './credentials.js';
import type { StaticCredentials } from './credentials.js';

/** The SDK v3 clients of one process: every handler and the local stack use these. */
interface AwsClients {
  readonly s3: S3Client;
  /** The low-level client: table administration (CreateTable, UpdateTimeToLive, ...). */
  readonly dynamoDb: DynamoDBClient;
  /** Plain JavaScript values in and out; what record code uses. */
  readonly documents: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  /** Closes the clients' keep-alive connections. */
  destroy(): void;
}

interface AwsClientsOptions {
  /**
   * Credentials for services whose endpoint is set (emulators, a local Ceph RGW). Services
   * without an endpoint (AWS) always use the SDK's default credential chain (the Lambda role).
   * @default { accessKeyId: 'test', secretAccessKey: 'test' }
   */
  readonly localCredentials?: StaticCredentials;
}

/**
 * Builds the S3, DynamoDB (plain and document) and SQS clients for `aws`. The same function
 * serves AWS and the local stack; only the endpoints in `aws` differ.
 *
 * A service with an endpoint set is an emulator (the contract of `AwsConfig`): it gets fixed
 * local credentials and, for S3, path-style URLs with checksums only when an operation requires
 * them (`baseS3Config` in src/storage). Those two S3 settings are applied only with an
 * endpoint: loopback has no per-bucket DNS names and s3rver stores aws-chunked bodies with
 * trailing checksums corrupted, while on AWS the SDK defaults are better (virtual-hosted URLs,
 * CRC32 on every upload and full-object validation on download cost nothing and catch
 * corruption).
 *
 * @example
 * const clients = awsClients(awsConfigFrom(new EnvReader()));
 * await clients.documents.send(new GetCommand({ TableName, Key }));
 */
function awsClients(aws: AwsConfig, options: AwsClientsOptions = {}): AwsClients {
  const localCredentials = options.localCredentials ?? LOCAL_CREDENTIALS;
  const credentialsFor = (endpoint: string | undefined): { credentials?: StaticCredentials } =>
    endpoint === undefined ? {} : { credentials: { ...localCredentials } };

  const s3 = new S3Client({ ...baseS3Config(aws), ...credentialsFor(aws.s3Endpoint) });
  const dynamoDb = new DynamoDBClient({
    region: aws.region,
    ...(aws.dynamoDbEndpoint === undefined ? {} : { endpoint: aws.dynamoDbEndpoint }),
    ...credentialsFor(aws.dynamoDbEndpoint),
  });
  const documents = DynamoDBDocumentClient.from(dynamoDb, {
    // Optional record fields are `T | undefined`; absent is what DynamoDB should store.
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient({
    region: aws.region,
    ...(aws.sqsEndpoint === undefined ? {} : { endpoint: aws.sqsEndpoint }),
    ...credentialsFor(aws.sqsEndpoint),
  });
  return {
    s3,
    dynamoDb,
    documents,
    sqs,
    destroy() {
      s3.destroy();
      documents.destroy();
      dynamoDb.destroy();
      sqs.destroy();
    },
  };
}

export { awsClients };
export type { AwsClients, AwsClientsOptions };
