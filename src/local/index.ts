export { ARTIFACTS_BUCKET, TABLE_NAME, startLocalStack } from './LocalStack.js';
export {
  describeCloudAssemblyHandlers,
  findCloudAssemblyHandlers,
  importCloudAssemblyHandlers,
  runtimeMismatch,
} from './cloudAssemblyHandlers.js';
export { CloudAssemblyError, HandlerBundleError, HandlerImportError } from './errors.js';
export { DEFAULT_PORTS, localStackConfigFrom } from './localConfig.js';
export { MAX_LOCAL_SEEDERS } from './localSeeders.js';
export { rgwAvailable, startRgw } from './rgw.js';
export { startRedis } from './startRedis.js';
export type { LocalHandlers, LocalStack, SwarmReport } from './LocalStack.js';
export type { CloudAssemblyHandlers, HandlerBundle } from './cloudAssemblyHandlers.js';
export type { LocalStackConfig, S3Backend } from './localConfig.js';
export type { RedisHandle, StartRedisOptions } from './startRedis.js';
