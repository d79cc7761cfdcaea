/** The records table the local stack creates, as the CDK stack names it by default. */
const TABLE_NAME = 's3-torrent';

/** The local stack's private bucket for large .torrent files. */
const ARTIFACTS_BUCKET = 's3-torrent-artifacts';

export { ARTIFACTS_BUCKET, TABLE_NAME };
