import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { asksForTorrent, httpApiResult, isValidBucketName, keyProblem, s3Error, torrentRequestFromHttpApi, webseedRequestFromHttpApi } from '../../../src/api/index.js';

function event(rawPath: string, rawQueryString = 'torrent', method = 'GET', headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0', routeKey: '$default', rawPath, rawQueryString, headers, isBase64Encoded: false,
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

  it('keeps the trailing slash of a prefix (a key ending in "/" asks for the prefix torrent)', () => {
    expect(torrentRequestFromHttpApi(event('/public/climate/2026/'))).toEqual({
      method: 'GET', bucket: 'public', key: 'climate/2026/', format: undefined, requestId: 'req-1',
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

describe('Function: webseedRequestFromHttpApi', () => {
  it('reads a request without ?torrent as a webseed request: bucket, decoded key and Range', () => {
    const asked = event('/public/set1/.pad/1000', '', 'GET', { range: 'bytes=0-99' });
    expect(asksForTorrent(asked)).toBe(false);
    expect(webseedRequestFromHttpApi(asked)).toEqual({ method: 'GET', bucket: 'public', key: 'set1/.pad/1000', range: 'bytes=0-99', requestId: 'req-1' });
    expect(asksForTorrent(event('/public/a', 'torrent&format=v1'))).toBe(true);
  });

  it('answers 400 InvalidArgument for a path without a key', () => {
    const reply = webseedRequestFromHttpApi(event('/public/', ''));
    expect('status' in reply && reply.body).toContain('The path must be /{bucket}/{key}.');
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

  it('writes every character XML 1.0 cannot hold percent-encoded, so that the body stays well-formed', () => {
    const reply = s3Error('InvalidArgument', '/b/a\u0000\r\u001b\u007f\ud800\uffff😀', 'r1', 'not "v1\u0001"');
    expect(reply.body).toContain('<Message>not &#34;v1%01&#34;</Message><Resource>/b/a%00%0D%1B%7F%EF%BF%BD%EF%BF%BF😀</Resource>');
  });

  it('adds the headers it is given', () => {
    expect(s3Error('ServiceUnavailable', '/b/k', 'r1', undefined, { 'retry-after': '5' })).toMatchObject({
      status: 503, headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'r1', 'retry-after': '5' },
    });
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
    expect(keyProblem('é'.repeat(513))).toEqual({ code: 'KeyTooLongError', detail: undefined });
    expect(keyProblem('')).toEqual({ code: 'InvalidArgument', detail: 'The key is empty.' });
    expect(keyProblem('\ud800')).toEqual({ code: 'InvalidArgument', detail: 'The key is not valid Unicode.' });
  });
  it.each([['\u0000', 'U+0000'], ['\t', 'U+0009'], ['\u001b', 'U+001B'], ['\u007f', 'U+007F']])('rejects a key with the control character %j', (c, name) => {
    expect(keyProblem(`dir/a${c}b.bin`)).toEqual({
      code: 'InvalidArgument',
      detail: `The key contains a control character (${name}): keys with control characters (U+0000 to U+001F, U+007F) cannot be published.`,
    });
  });
  it('takes C1 controls and other Unicode S3 takes', () => {
    expect(keyProblem('a\u0085b \u00a0\u2028 😀.bin')).toBeUndefined();
  });
});
