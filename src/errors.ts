/**
 * Root of every error s3-torrent throws on purpose. Callers that need to tell our own, expected
 * failures (bad input, a changed object) from bugs can test `instanceof S3TorrentError`.
 */
class S3TorrentError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'S3TorrentError';
  }
}

export { S3TorrentError };
