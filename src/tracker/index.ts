export { AnnounceEvent } from './constants.js';
export { TrackerBindError, TrackerError, TrackerOptionsError } from './errors.js';
export { TrackerServer } from './TrackerServer.js';
export type { AnnounceNotice, AnnounceUrls, TrackedPeer, TrackerOptions, TrackerRegistry, TrackerStats } from './types.js';
