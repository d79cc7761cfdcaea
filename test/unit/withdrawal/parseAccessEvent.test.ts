import { readFileSync, readdirSync } from 'node:fs';
import {
  MAX_ACCESS_EVENT_BYTES,
  MalformedAccessEventError,
  UnknownAccessEventError,
  parseAccessEvent,
  recheckMessage,
} from '../../../src/withdrawal/index.js';
import type { AccessEvent } from '../../../src/withdrawal/index.js';

// The access-events queue's messages as AWS delivers them: S3's EventBridge object events and
// CloudTrail records ("AWS API Call via CloudTrail"), one fixture file per shape.

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** A fixture's text, as the queue would hand it over. */
function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** A fixture changed by `edit` (applied to the parsed JSON). */
function edited(name: string, edit: (event: Record<string, any>) => void): string {
  const event = JSON.parse(fixture(name)) as Record<string, any>;
  edit(event);
  return JSON.stringify(event);
}

/** The error `act` throws, checked to be a `type` with a message matching `message`. */
function expectThrown(act: () => unknown, type: new (...args: never[]) => Error, message: RegExp): Error {
  let thrown: unknown;
  try {
    act();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  expect((thrown as Error).message).toMatch(message);
  return thrown as Error;
}

const EXPECTED: Record<string, AccessEvent> = {
  'object-deleted.json': {
    kind: 'object',
    bucket: 'public-datasets',
    key: 'climate/2026/run 7 (final).nc',
    reason: 'Object Deleted event (DeleteObject, Delete Marker Created) at 2026-05-02T10:15:30Z',
    deleted: true,
  },
  'object-deleted-lifecycle.json': {
    kind: 'object',
    bucket: 'public-datasets',
    key: 'tmp/ünïcode.bin',
    reason: 'Object Deleted event (Lifecycle Expiration, Permanently Deleted) at 2026-05-02T10:15:30Z',
    deleted: true,
  },
  'object-acl-updated.json': {
    kind: 'object',
    bucket: 'public-datasets',
    key: 'climate/2026/run 7 (final).nc',
    reason: 'Object ACL Updated event at 2026-05-02T10:15:30Z',
    deleted: false,
  },
  'cloudtrail-put-bucket-policy.json': { kind: 'bucket', bucket: 'public-datasets', reason: 'PutBucketPolicy on bucket public-datasets at 2026-05-02T11:00:00Z' },
  'cloudtrail-delete-bucket-policy.json': { kind: 'bucket', bucket: 'public-datasets', reason: 'DeleteBucketPolicy on bucket public-datasets at 2026-05-02T11:00:00Z' },
  'cloudtrail-put-bucket-acl.json': { kind: 'bucket', bucket: 'public-datasets', reason: 'PutBucketAcl on bucket public-datasets at 2026-05-02T11:00:00Z' },
  'cloudtrail-put-bucket-public-access-block.json': {
    kind: 'bucket',
    bucket: 'public-datasets',
    reason: 'PutBucketPublicAccessBlock on bucket public-datasets at 2026-05-02T11:00:00Z',
  },
  'cloudtrail-delete-bucket-public-access-block.json': {
    kind: 'bucket',
    bucket: 'public-datasets',
    reason: 'DeleteBucketPublicAccessBlock on bucket public-datasets at 2026-05-02T11:00:00Z',
  },
  'cloudtrail-put-bucket-ownership-controls.json': {
    kind: 'bucket',
    bucket: 'public-datasets',
    reason: 'PutBucketOwnershipControls on bucket public-datasets at 2026-05-02T11:00:00Z',
  },
  'cloudtrail-put-account-public-access-block.json': {
    kind: 'account',
    reason: "PutAccountPublicAccessBlock (the account's Block Public Access) at 2026-05-02T11:00:00Z",
  },
  'cloudtrail-delete-account-public-access-block.json': {
    kind: 'account',
    reason: "DeleteAccountPublicAccessBlock (the account's Block Public Access) at 2026-05-02T11:00:00Z",
  },
};

describe('Function: parseAccessEvent', () => {
  it('has an expectation for every fixture file, and a fixture for every expectation', () => {
    // Prepare & Act
    const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.json')).sort();

    // Assess
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('reads %s', (name, expected) => {
    // Prepare
    const body = fixture(name);

    // Act
    const event = parseAccessEvent(body);

    // Assess
    expect(event).toEqual(expected);
  });

  it('takes an account-level call that names a bucket for that bucket', () => {
    // Prepare: the API's PutPublicAccessBlock on a bucket, should CloudTrail record it by the API's name.
    const body = edited('cloudtrail-put-bucket-public-access-block.json', (event) => {
      event.detail.eventName = 'PutPublicAccessBlock';
    });

    // Act & Assess
    expect(parseAccessEvent(body)).toEqual({ kind: 'bucket', bucket: 'public-datasets', reason: 'PutPublicAccessBlock on bucket public-datasets at 2026-05-02T11:00:00Z' });
  });

  it('keeps reasons short: an event carrying a huge field gives a clipped reason', () => {
    // Prepare
    const body = edited('object-deleted.json', (event) => {
      event.time = 'x'.repeat(150);
      event.detail.reason = 'y'.repeat(199);
      event.detail['deletion-type'] = 'z'.repeat(199);
    });

    // Act
    const event = parseAccessEvent(body);

    // Assess
    expect(event.reason.length).toBeLessThanOrEqual(400);
    expect(event.reason.endsWith('…')).toBe(true);
  });

  describe('continuations', () => {
    it.each([
      [{ bucket: 'public-datasets' } as const, 'cursor-abc', { kind: 'bucket', bucket: 'public-datasets', reason: 'sweep at 2026-05-02T12:00:00.000Z', cursor: 'cursor-abc' }],
      [{ bucket: 'public-datasets' } as const, undefined, { kind: 'bucket', bucket: 'public-datasets', reason: 'sweep at 2026-05-02T12:00:00.000Z', cursor: undefined }],
      ['all' as const, 'cursor-xyz', { kind: 'account', reason: 'sweep at 2026-05-02T12:00:00.000Z', cursor: 'cursor-xyz' }],
    ])('reads back the re-check message for %j from %s', (scope, cursor, expected) => {
      // Prepare
      const body = recheckMessage(scope, 'sweep at 2026-05-02T12:00:00.000Z', cursor);

      // Act & Assess
      expect(parseAccessEvent(body)).toEqual(expected);
    });

    it('refuses a re-check message that names no scope', () => {
      const body = JSON.stringify({ source: 's3-torrent', 'detail-type': 'Recheck Records', detail: { reason: 'sweep' } });
      expectThrown(() => parseAccessEvent(body), MalformedAccessEventError, /names neither a bucket nor scope "all"/);
    });
  });

  describe('malformed messages (dropped, never retried)', () => {
    it.each<[string, string, RegExp]>([
      ['not JSON', '{"source": "aws.s3", ', /^message is not JSON$/],
      ['a JSON array', '[1, 2, 3]', /^message is not an object$/],
      ['larger than any event', `"${'a'.repeat(MAX_ACCESS_EVENT_BYTES)}"`, /larger than any access event/],
      ['an object event without detail', edited('object-deleted.json', (event) => { delete event.detail; }), /^detail is not an object$/],
      ['an object event without bucket', edited('object-deleted.json', (event) => { delete event.detail.bucket; }), /^detail\.bucket is not an object$/],
      ['an object event whose bucket has a slash', edited('object-deleted.json', (event) => { event.detail.bucket.name = 'a/b'; }), /detail\.bucket\.name is not a bucket name: "a\/b"/],
      ['an object event with an empty key', edited('object-acl-updated.json', (event) => { event.detail.object.key = ''; }), /detail\.object\.key is not an object key: ""/],
      ['an object event with a numeric key', edited('object-acl-updated.json', (event) => { event.detail.object.key = 7; }), /detail\.object\.key is not an object key: 7/],
      ['a bucket call without requestParameters', edited('cloudtrail-delete-bucket-policy.json', (event) => { event.detail.requestParameters = null; }), /DeleteBucketPolicy has no requestParameters/],
      ['a bucket call without a bucket name', edited('cloudtrail-put-bucket-acl.json', (event) => { delete event.detail.requestParameters.bucketName; }), /requestParameters\.bucketName is not a bucket name/],
      ['a CloudTrail event without detail', edited('cloudtrail-put-bucket-policy.json', (event) => { event.detail = 'x'; }), /^detail is not an object$/],
    ])('refuses %s with MalformedAccessEventError', (_what, body, message) => {
      expectThrown(() => parseAccessEvent(body), MalformedAccessEventError, message);
    });
  });

  describe('events of other kinds (dropped, never retried)', () => {
    it.each<[string, string, RegExp]>([
      ['an "Object Created" event (the hash queue\'s)', edited('object-deleted.json', (event) => { event['detail-type'] = 'Object Created'; }), /"aws\.s3" \/ "Object Created"/],
      ['an EC2 event', edited('object-deleted.json', (event) => { event.source = 'aws.ec2'; }), /"aws\.ec2" \/ "Object Deleted"/],
      ['a CloudTrail record of another S3 call', edited('cloudtrail-put-bucket-policy.json', (event) => { event.detail.eventName = 'PutBucketTagging'; }), /"AWS API Call via CloudTrail" \/ "PutBucketTagging"/],
      ['a CloudTrail record of another service', edited('cloudtrail-put-bucket-policy.json', (event) => { event.detail.eventSource = 'ec2.amazonaws.com'; }), /"AWS API Call via CloudTrail" \/ "PutBucketPolicy"/],
      ['an object with neither source nor detail-type', '{}', /no source or detail-type/],
    ])('refuses %s with UnknownAccessEventError', (_what, body, message) => {
      const error = expectThrown(() => parseAccessEvent(body), UnknownAccessEventError, message);
      expect(error.name).toBe('UnknownAccessEventError');
    });
  });
});
