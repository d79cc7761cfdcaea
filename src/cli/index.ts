export { UsageError } from './errors.js';
export { ExitCode, runCli } from './runCli.js';
export type { CliDependencies, CliStreams } from './runCli.js';
