import { join } from 'node:path';
import type { AwsConfig } from '../config.js';
import { freeLoopbackPort } from './ports.js';
import { startDynamoDb } from './startDynamoDb.js';
import type { DynamoDbHandle } from './startDynamoDb.js';
import { startS3rver } from './startS3rver.js';
import type { S3rverHandle } from './startS3rver.js';
import { startSqs } from './startSqs.js';
import type { SqsHandle } from './startSqs.js';

interface StartEmulatorsOptions {
  /** Parent directory of the persistent data: `s3/` (s3rver) and `dynamodb/` (DynamoDB Local). */
  readonly dataDir: string;
  /** @default us-east-1 */
  readonly region?: string;
  /** Fixed ports; each one left out is picked free on loopback. */
  readonly ports?: { readonly s3?: number; readonly sqs?: number; readonly dynamoDb?: number };
}

interface Emulators {
  readonly s3: S3rverHandle;
  readonly sqs: SqsHandle;
  readonly dynamoDb: DynamoDbHandle;
  /** Endpoints for `awsClients` and for the handlers' environment. */
  readonly aws: AwsConfig;
  /** Stops all three (in parallel). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts s3rver, fauxqs and DynamoDB Local on loopback, S3 objects and DynamoDB tables persisted
 * under `dataDir` (SQS is in memory: fauxqs 1.9.2 has no persistence). If one fails to start,
 * the ones already running are stopped before the error is thrown.
 *
 * @throws EmulatorStartError from the emulator that failed.
 */
async function startEmulators(options: StartEmulatorsOptions): Promise<Emulators> {
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const s3 = await startS3rver({ port: options.ports?.s3 ?? 0, dataDir: join(options.dataDir, 's3') });
    started.push(s3);
    const sqs = await startSqs({ port: options.ports?.sqs ?? 0 });
    started.push(sqs);
    const dynamoDb = await startDynamoDb({ port: options.ports?.dynamoDb ?? (await freeLoopbackPort()), dataDir: join(options.dataDir, 'dynamodb') });
    started.push(dynamoDb);
    let stopping: Promise<void> | undefined;
    return {
      s3,
      sqs,
      dynamoDb,
      aws: Object.freeze({
        region: options.region ?? 'us-east-1',
        s3Endpoint: s3.endpoint,
        sqsEndpoint: sqs.endpoint,
        dynamoDbEndpoint: dynamoDb.endpoint,
      }),
      stop() {
        stopping ??= Promise.all(started.map((emulator) => emulator.stop())).then(() => undefined);
        return stopping;
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((emulator) => emulator.stop()));
    throw error;
  }
}

export { startDynamoDb } from './startDynamoDb.js';
export { startS3rver } from './startS3rver.js';
export { startSqs } from './startSqs.js';
export { startEmulators };
export type { DynamoDbHandle, StartDynamoDbOptions } from './startDynamoDb.js';
export type { S3ObjectEventListener, S3ObjectEventRecord, S3rverHandle, StartS3rverOptions } from './startS3rver.js';
export type { SqsHandle, StartSqsOptions } from './startSqs.js';
export type { Emulators, StartEmulatorsOptions };
