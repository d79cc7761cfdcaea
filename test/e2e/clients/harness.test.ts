import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { freeLoopbackPort } from '../../../src/local/ports.js';
import { tempDir, writeTestFile } from '../../helpers/files.js';
import {
  announcedHashes,
  downloadWithAria2c,
  downloadWithLibtorrent,
  downloadWithQbittorrent,
  downloadWithTransmission,
  magnetFor,
  makeTorrent,
  seedWithLibtorrent,
  startOpentracker,
  startRangeServer,
} from './index.js';
import type { ClientRun, MadeTorrent, RunningRangeServer, RunningSeeder, RunningTracker } from './index.js';

// Proves the harness itself: every real client downloads from a python-libtorrent seeder
// through opentracker (v1 from mktorrent, hybrid from libtorrent, magnets) and from a webseed
// alone, and the bytes match. All runs go at once; they share one seeder per torrent.

const PIECE_LENGTH = 256 * 1024;
/** 3 MiB and an odd tail, so the last piece is short and not block-aligned. */
const FILE_SIZE = 12 * PIECE_LENGTH + 12_345;
const FILE_NAME = 'payload.bin';
const RUN_TIMEOUT_MS = 45_000;
/** Transmission waits for a rechoke (~10 s) before its first request. */
const TRANSMISSION_TIMEOUT_MS = 60_000;
const SETUP_TIMEOUT_MS = 30_000;
const CASE_TIMEOUT_MS = 75_000;

/** What each client puts in its HTTP User-Agent (aria2c says `aria2/1.36.0`). */
const USER_AGENTS: Readonly<Record<string, string>> = {
  aria2c: 'aria2/',
  libtorrent: 'libtorrent/',
  qbittorrent: 'qbittorrent/',
  transmission: 'transmission/',
};

interface Fixture {
  readonly root: string;
  readonly cleanup: () => Promise<void>;
  readonly dataFile: string;
  readonly sha256: string;
  readonly tracker: RunningTracker;
  readonly webseed: RunningRangeServer;
  readonly v1: MadeTorrent;
  readonly hybrid: MadeTorrent;
  readonly webseedV1: MadeTorrent;
  readonly webseedHybrid: MadeTorrent;
  readonly seeders: readonly RunningSeeder[];
}

interface Outcome {
  readonly path?: string;
  readonly error?: unknown;
  readonly ms: number;
}

type Case = readonly [name: string, start: (fixture: Fixture, run: ClientRun) => Promise<string>];

/**
 * The matrix. aria2c 1.36 and Transmission 3.00 cannot read hybrid torrents (see
 * ../shared/notes/bittorrent-clients.md), so they get v1 only.
 */
