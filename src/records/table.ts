import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput, DynamoDBClient, TimeToLiveSpecification } from '@aws-sdk/client-dynamodb';
import { TableKeys } from './schema.js';

/** Longest wait for a new table to become ACTIVE (DynamoDB Local: instantly; AWS: seconds). */
const TABLE_ACTIVE_TIMEOUT_SECONDS = 120;

/** Everything needed to create the record table: the CreateTable input and its TTL setting. */
interface TableDefinition {
  readonly createTable: CreateTableCommandInput;
  /** For UpdateTimeToLive: segment results expire by `expiresAt` (epoch seconds). */
  readonly timeToLive: TimeToLiveSpecification;
}

/**
 * The record table as the CDK stack, the local stack and the tests create it: string `pk`/`sk`,
 * the `byBucket` index on `gsiBucket`/`gsiKey` projecting every attribute, on-demand billing.
 */
function recordTableDefinition(tableName: string): TableDefinition {
  return {
    createTable: {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TableKeys.PartitionKey, AttributeType: 'S' },
        { AttributeName: TableKeys.SortKey, AttributeType: 'S' },
        { AttributeName: TableKeys.ByBucketPartition, AttributeType: 'S' },
        { AttributeName: TableKeys.ByBucketSort, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: TableKeys.PartitionKey, KeyType: 'HASH' },
        { AttributeName: TableKeys.SortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: TableKeys.ByBucketIndex,
          KeySchema: [
            { AttributeName: TableKeys.ByBucketPartition, KeyType: 'HASH' },
            { AttributeName: TableKeys.ByBucketSort, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    },
    timeToLive: { AttributeName: TableKeys.ExpiresAt, Enabled: true },
  };
}

/**
 * Creates the record table (if absent), waits until it is ACTIVE and turns TTL on: for the local
 * stack and the tests; in AWS the CDK stack owns the table.
 */
async function createRecordTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const definition = recordTableDefinition(tableName);
  try {
    await client.send(new CreateTableCommand(definition.createTable));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: TABLE_ACTIVE_TIMEOUT_SECONDS }, { TableName: tableName });
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  // ENABLING is on its way; asking again while it is would be refused.
  if (status === undefined || status === 'DISABLED') {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: definition.timeToLive }));
  }
}

export { createRecordTable, recordTableDefinition };
export type { TableDefinition };
