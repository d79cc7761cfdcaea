import type { BenchCase, CaseId } from './cases.js';
import { CLI } from './config.js';
import { failureOf, runBounded } from './run.js';

/** The fields of `s3-torrent inspect --json` the bench compares. */
interface InfoHashes {
  readonly infoHashV1: string | undefined;
  readonly infoHashV2: string | undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Reads a .torrent's infohashes with our own `inspect`, as a user would. */
async function inspectHashes(torrent: string): Promise<InfoHashes> {
  const result = await runBounded(process.execPath, [CLI, 'inspect', torrent, '--json']);
  const failure = failureOf(result);
  if (failure !== undefined) throw new Error(`inspect ${torrent} failed: ${failure}`);
  const parsed: unknown = JSON.parse(result.stdout);
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`inspect ${torrent} printed no JSON object`);
  const record = parsed as Record<string, unknown>;
  return { infoHashV1: optionalString(record['infoHashV1']), infoHashV2: optionalString(record['infoHashV2']) };
}

/** One line per check: "ok …" or "MISMATCH …", and whether it passed. */
interface Check {
  readonly passed: boolean;
  readonly line: string;
}

/**
 * Compares one infohash field of our .torrent and the reference tool's. Equal infohashes mean
 * byte-identical info dicts, so this checks the piece hashes, not just that we were fast.
 */
async function compareInfoHash(
  what: string,
  field: keyof InfoHashes,
  ours: string,
  theirs: string,
  reference: string,
): Promise<Check> {
  const [a, b] = await Promise.all([inspectHashes(ours), inspectHashes(theirs)]);
  const mine = a[field];
  const other = b[field];
  if (mine !== undefined && mine === other) return { passed: true, line: `ok: ${what} ${field} equals ${reference}'s (${mine})` };
  return {
    passed: false,
    line: `MISMATCH: ${what} ${field} ${mine ?? '(none)'} differs from ${reference}'s ${other ?? '(none)'}`,
  };
}

/**
 * The checks the bench runs on the .torrents of the last measured runs: v1 against mktorrent,
 * hybrid (v2 and its v1 half) against libtorrent, and the 1-thread outputs too (another code path).
 */
function infoHashChecks(cases: ReadonlyArray<BenchCase>): Array<() => Promise<Check>> {
  const output = (id: CaseId): string => cases.find((c) => c.id === id)?.output ?? '';
  return [
    () => compareInfoHash('ours v1', 'infoHashV1', output('oursV1'), output('mktorrent'), 'mktorrent'),
    () => compareInfoHash('ours v1 --threads 1', 'infoHashV1', output('oursV1Single'), output('mktorrentSingle'), 'mktorrent -t 1'),
    () => compareInfoHash('ours hybrid', 'infoHashV2', output('oursHybrid'), output('libtorrentHybrid'), 'libtorrent'),
    () => compareInfoHash('ours hybrid', 'infoHashV1', output('oursHybrid'), output('libtorrentHybrid'), 'libtorrent'),
    () => compareInfoHash('ours hybrid --threads 1', 'infoHashV2', output('oursHybridSingle'), output('libtorrentHybrid'), 'libtorrent'),
  ];
}

export { compareInfoHash, infoHashChecks, inspectHashes };
export type { Check, InfoHashes };
