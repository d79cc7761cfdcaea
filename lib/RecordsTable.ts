import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TableKeys, recordTableDefinition } from '../src/records/index.js';
import { InvalidSettingsError } from './errors.js';

/**
 * What each kind of code does to the records (src/records/RecordStore.ts): the seeder reads,
 * polls the change log and revokes (a transaction that also puts the change item); the handlers
 * also create, advance and write segment results (transactions check each item's own action),
 * and a prefix job reads its members' records a hundred at a time (BatchGetItem);
 * the access checker and the sweep (src/withdrawal) read records one by one and by the byBucket
 * index, and revoke (with its change item), republish, reset and re-queue them. None of them
 * scans: a deployment names its buckets.
 */
const RecordAccess = {
  Seeder: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
  Handler: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
  Checker: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
} as const;
type RecordAccess = (typeof RecordAccess)[keyof typeof RecordAccess];

const KEY_TYPES: Readonly<Record<string, dynamodb.AttributeType>> = { S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER, B: dynamodb.AttributeType.BINARY };

/**
 * The records table, exactly as src/records lays it out for DynamoDB Local (keys, the byBucket
 * index, the TTL attribute are read from `recordTableDefinition`, not written twice): on-demand,
 * point-in-time recovery on, kept when the stack is deleted (it holds what is published).
 */
class RecordsTable extends Construct {
  public readonly table: dynamodb.Table;

  public constructor(scope: Construct, id: string) {
    super(scope, id);
    const { createTable, timeToLive } = recordTableDefinition('unused');
    const attribute = (name: string | undefined): dynamodb.Attribute => {
      const definition = createTable.AttributeDefinitions?.find((candidate) => candidate.AttributeName === name);
      const type = KEY_TYPES[definition?.AttributeType ?? ''];
      if (name === undefined || type === undefined) throw new InvalidSettingsError([`record table key ${String(name)} has no attribute definition`]);
      return { name, type };
    };
    const keyOf = (schema: ReadonlyArray<{ AttributeName?: string; KeyType?: string }> | undefined, kind: 'HASH' | 'RANGE'): dynamodb.Attribute =>
      attribute(schema?.find((key) => key.KeyType === kind)?.AttributeName);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: keyOf(createTable.KeySchema, 'HASH'),
      sortKey: keyOf(createTable.KeySchema, 'RANGE'),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: timeToLive.AttributeName,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of createTable.GlobalSecondaryIndexes ?? []) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName ?? '',
        partitionKey: keyOf(index.KeySchema, 'HASH'),
        sortKey: keyOf(index.KeySchema, 'RANGE'),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  /** Lets `grantee` do `access` on the table and its byBucket index, nothing else. */
  public grant(grantee: iam.IGrantable, access: RecordAccess): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...access],
      resourceArns: [this.table.tableArn, `${this.table.tableArn}/index/${TableKeys.ByBucketIndex}`],
    });
  }
}

export { RecordAccess, RecordsTable };
