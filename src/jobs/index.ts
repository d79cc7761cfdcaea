export { ARTIFACT_KEY_PREFIX, artifactKeyFor, assembleTorrents } from './assembleTorrents.js';
export { handleHashMessages } from './handleHashMessages.js';
export { processHashJob } from './processHashJob.js';
export type { MessageResult, QueueMessage } from './handleHashMessages.js';
export type { JobOutcome } from './processHashJob.js';
export type { HashJobContext, PublishSettings } from './settings.js';
