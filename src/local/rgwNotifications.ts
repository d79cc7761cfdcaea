import { PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { createServer } from 'node:http';
import type { AwsConfig } from '../config.js';
import { LOCAL_CREDENTIALS } from '../service/credentials.js';
import { LocalResourceError } from './errors.js';
import { LOOPBACK_HOST } from './ports.js';
import type { S3NotificationRecord } from './s3Events.js';

/** A notification body larger than this is not RGW's: refuse it rather than buffer it. */
const MAX_NOTIFICATION_BYTES = 1024 * 1024;

/** Name of the RGW topic the local stack's notifications go through. */
const TOPIC_NAME = 's3-torrent-events';

/**
 * Receives RGW's bucket notifications: an HTTP POST with an S3-style `{"Records": […]}` body,
 * made while the upload request is still open. Answers 200 at once; records go to `onRecord`.
 */
async function startNotificationReceiver(onRecord: (record: S3NotificationRecord) => void): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_NOTIFICATION_BYTES) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      response.writeHead(200).end();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Records?: S3NotificationRecord[] };
        for (const record of body.Records ?? []) onRecord(record);
      } catch {
        // Not a notification: ignored, the upload it belongs to (if any) still succeeded.
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://${LOOPBACK_HOST}:${port}/`,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * Points `bucket`'s ObjectCreated and ObjectRemoved notifications at `receiverUrl`, through a
 * topic made with RGW's SNS-compatible API on the S3 endpoint itself.
 */
async function subscribeRgwBucket(aws: AwsConfig, s3: S3Client, bucket: string, receiverUrl: string): Promise<void> {
  const sns = new SNSClient({ region: aws.region, endpoint: aws.s3Endpoint, credentials: { ...LOCAL_CREDENTIALS } });
  try {
    const topic = await sns.send(new CreateTopicCommand({ Name: TOPIC_NAME, Attributes: { 'push-endpoint': receiverUrl } }));
    if (topic.TopicArn === undefined) throw new LocalResourceError(TOPIC_NAME, 'RGW returned no topic ARN');
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          TopicConfigurations: [{ Id: 's3-torrent', TopicArn: topic.TopicArn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }],
        },
      }),
    );
  } finally {
    sns.destroy();
  }
}

export { startNotificationReceiver, subscribeRgwBucket };
