export { prefixArtifactKey, storeMembers } from './prefixArtifacts.js';
export { memberPath, memberPathProblem, prefixProblem, prefixWebseedUrl } from './prefixPaths.js';
export { memberHashArtifactKey, memberHashesAt } from './memberHashes.js';
export type { BucketMember, KnownRecord, MemberFileHashes, MemberHashContext, MemberHashSource } from './memberHashes.js';
export { SNAPSHOT_ID_VERSION, planSnapshot, snapshotIdOf } from './snapshot.js';
export type { PrefixSnapshotPlan } from './snapshot.js';
