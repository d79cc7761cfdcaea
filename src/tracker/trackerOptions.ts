import { isIP } from 'node:net';
import {
  DEFAULT_INTERVAL_SECONDS,
  DEFAULT_MAX_NUMWANT,
  DEFAULT_MEMORY_BYTES,
  DEFAULT_MIN_INTERVAL_SECONDS,
  DEFAULT_PEER_TTL_SECONDS,
} from './constants.js';
import { TrackerOptionsError } from './errors.js';
import type { StoreStatus } from './shared/StoreConnection.js';
import type { SwarmStoreOptions } from './shared/storeOptions.js';
import type { AnnounceNotice, TrackedPeer, TrackerOptions, TrackerRegistry } from './types.js';

/** {@link TrackerOptions} with every default filled in, checked. */
interface ResolvedTrackerOptions {
  readonly hosts: readonly string[];
  readonly port: number;
  readonly registry: TrackerRegistry;
  readonly seeders: () => readonly TrackedPeer[];
  readonly onAnnounce: ((notice: AnnounceNotice) => void) | undefined;
  readonly intervalSeconds: number;
  readonly minIntervalSeconds: number;
  readonly peerTtlSeconds: number;
  readonly maxNumwant: number;
  readonly memoryBytes: number;
  readonly sharedStore: SwarmStoreOptions | undefined;
  readonly onSharedStoreStatus: (status: StoreStatus) => void;
  readonly now: () => number;
}

/** Largest interval or lifetime we take: one day; a longer one only keeps dead peers around. */
const MAX_SECONDS = 86_400;

/** Largest numwant cap we take; a UDP reply holds 238 peers at most anyway. */
const MAX_COUNT = 1_000_000;

/** Smallest memory budget: room for a few swarms of a few hundred peers; less would evict on every announce. */
const MIN_MEMORY_BYTES = 1024 * 1024;

/** Largest memory budget: 64 GiB, past any task's memory. */
const MAX_MEMORY_BYTES = 64 * 1024 * 1024 * 1024;

/**
 * Fills in defaults and checks every option, collecting all the problems before throwing.
 *
 * @throws TrackerOptionsError listing each problem.
 */
function resolveTrackerOptions(options: TrackerOptions): ResolvedTrackerOptions {
  const problems: string[] = [];
  const integer = (name: string, value: number | undefined, fallback: number, min: number, max: number): number => {
    const resolved = value ?? fallback;
    if (!Number.isSafeInteger(resolved) || resolved < min || resolved > max) problems.push(`${name} must be an integer from ${min} to ${max}, not ${resolved}`);
    return resolved;
  };
  if (options.hosts.length === 0) problems.push('hosts must name at least one address');
  for (const host of options.hosts) if (isIP(host) === 0) problems.push(`host "${host}" is not an IP address`);
  if (new Set(options.hosts).size !== options.hosts.length) problems.push('hosts must not repeat');
  const port = integer('port', options.port, 0, 0, 0xffff);
  const intervalSeconds = integer('intervalSeconds', options.intervalSeconds, DEFAULT_INTERVAL_SECONDS, 1, MAX_SECONDS);
  const minIntervalSeconds = integer('minIntervalSeconds', options.minIntervalSeconds, Math.min(DEFAULT_MIN_INTERVAL_SECONDS, intervalSeconds), 1, MAX_SECONDS);
  const peerTtlSeconds = integer('peerTtlSeconds', options.peerTtlSeconds, Math.max(DEFAULT_PEER_TTL_SECONDS, 3 * intervalSeconds), 1, 3 * MAX_SECONDS);
  if (minIntervalSeconds > intervalSeconds) problems.push(`minIntervalSeconds (${minIntervalSeconds}) must not exceed intervalSeconds (${intervalSeconds})`);
  // A peer must outlive the interval it was told to re-announce within, or it vanishes between announces.
  if (peerTtlSeconds <= intervalSeconds) problems.push(`peerTtlSeconds (${peerTtlSeconds}) must exceed intervalSeconds (${intervalSeconds})`);
  const maxNumwant = integer('maxNumwant', options.maxNumwant, DEFAULT_MAX_NUMWANT, 1, MAX_COUNT);
  const memoryBytes = integer('memoryBytes', options.memoryBytes, DEFAULT_MEMORY_BYTES, MIN_MEMORY_BYTES, MAX_MEMORY_BYTES);
  if (problems.length > 0) throw new TrackerOptionsError(problems);
  return Object.freeze({
    hosts: [...options.hosts],
    port,
    registry: options.registry,
    seeders: options.seeders,
    onAnnounce: options.onAnnounce,
    intervalSeconds,
    minIntervalSeconds,
    peerTtlSeconds,
    maxNumwant,
    memoryBytes,
    sharedStore: options.sharedStore,
    onSharedStoreStatus: options.onSharedStoreStatus ?? (() => undefined),
    now: options.now ?? Date.now,
  });
}

export { resolveTrackerOptions };
export type { ResolvedTrackerOptions };
