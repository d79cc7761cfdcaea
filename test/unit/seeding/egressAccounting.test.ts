import type { EgressIncrement } from '../../../src/records/index.js';
import { EgressAccounting, EgressLedger, MAX_REMEMBERED_PEERS } from '../../../src/seeding/index.js';
import type { EgressPeriod } from '../../../src/seeding/index.js';
import { AnnounceEvent } from '../../../src/tracker/index.js';
import type { AnnounceNotice } from '../../../src/tracker/index.js';
import type { Swarm } from '../../../src/wire/index.js';
import { pseudoRandomBytes } from '../../helpers/files.js';
import { memorySwarm } from '../../helpers/swarms.js';

const SIZE = 50_000;
const data = pseudoRandomBytes(SIZE, 'egress-unit');

async function swarmOf(key: string): Promise<Swarm> {
  return (await memorySwarm({ bucket: 'b', key, etag: '"e"' }, data)).swarm;
}

/** The swarm's infohashes: the v1 torrent's, then the hybrid's v1 and truncated v2. */
function hashesOf(swarm: Swarm): [string, string, string] {
  return [...swarm.torrent.views.keys()] as [string, string, string];
}

function notice(infoHashHex: string, port: number, event: AnnounceNotice['event'], downloaded: number, left: number): AnnounceNotice {
  return { infoHashHex, peer: { ip: '192.0.2.7', port }, event, downloaded, left };
}

describe('Class: EgressLedger', () => {
  it('counts one client announcing both infohashes of the hybrid torrent as one peer, and the v1 torrent apart', async () => {
    // Prepare
    const swarm = await swarmOf('hybrid.bin');
    const [v1, hybridV1, hybridV2] = hashesOf(swarm);
    const ledger = new EgressLedger();

    // Act
    for (const hash of [hybridV1, hybridV2]) ledger.announce(notice(hash, 6881, AnnounceEvent.Started, 0, SIZE), swarm);
    for (const hash of [hybridV1, hybridV2]) ledger.announce(notice(hash, 6881, AnnounceEvent.Completed, SIZE, 0), swarm);
    ledger.announce(notice(v1, 6881, AnnounceEvent.Started, 0, SIZE), swarm);
    const report = ledger.report();

    // Assess
    expect(report.figures).toEqual([expect.objectContaining({ peerDownloadedBytes: SIZE, completions: 1, seeds: 1, leechers: 1 })]);
  });

  it('credits a `left` reaching 0 as a completion, leaves stopped peers out of the swarm and forgets a withdrawn version', async () => {
    // Prepare
    const swarm = await swarmOf('stopped.bin');
    const [v1] = hashesOf(swarm);
    const ledger = new EgressLedger();
    ledger.announce(notice(v1, 1, AnnounceEvent.Started, 0, SIZE), swarm);
    ledger.announce(notice(v1, 2, AnnounceEvent.Started, 0, SIZE), swarm);
    ledger.announce(notice(v1, 3, AnnounceEvent.Started, 0, SIZE), swarm);

    // Act
    ledger.announce(notice(v1, 1, AnnounceEvent.Update, SIZE, 0), swarm);
    ledger.announce(notice(v1, 2, AnnounceEvent.Stopped, 100, SIZE - 100), swarm);
    const first = ledger.report();
    ledger.forgetPeersOf(swarm);
    const second = ledger.report();

    // Assess
    expect(first.figures).toEqual([expect.objectContaining({ peerDownloadedBytes: SIZE + 100, completions: 1, seeds: 1, leechers: 1 })]);
    expect(second.figures).toEqual([]);
  });

  it('follows no new peer past MAX_REMEMBERED_PEERS, so the cap only lowers the counts, and says how many it left out', async () => {
    // Prepare
    const swarm = await swarmOf('crowded.bin');
    const [v1] = hashesOf(swarm);
    const ledger = new EgressLedger();
    const peer = (i: number): AnnounceNotice => ({ ...notice(v1, 1 + (i % 60_000), AnnounceEvent.Started, 0, SIZE), peer: { ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, port: 1 + (i % 60_000) } });
    for (let i = 0; i < MAX_REMEMBERED_PEERS; i += 1) ledger.announce(peer(i), swarm);

    // Act: one more peer, which completes at once.
    const extra = peer(MAX_REMEMBERED_PEERS);
    ledger.announce(extra, swarm);
    ledger.announce({ ...extra, event: AnnounceEvent.Completed, downloaded: SIZE, left: 0 }, swarm);
    const report = ledger.report();

    // Assess
    expect(report.droppedUpdates).toBe(2);
    expect(report.figures).toEqual([expect.objectContaining({ completions: 0, peerDownloadedBytes: 0, leechers: MAX_REMEMBERED_PEERS, seeds: 0 })]);
  });

  it('takes served bytes from the swarm as they grow, never twice', async () => {
    // Prepare
    const swarm = await swarmOf('served.bin');
    const ledger = new EgressLedger();

    // Act
    swarm.recordServed(16_384);
    ledger.collectServed(swarm);
    ledger.collectServed(swarm);
    const first = ledger.report();
    swarm.recordServed(1_000);
    ledger.collectServed(swarm);
    const second = ledger.report();

    // Assess
    expect(first.figures).toEqual([expect.objectContaining({ object: swarm.torrent.object, size: SIZE, servedBytes: 16_384 })]);
    expect(second.figures).toEqual([expect.objectContaining({ servedBytes: 1_000 })]);
  });
});

describe('Class: EgressAccounting', () => {
  it('writes a failed increment again at the next flush, merged with what came since, and reports the failure', async () => {
    // Prepare
    const swarm = await swarmOf('retry.bin');
    const written: EgressIncrement[] = [];
    const periods: EgressPeriod[] = [];
    let failNext = true;
    const accounting = new EgressAccounting({
      flushMs: 3_600_000,
      swarms: () => [swarm],
      write: async (increment) => {
        if (failNext) {
          failNext = false;
          throw new Error('ProvisionedThroughputExceededException');
        }
        written.push(increment);
      },
      report: (period) => periods.push(period),
    });

    // Act
    swarm.recordServed(10_000);
    await accounting.tick();
    swarm.recordServed(5_000);
    await accounting.tick();
    await accounting.close();

    // Assess
    expect(written).toEqual([expect.objectContaining({ bucket: 'b', key: 'retry.bin', etag: '"e"', size: SIZE, servedBytes: 15_000 })]);
    expect(periods.map((period) => period.failedWrites)).toEqual([0, 1]);
    expect(periods[1]?.failure).toBe('ProvisionedThroughputExceededException');
  });

  it('closes within its bound when DynamoDB never answers, reporting the increments it could not write as dropped', async () => {
    // Prepare
    const swarm = await swarmOf('stuck.bin');
    const periods: EgressPeriod[] = [];
    const accounting = new EgressAccounting({
      flushMs: 3_600_000,
      swarms: () => [swarm],
      write: () => new Promise<void>(() => undefined),
      report: (period) => periods.push(period),
      closeFlushMs: 50,
    });
    swarm.recordServed(10_000);

    // Act
    await accounting.close();

    // Assess: the period was reported (metrics keep it); its write is counted as dropped.
    expect(periods.map((period) => [period.figures.length, period.droppedWrites])).toEqual([[1, 0], [0, 1]]);
  });
});
