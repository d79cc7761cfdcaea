import { OpsLogSplitter, storageRefusal } from '../../../src/local/rgwOpsLog.js';

// RGW's ops log as Ceph 16.2 writes it to its socket (an entry seen when a quota refused an
// upload, trimmed of fields that are not read; the query, doubled, is RGW's): `[` then `{…},\n` per request, never closed.
const REFUSED = '{"bucket":"public","operation":"put_obj","uri":"PUT /public/big.bin?x-id=PutObject?x-id=PutObject HTTP/1.1","http_status":"403",'
  + '"error_code":"QuotaExceeded","user_agent":"aws-cli/2 {curly} \\"quoted\\""}';
const CREATED = '{"bucket":"fill","operation":"create_bucket","uri":"PUT /fill HTTP/1.1","http_status":"200","error_code":""}';
const STREAM = `[${CREATED},\n${REFUSED},\n`;

describe('Class: OpsLogSplitter', () => {
  it('cuts the stream into its entries, braces and quotes inside strings included', () => {
    expect(new OpsLogSplitter().push(STREAM)).toEqual([CREATED, REFUSED]);
  });

  it('gives the same entries whatever the chunk boundaries', () => {
    for (const size of [1, 2, 7, 64]) {
      const splitter = new OpsLogSplitter();
      const entries: string[] = [];
      for (let at = 0; at < STREAM.length; at += size) entries.push(...splitter.push(STREAM.slice(at, at + size)));
      expect(entries).toEqual([CREATED, REFUSED]);
    }
  });

  it('skips an entry too long to be RGW\'s and goes on with the next', () => {
    const huge = `{"uri":"${'x'.repeat(100_000)}"}`;
    expect(new OpsLogSplitter().push(`[${huge},\n${REFUSED},\n`)).toEqual([REFUSED]);
  });
});

describe('Function: storageRefusal', () => {
  it('names the refused request, the capacity and what to do', () => {
    expect(storageRefusal(REFUSED, 33_554_432)).toBe(
      'S3 storage is full: the local Ceph RGW refused PUT /public/big.bin (403 QuotaExceeded), its capacity of '
      + '33554432 bytes is used up; delete objects, or restart with a larger S3TORRENT_RGW_CAPACITY_BYTES (the cluster starts empty)',
    );
  });

  it.each([
    ['a success', CREATED],
    ['another error', '{"uri":"GET /public/x HTTP/1.1","http_status":"404","error_code":"NoSuchKey"}'],
    ['text that is not JSON', '{"uri": nope}'],
  ])('says nothing of %s', (_what, entry) => {
    expect(storageRefusal(entry, 1)).toBeUndefined();
  });
});
