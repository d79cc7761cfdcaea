export { ARTIFACTS_BUCKET, TABLE_NAME, startLocalStack } from './LocalStack.js';
export { DEFAULT_PORTS, localStackConfigFrom } from './localConfig.js';
export { rgwAvailable, startRgw } from './rgw.js';
export type { LocalHandlers, LocalStack } from './LocalStack.js';
export type { LocalStackConfig, S3Backend } from './localConfig.js';
