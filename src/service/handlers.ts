/** The Lambda handlers (lambdas/<name>.ts), by the job each does. */
const HandlerRole = {
  HashWorker: 'hash-worker',
  TorrentApi: 'torrent-api',
  /** Consumes `access-events`: re-checks what a withdrawal event names. */
  AccessChecker: 'access-checker',
  /** Runs on a schedule: re-checks every record (the safety net for lost events). */
  Sweep: 'sweep',
} as const;
type HandlerRole = (typeof HandlerRole)[keyof typeof HandlerRole];

/** Every handler role, in the order tools list them. */
const HANDLER_ROLES: readonly HandlerRole[] = Object.values(HandlerRole);

/**
 * The resource metadata key the CDK stack puts on each function (`"s3-torrent:handler":
 * "hash-worker"`): tools reading a synthesised assembly (`s3-torrent local --handlers`) find a
 * function by its job this way, whatever its construct id or logical id.
 */
const HANDLER_METADATA_KEY = 's3-torrent:handler';

export { HANDLER_METADATA_KEY, HANDLER_ROLES, HandlerRole };
