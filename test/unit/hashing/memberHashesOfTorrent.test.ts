import { hashRange } from '../../../src/hashing/index.js';
import { MalformedTorrentError, TorrentFormat, buildTorrent } from '../../../src/torrent/index.js';
import { memberHashesOfTorrent } from '../../../src/torrent/memberHashesOfTorrent.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { memorySource } from '../../helpers/sources.js';

const KiB = 1024;
const hex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('hex');

describe('Function: memberHashesOfTorrent', () => {
  it.each([
    ['several pieces and a tail (the piece layer)', 5 * 64 * KiB + 99],
    ['exactly one piece (the pieces root)', 64 * KiB],
    ['one short piece (the pieces root)', 1],
  ])('gives back the hashes a hybrid torrent was built from: %s', async (_name, size) => {
    // Prepare
    const pieceLength = 64 * KiB;
    const data = pseudoRandomBytes(size, `of-torrent:${size}`);
    const range = await hashRange(memorySource(data), { size, pieceLength, threads: 0 });
    const { torrent } = buildTorrent({ size, pieceLength, v1: range.v1, v2: range.v2 }, { name: 'member.bin', format: TorrentFormat.Hybrid, webseeds: ['http://127.0.0.1/b/member.bin'] });
    // Act
    const hashes = memberHashesOfTorrent(torrent);
    // Assess
    expect({ size: hashes.size, pieceLength: hashes.pieceLength, v1: hex(hashes.v1), v2: hex(hashes.v2) }).toEqual({
      size, pieceLength, v1: hex(range.v1), v2: hex(range.v2),
    });
  });

  it('refuses a v1-only torrent (it has no v2 hashes) and bytes that are not a torrent', async () => {
    const data = pseudoRandomBytes(100 * KiB, 'v1 only');
    const range = await hashRange(memorySource(data), { size: data.length, pieceLength: 16 * KiB, threads: 0 });
    const v1Only = buildTorrent({ size: data.length, pieceLength: 16 * KiB, v1: range.v1 }, { name: 'm' }).torrent;
    expect(() => memberHashesOfTorrent(v1Only)).toThrow('expected a hybrid single-file torrent');
    expect(() => memberHashesOfTorrent(Buffer.from('d4:infoi1ee'))).toThrow(MalformedTorrentError);
  });
});
