import { ObjectChangedError, ObjectMissingError, ObjectNotPublicError } from '../storage/index.js';
import type { Swarm } from '../wire/index.js';

/**
 * Stops `swarm` when a read of its bytes was refused for good: the object (or, for a prefix
 * swarm, any one member) changed, is no longer anonymously readable, or is gone. True when it
 * stopped it; other errors (S3 unavailable) leave it running, for the caller to report.
 */
function stopOnReadFailure(swarm: Swarm, error: unknown): boolean {
  if (error instanceof ObjectChangedError) swarm.stop('object changed in S3', error);
  else if (error instanceof ObjectNotPublicError || error instanceof ObjectMissingError) swarm.stop('object no longer anonymously readable', error);
  else return false;
  return true;
}

export { stopOnReadFailure };
