export { AnnounceEvent } from './constants.js';
export { TrackerBindError, TrackerError, TrackerOptionsError } from './errors.js';
export { TrackerServer } from './TrackerServer.js';
export { SwarmStoreConfigError, SwarmStoreError, swarmStoreOptionsFrom } from './shared/index.js';
export type { SharedSwarmStats, StoreStatus, SwarmStoreOptions } from './shared/index.js';
export type { AnnounceNotice, AnnounceUrls, TrackedPeer, TrackerOptions, TrackerRegistry, TrackerStats } from './types.js';
