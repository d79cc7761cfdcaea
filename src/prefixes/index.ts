export { PREFIX_ARTIFACT_ROOT, artifactReader, prefixArtifactKey, storeMembers } from './prefixArtifacts.js';
export { memberPath, memberPathProblem, prefixProblem, prefixTorrentName, prefixWebseedUrl } from './prefixPaths.js';
export { SNAPSHOT_ID_VERSION, planSnapshot, snapshotIdOf } from './snapshot.js';
export type { ArtifactsBucket } from './prefixArtifacts.js';
export type { PrefixSnapshotPlan } from './snapshot.js';
