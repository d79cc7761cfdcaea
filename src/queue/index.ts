export { InvalidJobError, QueueSendError } from './errors.js';
export { JobType, MAX_JOB_MESSAGE_BYTES, normalizeEtag, parseHashJob } from './jobs.js';
export { SQS_BATCH_SIZE, sendHashJobs } from './sendJobs.js';
export type { HashJob, ObjectJob, PrefixJob, SegmentJob, UploadEvent } from './jobs.js';
