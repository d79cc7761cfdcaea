import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from '../../src/service/credentials.js';
import { TABLE_NAME } from '../../src/local/index.js';
import { RecordStore } from '../../src/records/index.js';
import { anonymousS3Client, baseS3Config } from '../../src/storage/index.js';
import type { StackEndpoints } from './stack.js';

/** The bench's SDK clients of one stack; destroy() closes their keep-alive connections. */
interface BenchClients {
  /** Signed, as a publisher uploads. */
  readonly publisher: S3Client;
  /** Unsigned, configured exactly as the torrent API's (the same factory). */
  readonly anonymous: S3Client;
  /** The record table, read as the torrent API reads it. */
  readonly records: RecordStore;
  destroy(): void;
}

function benchClients(endpoints: StackEndpoints): BenchClients {
  const aws = { region: 'us-east-1', s3Endpoint: endpoints.s3, dynamoDbEndpoint: endpoints.dynamoDb, sqsEndpoint: undefined };
  // Copies of the frozen credentials: the SDK writes bookkeeping into the object it is given.
  const publisher = new S3Client({ ...baseS3Config(aws), credentials: { ...LOCAL_CREDENTIALS } });
  const anonymous = anonymousS3Client(aws);
  const dynamo = new DynamoDBClient({ region: aws.region, endpoint: endpoints.dynamoDb, credentials: { ...LOCAL_CREDENTIALS } });
  return {
    publisher,
    anonymous,
    records: new RecordStore({ client: dynamo, tableName: TABLE_NAME }),
    destroy() {
      publisher.destroy();
      anonymous.destroy();
      dynamo.destroy();
    },
  };
}

export { benchClients };
export type { BenchClients };
