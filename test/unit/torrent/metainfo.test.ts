import { createHash } from 'node:crypto';
import {
  InvalidMetainfoError,
  MalformedTorrentError,
  TorrentFormat,
  buildTorrent,
  decodeBencode,
  encodeBencode,
  magnetLink,
  parseTorrent,
} from '../../../src/torrent/index.js';
import type { BencodeDict, Encodable, PieceHashes } from '../../../src/torrent/index.js';
import { hashRange } from '../../../src/hashing/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';

const PIECE = 16 * 1024;

async function hashesOf(data: Buffer): Promise<PieceHashes> {
  async function* once() {
    yield data;
  }
  const range = await hashRange(once(), { size: data.length, pieceLength: PIECE, threads: 0 });
  return { size: data.length, pieceLength: PIECE, v1: range.v1, v2: range.v2 };
}

describe('Function: buildTorrent and parseTorrent', () => {
  it('round-trips trackers, webseeds, comment and date through a v1 torrent', async () => {
    const hashes = await hashesOf(pseudoRandomBytes(3 * PIECE + 5, 'rt'));
    const built = buildTorrent(hashes, {
      name: 'report.pdf',
      trackers: [['http://127.0.0.1:6969/announce'], ['udp://127.0.0.1:6969']],
      webseeds: ['http://127.0.0.1:9000/public/report.pdf'],
      comment: 'quarterly',
      creationDate: 1_700_000_000,
    });
    const summary = parseTorrent(built.torrent);
    expect(summary).toMatchObject({
      name: 'report.pdf',
      size: 3 * PIECE + 5,
      pieceLength: PIECE,
      pieceCount: 4,
      metaVersion: 1,
      infoHashV1: built.infoHashV1,
      infoHashV2: undefined,
      trackers: [['http://127.0.0.1:6969/announce'], ['udp://127.0.0.1:6969']],
      webseeds: ['http://127.0.0.1:9000/public/report.pdf'],
      comment: 'quarterly',
      createdBy: 's3-torrent',
      creationDate: 1_700_000_000,
    });
  });

  it('writes announce alone for one tracker, like mktorrent', async () => {
    const hashes = await hashesOf(pseudoRandomBytes(10, 'one'));
    const root = decodeBencode(buildTorrent(hashes, { name: 'a', trackers: [['http://t/announce']] }).torrent) as BencodeDict;
    expect(Buffer.from(root.get('announce') as Uint8Array).toString()).toBe('http://t/announce');
    expect(root.has('announce-list')).toBe(false);
  });

  it('gives a hybrid torrent both infohashes over the same info dict', async () => {
    const hashes = await hashesOf(pseudoRandomBytes(5 * PIECE + 1, 'hy'));
    const built = buildTorrent(hashes, { name: 'x.bin', format: TorrentFormat.Hybrid });
    const summary = parseTorrent(built.torrent);
    expect(summary.metaVersion).toBe(2);
    expect(summary.infoHashV1).toBe(built.infoHashV1);
    expect(summary.infoHashV2).toBe(built.infoHashV2);
    expect(built.infoHashV2).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(['', '.', '..', 'a/b', 'a\\b', 'tab\there', 'x'.repeat(256)])('rejects the name %j', async (name) => {
    const hashes = await hashesOf(pseudoRandomBytes(10, 'n'));
    expect(() => buildTorrent(hashes, { name })).toThrow(InvalidMetainfoError);
  });

  it('rejects a tracker that is not a URL', async () => {
    const hashes = await hashesOf(pseudoRandomBytes(10, 'u'));
    expect(() => buildTorrent(hashes, { name: 'a', trackers: [['not a url']] })).toThrow('tracker "not a url" is not a valid URL');
  });

  it('rejects piece hashes that do not match the size', async () => {
    const hashes = await hashesOf(pseudoRandomBytes(2 * PIECE, 'm'));
    expect(() => buildTorrent({ ...hashes, size: 3 * PIECE }, { name: 'a' })).toThrow('expected 3 v1 piece hashes, got 2');
  });

  it('refuses a hybrid torrent without v2 hashes', async () => {
    const hashes = await hashesOf(pseudoRandomBytes(10, 'v'));
    expect(() => buildTorrent({ ...hashes, v2: undefined }, { name: 'a', format: TorrentFormat.Hybrid })).toThrow(
      'a hybrid torrent needs v2 hashes',
    );
  });
});

describe('Function: parseTorrent on bad input', () => {
  let hybrid: Uint8Array;

  beforeAll(async () => {
    const hashes = await hashesOf(pseudoRandomBytes(4 * PIECE + 3, 'bad'));
    hybrid = buildTorrent(hashes, { name: 'f', format: TorrentFormat.Hybrid, trackers: [['http://t/a']] }).torrent;
  });

  it('rejects every truncation of a valid torrent', () => {
    for (let length = 0; length < hybrid.length; length += 1) {
      expect(() => parseTorrent(hybrid.subarray(0, length))).toThrow(MalformedTorrentError);
    }
  });

  it('rejects piece layers that do not hash to the pieces root', () => {
    const root = decodeBencode(hybrid) as BencodeDict;
    const layers = root.get('piece layers') as BencodeDict;
    const [[key, layer]] = [...layers.entries()] as [[string, Uint8Array]];
    const tampered = Uint8Array.from(layer);
    tampered[0] = (tampered[0] as number) ^ 1;
    const rebuilt = encodeBencode(
      { info: reencode(root.get('info') as BencodeDict), 'piece layers': new Map([[Buffer.from(key, 'latin1'), tampered]]) },
    );
    expect(() => parseTorrent(rebuilt)).toThrow('"piece layers" does not hash to "pieces root"');
  });

  it('rejects a v1 pieces field of the wrong length', () => {
    const bad = encodeBencode({ info: { length: 100, name: 'a', 'piece length': PIECE, pieces: new Uint8Array(40) } });
    expect(() => parseTorrent(bad)).toThrow(/"pieces" holds 40 bytes, expected 1 × 20/);
  });

  it('rejects a torrent without an info dictionary', () => {
    expect(() => parseTorrent(encodeBencode({ announce: 'http://t/a' }))).toThrow('"info" must be a dictionary');
  });

  it('rejects an empty files list', () => {
    const multi = encodeBencode({ info: { files: [], name: 'd', 'piece length': PIECE, pieces: new Uint8Array(0) } });
    expect(() => parseTorrent(multi)).toThrow('"files" is empty');
  });

  it('takes the infohash from the original bytes', () => {
    const summary = parseTorrent(hybrid);
    const root = decodeBencode(hybrid) as BencodeDict;
    const infoBytes = encodeBencode(reencode(root.get('info') as BencodeDict));
    expect(summary.infoHashV1).toBe(createHash('sha1').update(infoBytes).digest('hex'));
  });
});

describe('Function: magnetLink', () => {
  it('writes btih for v1 and btmh with the sha2-256 multihash prefix for v2', () => {
    const link = magnetLink({
      infoHashV1: 'a'.repeat(40),
      infoHashV2: 'b'.repeat(64),
      name: 'my file.iso',
      trackers: [['http://t/announce?x=1&y=2']],
      webseeds: ['http://s3/bucket/my file.iso'],
    });
    expect(link).toBe(
      `magnet:?xt=urn:btih:${'a'.repeat(40)}&xt=urn:btmh:1220${'b'.repeat(64)}&dn=my%20file.iso` +
        '&tr=http%3A%2F%2Ft%2Fannounce%3Fx%3D1%26y%3D2&ws=http%3A%2F%2Fs3%2Fbucket%2Fmy%20file.iso',
    );
  });
});

/** A decoded dict (ASCII keys only, as in an info dict named in ASCII) back to an encodable object. */
function reencode(dict: BencodeDict): Encodable {
  return Object.fromEntries([...dict.entries()].map(([k, v]) => [k, v instanceof Map ? reencode(v) : (v as Encodable)]));
}
