import fc from 'fast-check';
import { InvalidJobError, JobType, parseHashJob } from '../../../src/queue/index.js';

describe('Function: parseHashJob', () => {
  it('reads an object job and quotes its ETag', () => {
    const job = parseHashJob(JSON.stringify({ type: 'object', bucket: 'b', key: 'a/b c.txt', etag: 'abc', size: 10 }));
    expect(job).toEqual({ type: JobType.Object, bucket: 'b', key: 'a/b c.txt', etag: '"abc"', size: 10 });
  });

  it("reads S3's EventBridge Object Created event as an upload", () => {
    const event = {
      version: '0', source: 'aws.s3', 'detail-type': 'Object Created',
      detail: { bucket: { name: 'public' }, object: { key: 'dir/file name.iso', size: 42, etag: 'd41d8cd98f00b204e9800998ecf8427e-2' } },
    };
    expect(parseHashJob(JSON.stringify(event))).toEqual({
      type: JobType.Upload, bucket: 'public', key: 'dir/file name.iso', etag: '"d41d8cd98f00b204e9800998ecf8427e-2"', size: 42,
    });
  });

  it('reads the hashing attempt of a segment job, and a segment job queued before attempts existed without one', () => {
    const segment = { type: 'segment', bucket: 'b', key: 'k', etag: '"e"', size: 32_768, pieceLength: 16_384, index: 1, offset: 16_384, length: 16_384 };
    expect(parseHashJob(JSON.stringify({ ...segment, attemptId: 'Ab3_-x9QzT0k' }))).toEqual({ ...segment, type: JobType.Segment, attemptId: 'Ab3_-x9QzT0k' });
    const old = parseHashJob(JSON.stringify(segment));
    expect(old).toEqual({ ...segment, type: JobType.Segment });
    expect(old).toHaveProperty('attemptId', undefined);
  });

  it('reads a prefix job', () => {
    const job = { type: 'prefix', bucket: 'b', prefix: 'climate/2026/', snapshotId: 'a'.repeat(64) };
    expect(parseHashJob(JSON.stringify(job))).toEqual({ ...job, type: JobType.Prefix });
  });

  it.each([
    ['a prefix job without the trailing slash', JSON.stringify({ type: 'prefix', bucket: 'b', prefix: 'climate', snapshotId: 'a'.repeat(64) }), 'job field "prefix" must be a prefix ending in "/"'],
    ['a prefix job with a short snapshot id', JSON.stringify({ type: 'prefix', bucket: 'b', prefix: 'c/', snapshotId: 'abc' }), 'job field "snapshotId" must be a snapshot id (64 hex digits)'],
    ['not JSON', '{', 'job message is not JSON'],
    ['an array', '[]', 'job message is not an object'],
    ['an unknown type', JSON.stringify({ type: 'x', bucket: 'b', key: 'k', etag: 'e', size: 1 }), 'unknown job type "x"'],
    ['a negative size', JSON.stringify({ type: 'object', bucket: 'b', key: 'k', etag: 'e', size: -1 }), 'job field "size" must be a byte count'],
    ['a segment without offset', JSON.stringify({ type: 'segment', bucket: 'b', key: 'k', etag: 'e', size: 1, pieceLength: 16384, index: 0, length: 1 }), 'job field "offset" must be a byte offset'],
    ['a segment with a malformed attempt', JSON.stringify({ type: 'segment', bucket: 'b', key: 'k', etag: 'e', size: 1, pieceLength: 16384, index: 0, offset: 0, length: 1, attemptId: 'a/b' }), 'job field "attemptId" must be a hashing attempt id'],
    ['an oversized message', 'x'.repeat(20_000), 'job message of 20000 bytes is too large'],
  ])('rejects %s with InvalidJobError', (_label, body, message) => {
    expect(() => parseHashJob(body)).toThrow(InvalidJobError);
    expect(() => parseHashJob(body)).toThrow(message);
  });

  it('throws nothing but InvalidJobError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.json(), (body) => {
        try {
          parseHashJob(body);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidJobError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
