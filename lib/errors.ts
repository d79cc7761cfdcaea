import { S3TorrentError } from '../src/errors.js';

/**
 * Settings (stack props or `-c name=value` context) that cannot deploy. Thrown once at
 * construction with every problem found, so an operator fixes them all in one go instead of one
 * synth at a time; the message is one line, as `cdk synth` prints it.
 */
class InvalidSettingsError extends S3TorrentError {
  /** One human-readable sentence per problem, in the order the settings were checked. */
  public readonly problems: readonly string[];

  public constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`invalid s3-torrent settings: ${problems.join('; ')}`, options);
    this.name = 'InvalidSettingsError';
    this.problems = problems;
  }
}

/**
 * The stack packs a file that `npm run build` writes (the seeder bundle) and it is not there:
 * synthesising would stage an image without its program.
 */
class MissingBuildError extends S3TorrentError {
  public readonly file: string;

  public constructor(file: string, options?: ErrorOptions) {
    super(`${file} is missing: run \`npm run build\` (npm ci does it) before cdk synth or deploy`, options);
    this.name = 'MissingBuildError';
    this.file = file;
  }
}

export { InvalidSettingsError, MissingBuildError };