const CASES: readonly Case[] = [
  ['aria2c v1 torrent', (f, run) => downloadWithAria2c({ torrentFile: f.v1.torrentFile }, run)],
  ['aria2c v1 magnet', (f, run) => downloadWithAria2c({ magnet: magnetFor(f.v1, 'v1', [f.tracker.httpAnnounce]) }, run)],
  ['aria2c v1 magnet, udp tracker', (f, run) =>
    downloadWithAria2c({ magnet: magnetFor(f.v1, 'v1', [f.tracker.udpAnnounce]) }, { ...run, useUdpTrackers: true })],
  ['transmission v1 torrent', (f, run) =>
    downloadWithTransmission({ torrentFile: f.v1.torrentFile }, { ...run, timeoutMs: TRANSMISSION_TIMEOUT_MS })],
  ['libtorrent v1 torrent', (f, run) => downloadWithLibtorrent({ torrentFile: f.v1.torrentFile }, run)],
  ['libtorrent v1 magnet', (f, run) => downloadWithLibtorrent({ magnet: magnetFor(f.v1, 'v1', [f.tracker.httpAnnounce]) }, run)],
  ['libtorrent hybrid torrent', (f, run) => downloadWithLibtorrent({ torrentFile: f.hybrid.torrentFile }, run)],
  ['libtorrent hybrid v2 magnet', (f, run) =>
    downloadWithLibtorrent({ magnet: magnetFor(f.hybrid, 'v2', [f.tracker.httpAnnounce]) }, run)],
  ['qbittorrent v1 torrent', (f, run) => downloadWithQbittorrent({ torrentFile: f.v1.torrentFile }, run)],
  ['qbittorrent v1 magnet', (f, run) => downloadWithQbittorrent({ magnet: magnetFor(f.v1, 'v1', [f.tracker.httpAnnounce]) }, run)],
  ['qbittorrent hybrid torrent', (f, run) => downloadWithQbittorrent({ torrentFile: f.hybrid.torrentFile }, run)],
  ['aria2c webseed v1', (f, run) => downloadWithAria2c({ torrentFile: f.webseedV1.torrentFile }, run)],
  ['libtorrent webseed v1', (f, run) => downloadWithLibtorrent({ torrentFile: f.webseedV1.torrentFile }, run)],
  ['libtorrent webseed hybrid', (f, run) => downloadWithLibtorrent({ torrentFile: f.webseedHybrid.torrentFile }, run)],
  ['transmission webseed v1', (f, run) =>
    downloadWithTransmission({ torrentFile: f.webseedV1.torrentFile }, { ...run, timeoutMs: TRANSMISSION_TIMEOUT_MS })],
  ['qbittorrent webseed v1', (f, run) => downloadWithQbittorrent({ torrentFile: f.webseedV1.torrentFile }, run)],
];

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Torrents, tracker, webseed server and seeders: the seeders are up (and announced) on return. */
async function setUp(): Promise<Fixture> {
  const { dir: root, cleanup } = await tempDir('clients');
  const dataDir = join(root, 'data');
  await mkdir(dataDir);
  const dataFile = await writeTestFile(dataDir, FILE_NAME, FILE_SIZE);
  const webseed = await startRangeServer(dataFile);
  // The tracker URL goes into the torrents and the whitelist needs their hashes: port first.
  const trackerPort = await freeLoopbackPort();
  const announce = `http://127.0.0.1:${trackerPort}/announce`;
  const torrent = (name: string): string => join(root, name);
  const [v1, hybrid, webseedV1, webseedHybrid] = await Promise.all([
    makeTorrent(dataFile, { tool: 'mktorrent', pieceLength: PIECE_LENGTH, outFile: torrent('v1.torrent'), trackers: [announce] }),
    makeTorrent(dataFile, { tool: 'libtorrent-hybrid', pieceLength: PIECE_LENGTH, outFile: torrent('hybrid.torrent'), trackers: [announce] }),
    makeTorrent(dataFile, { tool: 'mktorrent', pieceLength: PIECE_LENGTH, outFile: torrent('webseed-v1.torrent'), webseeds: [webseed.url] }),
    makeTorrent(dataFile, {
      tool: 'libtorrent-hybrid', pieceLength: PIECE_LENGTH, outFile: torrent('webseed-hybrid.torrent'), webseeds: [webseed.url],
    }),
  ]);
  const tracker = await startOpentracker([...announcedHashes(v1), ...announcedHashes(hybrid)], { port: trackerPort });
  const seeders = await Promise.all([seedWithLibtorrent(v1.torrentFile, dataDir), seedWithLibtorrent(hybrid.torrentFile, dataDir)]);
  return { root, cleanup, dataFile, sha256: await sha256Of(dataFile), tracker, webseed, v1, hybrid, webseedV1, webseedHybrid, seeders };
}

describe('Harness: real BitTorrent clients', () => {
  let fixture: Fixture | undefined;
  const outcomes = new Map<string, Promise<Outcome>>();

  beforeAll(async () => {
    const f = await setUp();
    fixture = f;
    // Every run starts now and runs alongside the others; each test awaits its own.
    for (const [name, start] of CASES) {
      const began = performance.now();
      const outDir = join(f.root, 'out', name.replaceAll(/[^a-z0-9]+/gi, '-'));
      outcomes.set(name, start(f, { outDir, timeoutMs: RUN_TIMEOUT_MS, label: name }).then(
        (path) => ({ path, ms: performance.now() - began }),
        (error: unknown) => ({ error, ms: performance.now() - began }),
      ));
    }
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    const settled = await Promise.all([...outcomes].map(async ([name, outcome]) => [name, await outcome] as const));
    const timings = settled.map(([name, o]) => `${name}: ${(o.ms / 1000).toFixed(1)} s${o.error === undefined ? '' : ' (failed)'}`);
    console.log(`client runs:\n${timings.join('\n')}`);
    if (fixture === undefined) return;
    await Promise.all([...fixture.seeders.map((s) => s.stop()), fixture.tracker.stop(), fixture.webseed.stop()]);
    await fixture.cleanup();
  }, CASE_TIMEOUT_MS);

  it.each(CASES.map(([name]) => name))('%s downloads the exact bytes', async (name) => {
    // Act
    const outcome = await outcomes.get(name);

    // Assess
    if (outcome === undefined || fixture === undefined) throw new Error('set-up failed');
    if (outcome.error !== undefined) throw outcome.error;
    expect(basename(outcome.path ?? '')).toBe(FILE_NAME);
    expect(await sha256Of(outcome.path ?? '')).toBe(fixture.sha256);
    if (name.includes('webseed')) {
      // Its User-Agent on the webseed server proves this client fetched from it itself.
      const client = name.split(' ')[0] ?? '';
      expect(fixture.webseed.requests(USER_AGENTS[client])).toBeGreaterThan(0);
    }
  }, CASE_TIMEOUT_MS);
});
