import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { hashFile } from '../../src/hashing/index.js';
import { EmptyContentError, TorrentFormat, buildTorrent, decodeBencode, parseTorrent } from '../../src/torrent/index.js';
import type { BencodeDict } from '../../src/torrent/index.js';
import { tempDir, writeTestFile } from '../helpers/files.js';
import { SYSTEM_PYTHON, libtorrentCreate, mktorrentCreate } from '../helpers/tools.js';
import { infoBytes } from './infoBytes.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const BLOCK = 16 * KiB;

async function ourTorrent(path: string, pieceLength: number, format: TorrentFormat, threads: number) {
  const hashes = await hashFile(path, { pieceLength, v2: format === TorrentFormat.Hybrid, threads });
  return buildTorrent(hashes, { name: basename(path), format });
}

/** The awkward sizes the issue names, for a given piece length. */
function awkwardSizes(pieceLength: number): Array<[string, number]> {
  return [
    ['1 byte', 1],
    ['one block minus one', BLOCK - 1],
    ['one block', BLOCK],
    ['one piece', pieceLength],
    ['one piece plus one byte', pieceLength + 1],
    ['several pieces with an odd tail', 5 * pieceLength + 12_345],
  ];
}

describe('Parity with the reference tools', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('parity'));
  });
  afterAll(() => cleanup());

  describe.each([16 * KiB, 32 * KiB, 256 * KiB])('piece length %d', (pieceLength) => {
    it.each(awkwardSizes(pieceLength))('v1 info dict equals libtorrent v1_only for %s', async (_label, size) => {
      // Prepare
      const file = await writeTestFile(dir, `v1-${pieceLength}-${size}.bin`, size);
      // Act
      const [ours, reference] = await Promise.all([
        ourTorrent(file, pieceLength, TorrentFormat.V1, 2),
        libtorrentCreate(file, pieceLength, 'v1'),
      ]);
      // Assess
      expect(infoBytes(ours.torrent).toString('hex')).toBe(reference.info.toString('hex'));
      expect(ours.infoHashV1).toBe(reference.infoHashV1);
    });

    it.each(awkwardSizes(pieceLength))('hybrid info dict and infohashes equal libtorrent for %s', async (_label, size) => {
      const file = await writeTestFile(dir, `hy-${pieceLength}-${size}.bin`, size);
      const [ours, reference] = await Promise.all([
        ourTorrent(file, pieceLength, TorrentFormat.Hybrid, 2),
        libtorrentCreate(file, pieceLength, 'hybrid'),
      ]);
      expect(infoBytes(ours.torrent).toString('hex')).toBe(reference.info.toString('hex'));
      expect(ours.infoHashV1).toBe(reference.infoHashV1);
      expect(ours.infoHashV2).toBe(reference.infoHashV2);
      // piece layers sit outside the info dict: compare them too, clients verify pieces with them.
      const ourLayers = (decodeBencode(ours.torrent) as BencodeDict).get('piece layers');
      const refLayers = (decodeBencode(reference.torrent) as BencodeDict).get('piece layers');
      expect(ourLayers).toEqual(refLayers);
    });
  });

  describe.each([32 * KiB, 256 * KiB])('mktorrent, piece length %d', (pieceLength) => {
    it.each(awkwardSizes(pieceLength))('v1 info dict equals mktorrent for %s', async (_label, size) => {
      const file = await writeTestFile(dir, `mk-${pieceLength}-${size}.bin`, size);
      const [ours, reference] = await Promise.all([
        ourTorrent(file, pieceLength, TorrentFormat.V1, 0),
        mktorrentCreate(file, pieceLength, dir),
      ]);
      expect(infoBytes(ours.torrent).toString('hex')).toBe(infoBytes(reference).toString('hex'));
      expect(ours.infoHashV1).toBe(parseTorrent(reference).infoHashV1);
    });
  });

  describe('pieces larger than a hashing chunk (hashed incrementally)', () => {
    it.each([
      ['v1', TorrentFormat.V1],
      ['hybrid', TorrentFormat.Hybrid],
    ] as const)('%s of 8 MiB pieces with an odd tail equals libtorrent', async (label, format) => {
      const pieceLength = 8 * MiB;
      const file = await writeTestFile(dir, `big-${label}.bin`, 2 * pieceLength + 5 * MiB + 77);
      const [ours, reference] = await Promise.all([
        ourTorrent(file, pieceLength, format, 2),
        libtorrentCreate(file, pieceLength, format),
      ]);
      expect(infoBytes(ours.torrent).equals(reference.info)).toBe(true);
      expect(ours.infoHashV2).toBe(reference.infoHashV2);
    });
  });

  describe('an empty file', () => {
    it('is refused by us with EmptyContentError, as libtorrent refuses it', async () => {
      const file = await writeTestFile(dir, 'empty.bin', 0);
      await expect(hashFile(file)).rejects.toThrow(EmptyContentError);
      await expect(libtorrentCreate(file, 256 * KiB, 'v1')).rejects.toThrow(/invalid length of torrent/);
    });

    it('gets a torrent from mktorrent that libtorrent will not load', async () => {
      // Why we refuse: mktorrent writes a torrent of an empty file, but clients cannot use it.
      const file = await writeTestFile(dir, 'empty2.bin', 0);
      const torrentPath = `${file}.torrent`;
      await promisify(execFile)('mktorrent', ['-d', '-o', torrentPath, file]);
      const load = promisify(execFile)(SYSTEM_PYTHON, [
        '-c',
        'import sys, libtorrent as lt; lt.torrent_info(sys.argv[1])',
        torrentPath,
      ]);
      await expect(load).rejects.toThrow(/invalid length of torrent/);
      expect((await readFile(torrentPath)).length).toBeGreaterThan(0);
    });
  });
});
