import { MAX_PAD_REPLY_BYTES, serveWebseed } from '../../../src/api/index.js';
import type { WebseedContext, WebseedRequest } from '../../../src/api/index.js';
import { byteRangeOf } from '../../../src/api/byteRange.js';
import { padFileSize } from '../../../src/api/serveWebseed.js';

const S3 = 'https://s3.eu-west-1.amazonaws.com';
const context: WebseedContext = { publishedBuckets: new Set(['open-data']), webseedBaseUrl: S3 };

function request(key: string, extra: Partial<WebseedRequest> = {}): WebseedRequest {
  return { method: 'GET', bucket: 'open-data', key, range: undefined, requestId: 'req-1', ...extra };
}

function bodyBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}

describe('Function: padFileSize', () => {
  it.each([
    ['climate/2026/.pad/1000', 1000],
    ['.pad/7', 7],
    ['a/b/.pad/262143', 262143],
  ])('reads the size of the pad file %s', (key, size) => {
    expect(padFileSize(key)).toBe(size);
  });

  it.each(['climate/.pad/0', 'climate/.pad/007', 'climate/.pad/12a', 'climate/.pad/', 'climate/pad/12', 'climate/.pad/12/x', '12', '.pad'])(
    'finds no pad file in %s', (key) => {
      expect(padFileSize(key)).toBeUndefined();
    },
  );
});

describe('Function: byteRangeOf', () => {
  it.each([
    ['bytes=0-99', 1000, { start: 0, end: 99 }],
    ['bytes=900-', 1000, { start: 900, end: 999 }],
    ['bytes=900-5000', 1000, { start: 900, end: 999 }],
    ['bytes=-10', 1000, { start: 990, end: 999 }],
    ['bytes=-5000', 1000, { start: 0, end: 999 }],
  ])('reads %s of %d bytes', (header, size, range) => {
    expect(byteRangeOf(header, size)).toEqual(range);
  });

  it.each(['bytes=1000-', 'bytes=-0'])('calls %s of 1000 bytes unsatisfiable', (header) => {
    expect(byteRangeOf(header, 1000)).toBe('unsatisfiable');
  });

  it.each([undefined, 'bytes=0-1,5-6', 'items=0-1', 'bytes=5-1', 'bytes=-', 'bytes=x-1'])('ignores %s (the whole representation)', (header) => {
    expect(byteRangeOf(header, 1000)).toBeUndefined();
  });
});

describe('Function: serveWebseed', () => {
  it('answers a pad file with that many zero bytes, cacheable forever', () => {
    const reply = serveWebseed(context, request('climate/2026/.pad/1000'));
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({ 'content-length': '1000', 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' });
    expect(reply.headers['cache-control']).toContain('immutable');
    const body = bodyBytes(reply.body);
    expect(body.length).toBe(1000);
    expect(body.every((byte) => byte === 0)).toBe(true);
  });

  it('answers the range a client asks of a pad file with 206 and Content-Range', () => {
    const reply = serveWebseed(context, request('climate/2026/.pad/1000', { range: 'bytes=100-299' }));
    expect(reply.status).toBe(206);
    expect(reply.headers).toMatchObject({ 'content-range': 'bytes 100-299/1000', 'content-length': '200' });
    expect(bodyBytes(reply.body).length).toBe(200);
  });

  it('answers HEAD of a pad file with its length and no body', () => {
    const reply = serveWebseed(context, request('climate/2026/.pad/1000', { method: 'HEAD' }));
    expect({ status: reply.status, length: reply.headers['content-length'], body: reply.body }).toEqual({ status: 200, length: '1000', body: '' });
  });

  it('answers 416 for a range past the end of a pad file', () => {
    const reply = serveWebseed(context, request('climate/2026/.pad/1000', { range: 'bytes=1000-1999' }));
    expect({ status: reply.status, range: reply.headers['content-range'] }).toEqual({ status: 416, range: 'bytes */1000' });
  });

  it('refuses, with why, a pad range larger than a Lambda reply can carry, but serves it in parts', () => {
    const size = MAX_PAD_REPLY_BYTES * 2;
    const whole = serveWebseed(context, request(`big/.pad/${size}`));
    expect(whole.status).toBe(501);
    expect(whole.body).toContain('<Code>NotImplemented</Code>');
    expect(whole.body).toContain('pad files');
    const part = serveWebseed(context, request(`big/.pad/${size}`, { range: `bytes=0-${MAX_PAD_REPLY_BYTES - 1}` }));
    expect({ status: part.status, length: bodyBytes(part.body).length }).toEqual({ status: 206, length: MAX_PAD_REPLY_BYTES });
  });

  it('answers 404 for a "pad file" of a piece or more: no torrent of ours has one', () => {
    expect(serveWebseed(context, request(`big/.pad/${64 * 1024 * 1024}`)).status).toBe(404);
  });

  it('redirects every other key to the object\'s public S3 URL, percent-encoded segment by segment', () => {
    const reply = serveWebseed(context, request('climate/2026/café menu/v#2.nc'));
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe(`${S3}/open-data/climate/2026/caf%C3%A9%20menu/v%232.nc`);
    expect(serveWebseed(context, request('climate/2026/a.nc', { method: 'HEAD' })).status).toBe(302);
  });

  it.each([
    ['a bucket this deployment does not publish', request('a.nc', { bucket: 'other-bucket' }), 404, 'NoSuchBucket'],
    ['an invalid bucket name', request('a.nc', { bucket: 'Bad_Bucket' }), 400, 'InvalidBucketName'],
    ['a key with a control character', request('a\u0001.nc'), 400, 'InvalidArgument'],
    ['a POST', request('a.nc', { method: 'POST' }), 405, 'MethodNotAllowed'],
  ])('refuses %s', (_label, asked, status, code) => {
    const reply = serveWebseed(context, asked);
    expect(reply.status).toBe(status);
    expect(reply.body).toContain(`<Code>${code}</Code>`);
  });

  it('says only ?torrent is served when the deployment writes no webseeds', () => {
    const reply = serveWebseed({ ...context, webseedBaseUrl: undefined }, request('climate/2026/.pad/10'));
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('Only ?torrent requests are served here');
  });
});
