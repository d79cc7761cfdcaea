export { ChangeFeed, LOOKBACK_MS } from './ChangeFeed.js';
export { SafetyNet } from './SafetyNet.js';
export { Seeder } from './Seeder.js';
export { DEFAULT_NEGATIVE_TTL_MS, IDLE_REASON, MAX_LOOKUPS_PER_SECOND, SwarmDirectory } from './SwarmDirectory.js';
export {
  DEFAULT_CHANGE_POLL_MS,
  DEFAULT_MAX_FETCHES,
  DEFAULT_PEER_PORT,
  DEFAULT_RECHECKS_PER_SECOND,
  DEFAULT_RECHECK_MS,
  DEFAULT_TRACKER_PORT,
  SeederEnv,
  seederConfigFrom,
} from './config.js';
export { SAFETY_NET_TICK_MS } from './revalidation.js';
export type { ChangeFeedOptions } from './ChangeFeed.js';
export type { SafetyNetOptions } from './SafetyNet.js';
export type { SeederClients, SeederEvents, SeederSettings } from './Seeder.js';
export type { AnonymousState, SwarmDirectoryOptions, SwarmMatch, SwarmSource } from './SwarmDirectory.js';
export type { SeederConfig } from './config.js';
