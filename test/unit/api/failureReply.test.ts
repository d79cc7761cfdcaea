import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { UNAVAILABLE_RETRY_AFTER_SECONDS, failureReply } from '../../../src/api/index.js';
import { RecordContentionError } from '../../../src/records/index.js';
import { PublicVerdictUnavailableError, StorageUnavailableError, VerdictOperation } from '../../../src/storage/index.js';

// Failures of S3 and DynamoDB that the local emulators cannot be made to produce (throttling, a
// denied permission), built as the SDK builds them. The 5xx and no-answer cases run for real in
// test/integration/flow/apiErrors.test.ts.

const request = { method: 'GET', bucket: 'b', key: 'k', format: undefined, requestId: 'r1' };

function s3Failure(name: string, status: number, fault: 'client' | 'server'): S3ServiceException {
  return new S3ServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message: name });
}

describe('Function: failureReply', () => {
  it.each([
    ['S3 answering 500 to a HEAD (no code)', new StorageUnavailableError('reading failed', 'b', 'k', { cause: s3Failure('Unknown', 500, 'server') }), 'S3 failed to answer (500). Please try again.'],
    ['S3 slowing down', new StorageUnavailableError('reading failed', 'b', 'k', { cause: s3Failure('SlowDown', 503, 'server') }), 'S3 failed to answer (503 SlowDown). Please try again.'],
    ['S3 not answering', new StorageUnavailableError('reading failed', 'b', 'k', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) }), 'S3 failed to answer (ECONNREFUSED). Please try again.'],
    ['DynamoDB throttling (a 400)', new DynamoDBServiceException({ name: 'ProvisionedThroughputExceededException', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
      'A service this API depends on failed to answer (400 ProvisionedThroughputExceededException). Please try again.'],
    ['record writes that kept conflicting', new RecordContentionError('markReady b/k', 5), 'A service this API depends on failed to answer (conflicting writes). Please try again.'],
  ])('answers 503 ServiceUnavailable with Retry-After for %s', (_label, error, message) => {
    // Act
    const reply = failureReply(error, request);

    // Assess
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe(String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    expect(reply.body).toContain(`<Code>ServiceUnavailable</Code><Message>${message}</Message><Resource>/b/k</Resource>`);
  });

  it.each([
    ['a bug', new TypeError('x is undefined')],
    ['a permission the role lacks', new PublicVerdictUnavailableError(VerdictOperation.BucketPolicyStatus, 'b', 'k', { cause: s3Failure('AccessDenied', 403, 'client') })],
  ])('answers 500 InternalError, with no Retry-After, for %s', (_label, error) => {
    // Act
    const reply = failureReply(error, request);

    // Assess
    expect(reply.status).toBe(500);
    expect(reply.headers['retry-after']).toBeUndefined();
    expect(reply.body).toContain('<Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message>');
  });
});
