export { Seeder } from './Seeder.js';
export { DEFAULT_NEGATIVE_TTL_MS, IDLE_REASON, MAX_LOOKUPS_PER_SECOND, SwarmDirectory } from './SwarmDirectory.js';
export { DEFAULT_MAX_FETCHES, DEFAULT_PEER_PORT, DEFAULT_TRACKER_PORT, SeederEnv, seederConfigFrom } from './config.js';
export type { SeederClients, SeederEvents, SeederSettings } from './Seeder.js';
export type { AnonymousState, SwarmDirectoryOptions, SwarmMatch, SwarmSource } from './SwarmDirectory.js';
export type { SeederConfig } from './config.js';
