import { RecordState } from '../records/index.js';
import type { PrefixRecord } from '../records/prefixSchema.js';
import type { Swarm } from '../wire/index.js';

/**
 * Stops a prefix swarm unless `record` (its prefix record now) is READY for the swarm's
 * snapshot; true when it stopped it. A snapshot is immutable: a member changed, made private or
 * deleted revokes it, and a new listing is a new snapshot.
 */
function stopUnlessSnapshotReady(swarm: Swarm, record: PrefixRecord | undefined): boolean {
  const snapshot = swarm.torrent.prefix;
  if (snapshot === undefined || !swarm.active) return false;
  if (record?.state === RecordState.Ready && record.snapshotId === snapshot.snapshotId) return false;
  swarm.stop(record === undefined ? 'prefix record deleted' : `prefix record is ${record.state} for snapshot ${record.snapshotId}`);
  return true;
}

/**
 * The prefixes a change of `key` may concern: each ancestor folder (`a/`, `a/b/`, ...) and the
 * key itself when it is one (a prefix record's own change is logged under its prefix).
 */
function prefixesOf(key: string): string[] {
  const prefixes: string[] = [];
  for (let at = key.indexOf('/'); at >= 0; at = key.indexOf('/', at + 1)) prefixes.push(key.slice(0, at + 1));
  return prefixes;
}

export { prefixesOf, stopUnlessSnapshotReady };
