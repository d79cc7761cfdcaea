export { UsageError } from './errors.js';
export { ExitCode, runCli } from './runCli.js';
export type { CliStreams } from './runCli.js';
