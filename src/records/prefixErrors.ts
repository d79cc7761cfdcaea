import { RecordError } from './errors.js';
import type { RecordState } from './schema.js';

/**
 * The prefix record no longer holds the caller's snapshot in a state the step needs: another
 * snapshot replaced it, it was revoked or failed, or it is gone. The caller's work (a prefix
 * job) is obsolete: drop it, do not retry.
 */
class StalePrefixRecordError extends RecordError {
  public readonly bucket: string;
  public readonly prefix: string;
  public readonly snapshotId: string;
  /** The record's snapshot and state now; undefined when there is no record. */
  public readonly currentSnapshotId: string | undefined;
  public readonly currentState: RecordState | undefined;

  public constructor(
    bucket: string,
    prefix: string,
    snapshotId: string,
    current: { readonly snapshotId: string; readonly state: RecordState } | undefined,
    expected: string,
    options?: ErrorOptions,
  ) {
    const now = current === undefined ? 'there is no record' : `the record is ${current.state} for snapshot ${current.snapshotId}`;
    super(`prefix record of s3://${bucket}/${prefix} moved on: expected ${expected} for snapshot ${snapshotId}, but ${now}`, options);
    this.name = 'StalePrefixRecordError';
    this.bucket = bucket;
    this.prefix = prefix;
    this.snapshotId = snapshotId;
    this.currentSnapshotId = current?.snapshotId;
    this.currentState = current?.state;
  }
}

/** A snapshot's member list is in the artifacts bucket and the caller gave no way to read it. */
class ManifestUnavailableError extends RecordError {
  public constructor(bucket: string, prefix: string, artifactKey: string | undefined, options?: ErrorOptions) {
    super(`the member list of s3://${bucket}/${prefix} is ${artifactKey === undefined ? 'missing' : `the artifact ${artifactKey}, and no artifact reader was given`}`, options);
    this.name = 'ManifestUnavailableError';
  }
}

export { ManifestUnavailableError, StalePrefixRecordError };
