import { S3TorrentError } from '../src/errors.js';

/**
 * Props given to `S3TorrentStack` that cannot deploy. Thrown once at construction with every
 * problem found, so an operator fixes them all in one go instead of one synth at a time.
 */
class InvalidStackPropsError extends S3TorrentError {
  /** One human-readable line per problem, in the order the props were checked. */
  public readonly problems: readonly string[];

  public constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`invalid S3TorrentStack props:\n- ${problems.join('\n- ')}`, options);
    this.name = 'InvalidStackPropsError';
    this.problems = problems;
  }
}

export { InvalidStackPropsError };
