import type { EgressTotals } from '../records/index.js';
import { formatBytes } from './sizes.js';

/** The egress totals of an object version or prefix snapshot, as status shows them. */
interface EgressView {
  /** Block bytes the seeders sent. Bytes clients took from the webseed (S3 GETs) are not counted: S3 bills them, we never see them. */
  readonly servedBytes: number;
  /** Completed downloads peers reported, and completions × size. */
  readonly completions: number;
  readonly deliveredBytes: number;
  /** Bytes peers reported downloading from anyone (us, each other, the webseed), clamped per peer. */
  readonly peerDownloadedBytes: number;
  /** The swarm as the last seeder to report saw it, and when. */
  readonly swarm: { readonly seeds: number; readonly leechers: number; readonly seenAt: string };
}

function egressViewOf(totals: EgressTotals): EgressView {
  return {
    servedBytes: totals.servedBytes,
    completions: totals.completions,
    deliveredBytes: totals.completions * totals.size,
    peerDownloadedBytes: totals.peerDownloadedBytes,
    swarm: totals.swarm,
  };
}

/** "served by us 1.2 GiB of 40 GiB delivered (3%)", what peers reported, and the swarm. */
function egressLines(egress: EgressView | null): string[] {
  if (egress === null) return ['served:       nothing counted yet (no seeder has reported this version)'];
  const served = `served by us ${formatBytes(egress.servedBytes)}`;
  const downloads = `${egress.completions} completed download${egress.completions === 1 ? '' : 's'}`;
  const share = egress.deliveredBytes === 0
    ? `${served}; ${downloads} reported`
    : `${served} of ${formatBytes(egress.deliveredBytes)} delivered (${Math.round((100 * egress.servedBytes) / egress.deliveredBytes)}%), ${downloads}`;
  const { seeds, leechers, seenAt } = egress.swarm;
  return [
    `served:       ${share}`,
    `reported:     peers reported ${formatBytes(egress.peerDownloadedBytes)} downloaded (from us, each other and the webseed)`,
    `swarm:        ${seeds} seed${seeds === 1 ? '' : 's'} and ${leechers} leecher${leechers === 1 ? '' : 's'} besides the seeder, at ${seenAt}`,
  ];
}

export { egressLines, egressViewOf };
export type { EgressView };
