import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpApiResult, isValidBucketName, keyProblem, s3Error, torrentRequestFromHttpApi } from '../../../src/api/index.js';

function event(rawPath: string, rawQueryString = 'torrent', method = 'GET'): APIGatewayProxyEventV2 {
  return {
    version: '2.0', routeKey: '$default', rawPath, rawQueryString, headers: {}, isBase64Encoded: false,
    requestContext: {
      accountId: '1', apiId: 'a', domainName: 'd', domainPrefix: 'd', requestId: 'req-1', routeKey: '$default', stage: '$default',
      time: '', timeEpoch: 0, http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: '' },
    },
  };
}

describe('Function: torrentRequestFromHttpApi', () => {
  it('decodes bucket and key, keeping slashes, spaces and Unicode', () => {
    expect(torrentRequestFromHttpApi(event('/public/dir/caf%C3%A9%20menu%2Fv2.pdf', 'torrent&format=hybrid'))).toEqual({
      method: 'GET', bucket: 'public', key: 'dir/café menu/v2.pdf', format: 'hybrid', requestId: 'req-1',
    });
  });

  it.each([
    ['no ?torrent', '/public/a', 'x=1', 'Only ?torrent requests are served here.'],
    ['no key', '/public', 'torrent', 'The path must be /{bucket}/{key}?torrent.'],
    ['an empty key', '/public/', 'torrent', 'The path must be /{bucket}/{key}?torrent.'],
    ['bad percent-encoding', '/public/%E0%A4%A', 'torrent', 'The path is not valid percent-encoding.'],
  ])('answers 400 InvalidArgument for %s', (_label, path, query, message) => {
    const reply = torrentRequestFromHttpApi(event(path, query));
    expect('status' in reply && reply.status).toBe(400);
    expect('body' in reply && reply.body).toContain(`<Code>InvalidArgument</Code><Message>${message}</Message>`);
  });
});

describe('Function: s3Error and httpApiResult', () => {
  it('writes S3-style XML with the request id and escapes the resource', () => {
    const reply = s3Error('NoSuchKey', '/b/<k>', 'r1');
    expect(reply.status).toBe(404);
    expect(reply.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>' +
        '<Resource>/b/&#60;k&#62;</Resource><RequestId>r1</RequestId></Error>',
    );
  });

  it('base64-encodes binary bodies only', () => {
    expect(httpApiResult({ status: 200, headers: {}, body: new Uint8Array([0, 255]) })).toMatchObject({ body: 'AP8=', isBase64Encoded: true });
    expect(httpApiResult({ status: 202, headers: {}, body: '{}' })).toMatchObject({ body: '{}', isBase64Encoded: false });
  });
});

describe('Function: isValidBucketName and keyProblem', () => {
  it.each(['public', 'my.bucket-1', 'abc'])('accepts the bucket %s', (name) => expect(isValidBucketName(name)).toBe(true));
  it.each(['ab', 'UPPER', '-lead', 'trail-', 'a..b', '192.168.1.1', 'x'.repeat(64), 'under_score'])('rejects the bucket %s', (name) =>
    expect(isValidBucketName(name)).toBe(false));
  it('judges keys by their UTF-8 length', () => {
    expect(keyProblem('é'.repeat(512))).toBeUndefined();
    expect(keyProblem('é'.repeat(513))).toBe('too long');
    expect(keyProblem('')).toBe('empty');
    expect(keyProblem('\ud800')).toBe('not valid Unicode');
  });
});
