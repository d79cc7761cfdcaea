export { SwarmStoreConfigError, SwarmStoreError, SwarmStoreProtocolError, SwarmStoreUnavailableError } from './errors.js';
export { SharedSwarmSync } from './SharedSwarmSync.js';
export { DEFAULT_STORE_PORT, swarmStoreOptionsFrom } from './storeOptions.js';
export type { SharedSwarmStats, SharedSwarmSyncOptions } from './SharedSwarmSync.js';
export type { StoreStatus } from './StoreConnection.js';
export type { SwarmStoreOptions } from './storeOptions.js';
