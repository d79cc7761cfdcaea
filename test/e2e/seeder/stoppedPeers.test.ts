import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLocalStackPorts } from '../../../src/local/localConfig.js';
import { freeLoopbackPort } from '../../../src/local/ports.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { SYSTEM_PYTHON } from '../../helpers/tools.js';
import { eventually, fetchWhenReady } from '../../integration/flow/localStackHarness.js';
import { killStack, startStackProcess, uploadToStack } from '../../integration/flow/stackProcess.js';
import type { RunningStack } from '../../integration/flow/stackProcess.js';
import { announceQuery, bdict, compactPeers, failureOf, httpGet } from '../../integration/tracker/trackerClients.js';
import { ClientError } from '../clients/ClientError.js';
import { describeExit, startProcess, within } from '../clients/process.js';
import type { ClientProcess } from '../clients/process.js';

// A client that quits cleanly sends event=stopped, and the tracker must forget it at once:
// every local peer is 127.0.0.1, and a client that allows one connection per address (libtorrent's
// default) stalls on a listed peer that is gone. python3-libtorrent joins the swarm through the
// tracker of `npm start` (dist/, HTTP or UDP alone), is seen in the swarm, quits on SIGTERM as a
// closed client does; the very next announce no longer lists it (no waiting: peers otherwise
// live for the tracker's peer lifetime, minutes).

const here = dirname(fileURLToPath(import.meta.url));
const ANNOUNCE_SCRIPT = join(here, '..', 'clients', 'libtorrent_announce.py');
const KEY = 'stopped/object.bin';
/** Bounds the client's start and first announce (its script gives up after 15 s by itself). */
const ANNOUNCED_TIMEOUT_MS = 30_000;
/** Bounds its clean exit: libtorrent waits at most stop_tracker_timeout (5 s) for the reply to stopped. */
const EXIT_TIMEOUT_MS = 15_000;
/** Bounds the wait for a stopped announce libtorrent sends without waiting (UDP): milliseconds on loopback. */
const STOPPED_TIMEOUT_MS = 10_000;

