import { randomUUID } from 'node:crypto';

/** An S3 event-notification record as s3rver and RGW emit them (the parts we read). */
interface S3NotificationRecord {
  readonly eventName: string;
  readonly eventTime?: string;
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string; readonly sequencer?: string };
  };
}

/** The EventBridge event AWS delivers for an S3 object change (the fields our handlers use). */
interface S3EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Object Created' | 'Object Deleted';
  readonly source: 'aws.s3';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: {
    readonly version: '0';
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly etag?: string; readonly sequencer?: string };
    readonly 'request-id': string;
    readonly requester: string;
    readonly reason: string;
  };
}

/**
 * Translates a notification record into the EventBridge event AWS would deliver. S3
 * notifications URL-encode keys (`+` for space) and EventBridge does not; `keysEncoded` says
 * which the source does (s3rver: not encoded; RGW: encoded). Other event names give undefined.
 */
function eventBridgeEventFor(record: S3NotificationRecord, region: string, keysEncoded: boolean): S3EventBridgeEvent | undefined {
  const created = record.eventName.startsWith('ObjectCreated:');
  const deleted = record.eventName.startsWith('ObjectRemoved:');
  if (!created && !deleted) return undefined;
  const { bucket, object } = record.s3;
  const key = keysEncoded ? decodeURIComponent(object.key.replace(/\+/g, ' ')) : object.key;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': created ? 'Object Created' : 'Object Deleted',
    source: 'aws.s3',
    account: '000000000000',
    time: record.eventTime ?? new Date().toISOString(),
    region,
    resources: [`arn:aws:s3:::${bucket.name}`],
    detail: {
      version: '0',
      bucket: { name: bucket.name },
      object: { key, size: object.size, etag: object.eTag?.replace(/"/g, ''), sequencer: object.sequencer },
      'request-id': randomUUID(),
      requester: '000000000000',
      reason: created ? 'PutObject' : 'DeleteObject',
    },
  };
}

export { eventBridgeEventFor };
export type { S3EventBridgeEvent, S3NotificationRecord };
