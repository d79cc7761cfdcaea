import { S3TorrentError } from '../errors.js';

/** A queue message that is not a job we understand: it can never succeed (a poison message). */
class InvalidJobError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidJobError';
  }
}

/** SQS did not take some jobs: the caller must fail so that its own message is retried. */
class QueueSendError extends S3TorrentError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueueSendError';
  }
}

export { InvalidJobError, QueueSendError };