describe('Tracker of npm start: a libtorrent client that quits is dropped at once (event=stopped)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let stack: RunningStack | undefined;
  let torrentFile: string;
  let infoHash: Buffer;
  /** The port the test's own announces give; nothing listens there. */
  let probePort: number;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('stopped-peers'));
    const ports = await freeLocalStackPorts();
    // No webseed: a client in the swarm stays there, not on the S3 URL (it changes nothing here).
    stack = await startStackProcess(join(dir, 'data'), { ...ports.env, S3TORRENT_LOCAL_WEBSEEDS: 'off' });
    await uploadToStack(stack, 'public', KEY, pseudoRandomBytes(3 * 1024 * 1024 + 11, 'stopped-peers'));
    const reply = await fetchWhenReady(`${stack.ready['api'] ?? ''}/public/${KEY}?torrent`);
    expect(reply.status).toBe(200);
    infoHash = Buffer.from(reply.headers.get('x-s3torrent-infohash-v1') ?? '', 'hex');
    torrentFile = join(dir, 'object.bin.torrent');
    await writeFile(torrentFile, new Uint8Array(await reply.arrayBuffer()));
    probePort = await freeLoopbackPort();
  }, 150_000);

  afterAll(async () => {
    if (stack !== undefined) await killStack(stack, 'SIGTERM');
    await cleanup?.();
  });

  /** The peers an HTTP announce from 127.0.0.1:probePort gets, as `ip:port`. */
  async function peersListed(): Promise<string[]> {
    const tracker = new URL((stack?.ready['tracker'] ?? '').split(',')[0] ?? '');
    const reply = await httpGet('127.0.0.1', Number(tracker.port), `/announce?${announceQuery({ infoHash, port: probePort, numwant: 200 })}`);
    expect(failureOf(reply.body)).toBeUndefined();
    return compactPeers(bdict(reply.body).get('peers') as Uint8Array | undefined, 6);
  }

  /** The stack's tracker URL of one transport. */
  function trackerUrl(scheme: 'http:' | 'udp:'): string {
    const url = (stack?.ready['tracker'] ?? '').split(',').find((each) => each.startsWith(scheme)) ?? '';
    expect(url).toMatch(/^(http|udp):\/\/127\.0\.0\.1:\d+/);
    return url;
  }

  /**
   * Starts libtorrent_announce.py in `mode` on `tracker`; resolves once the tracker has answered
   * it, with its process, its peer address and a promise for its "removed" event.
   */
  async function joinSwarm(tracker: string, mode: 'quit' | 'remove'): Promise<{ client: ClientProcess; peer: string; removed: Promise<void> }> {
    let announced: (port: number) => void = () => undefined;
    let removed: () => void = () => undefined;
    const announcedPort = new Promise<number>((resolve) => {
      announced = resolve;
    });
    const removedEvent = new Promise<void>((resolve) => {
      removed = resolve;
    });
    const saveDir = join(dir, `client-${mode}-${tracker.slice(0, 3)}`);
    const client = startProcess(SYSTEM_PYTHON, [ANNOUNCE_SCRIPT, torrentFile, tracker, saveDir, mode], {
      onStdoutLine: (line) => {
        const event = line.startsWith('{') ? (JSON.parse(line) as { event?: string; port?: number }) : undefined;
        if (event?.event === 'announced' && event.port !== undefined) announced(event.port);
        if (event?.event === 'removed') removed();
      },
    });
    const port = await within(Promise.race([announcedPort, client.exited.then(() => undefined)]), ANNOUNCED_TIMEOUT_MS);
    if (port === undefined) {
      await client.stop();
      throw new ClientError('libtorrent', tracker, 'no "announced" event', client.outputTail());
    }
    return { client, peer: `127.0.0.1:${port}`, removed: removedEvent };
  }

  it('a client that quits is no longer listed once it has exited (HTTP: libtorrent announces stopped as its session closes)', async () => {
    // Prepare
    const { client, peer } = await joinSwarm(trackerUrl('http:'), 'quit');
    try {
      const whileRunning = await peersListed();

      // Act: quit it as its user would; announce again as soon as it has exited.
      process.kill(client.pid, 'SIGTERM');
      const exit = await within(client.exited, EXIT_TIMEOUT_MS);
      const afterQuit = await peersListed();

      // Assess
      expect(whileRunning).toContain(peer);
      expect(exit === undefined ? 'still running' : describeExit(exit)).toBe('exited with code 0');
      expect(afterQuit).not.toContain(peer);
    } finally {
      await client.stop();
    }
  }, 120_000);

  it.each([['HTTP', 'http:'], ['UDP', 'udp:']] as const)('a client that removes the torrent is no longer listed (%s)', async (_transport, scheme) => {
    // Prepare
    const { client, peer, removed } = await joinSwarm(trackerUrl(scheme), 'remove');
    try {
      const whileRunning = await peersListed();

      // Act: remove the torrent in the client, which announces stopped (UDP: not awaited by
      // libtorrent, so the tracker is asked until the peer is gone; peers otherwise live 15 min).
      process.kill(client.pid, 'SIGTERM');
      await within(removed, EXIT_TIMEOUT_MS);
      const gone = await eventually(async () => ((await peersListed()).includes(peer) ? undefined : true), STOPPED_TIMEOUT_MS, 100)
        .catch((error: unknown) => String(error));
      const stillRunning = client.pid > 0 && (await within(client.exited, 0)) === undefined;
      await client.stop();

      // Assess: dropped while the client still ran, after it announced stopped.
      expect(whileRunning).toContain(peer);
      expect(gone).toBe(true);
      expect(stillRunning).toBe(true);
      expect(client.outputTail()).toContain('sending announce (stopped)');
    } finally {
      await client.stop();
    }
  }, 120_000);
});
