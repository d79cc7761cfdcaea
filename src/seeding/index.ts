export { ChangeFeed, LOOKBACK_MS } from './ChangeFeed.js';
export { CLOSE_FLUSH_MS, EgressAccounting, MAX_UNWRITTEN_OBJECTS } from './EgressAccounting.js';
export { EgressLedger, MAX_PENDING_OBJECTS, MAX_REMEMBERED_PEERS, PEER_CREDIT_SIZES, PEER_MEMORY_MS } from './EgressLedger.js';
export { SafetyNet } from './SafetyNet.js';
export { Seeder } from './Seeder.js';
export { DEFAULT_NEGATIVE_TTL_MS, IDLE_REASON, MAX_LOOKUPS_PER_SECOND, SwarmDirectory } from './SwarmDirectory.js';
export {
  DEFAULT_CHANGE_POLL_MS,
  DEFAULT_EGRESS_FLUSH_MS,
  DEFAULT_MAX_FETCHES,
  DEFAULT_PEER_PORT,
  DEFAULT_RECHECKS_PER_SECOND,
  DEFAULT_RECHECK_MS,
  DEFAULT_TRACKER_MEMORY_BYTES,
  DEFAULT_TRACKER_PORT,
  SeederEnv,
  seederConfigFrom,
} from './config.js';
export { stopOnReadFailure } from './readFailure.js';
export { SAFETY_NET_TICK_MS } from './revalidation.js';
export type { ChangeFeedOptions } from './ChangeFeed.js';
export type { EgressAccountingOptions, EgressPeriod } from './EgressAccounting.js';
export type { EgressFigures, EgressReport } from './EgressLedger.js';
export type { SafetyNetOptions } from './SafetyNet.js';
export type { SeederClients, SeederEvents, SeederSettings } from './Seeder.js';
export type { AnonymousState, SwarmDirectoryOptions, SwarmMatch, SwarmSource } from './SwarmDirectory.js';
export type { SeederConfig } from './config.js';
