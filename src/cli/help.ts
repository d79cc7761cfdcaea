/** Usage texts, one per command; `s3-torrent <command> --help` prints them. */
const HELP = {
  main: `Usage: s3-torrent <command> [options]

Commands:
  create <file>            make a .torrent of a local file (v1 by default, --hybrid for v1+v2)
  inspect <file.torrent>   show what a .torrent holds
  magnet <file.torrent>    print its magnet link
  local                    run the whole system on this machine (npm start)
  prewarm s3://b/k...      have a deployment hash objects now; exits when they are ready
  status s3://b/k...       what the records say of objects: state, reason, ETag, infohashes

Run 's3-torrent <command> --help' for the options of a command, 's3-torrent --version'
for the version.`,
  create: `Usage: s3-torrent create <file> [options]

Hashes <file> in one pass on every core and writes a single-file .torrent, then prints its
infohashes and magnet link.

Options:
  -o, --output PATH         where to write the .torrent (default: <name>.torrent here,
                            <name>.hybrid.torrent with --hybrid)
      --piece-length BYTES  piece length, a power of two from 16k to 64M
                            (default: by file size, see the README's table)
      --announce URL        tracker URL; repeat for more trackers (one tier each)
      --webseed URL         BEP 19 webseed URL (url-list), http or https; repeatable
      --hybrid              write a hybrid v1+v2 (BEP 52) torrent instead of v1
      --name NAME           name clients save the file as (default: the file's name)
      --comment TEXT        comment stored in the torrent
      --no-date             omit 'creation date' (for byte-reproducible output)
      --threads N           hashing threads (default: one per core; 0 = no threads)
  -h, --help                show this help`,
  inspect: `Usage: s3-torrent inspect <file.torrent> [--json]

Shows name, size, piece length and count, v1/v2 infohashes, trackers, webseeds and the
magnet link of a .torrent (single-file, or multi-file with its file count, as the API makes for
a prefix). The infohashes are computed from the file's own bytes.

Options:
      --json      print one JSON object instead of text
  -h, --help      show this help`,
  magnet: `Usage: s3-torrent magnet <file.torrent>

Prints the magnet link of a .torrent: btih (v1) and/or btmh (v2) infohashes, name,
trackers (tr) and webseeds (ws).

Options:
  -h, --help      show this help`,
  local: `Usage: s3-torrent local [--s3 embedded|rgw] [--s3-endpoint URL] [--data-dir DIR] [--handlers DIR]
                          [--seeders N]

Runs s3-torrent on this machine with no AWS account: S3, SQS and DynamoDB emulators on
loopback, the torrent API, and the hash workers, running the same handler code as the Lambdas.
Prints a line starting with 'ready' and the endpoints once everything is up; Ctrl-C stops it.

Options:
      --s3 embedded       s3rver in this process (default; it has no access control: every
                          object is public)
      --s3 rgw            a single-node Ceph RGW (Debian packages radosgw, ceph-mon,
                          ceph-osd, ceph-common), which enforces ACLs and bucket policies
      --s3-endpoint URL   any S3-compatible server you run yourself
      --data-dir DIR      where state lives (default .s3-torrent); a restart resumes from it
      --handlers DIR      run the Lambda bundles that 'cdk synth' wrote to DIR (e.g. cdk.out)
                          instead of the built-in handlers, with the hash threads the
                          function has on Lambda (its S3TORRENT_HASH_THREADS, else 0)
      --seeders N         run N seeder/trackers (default 1; up to 8) on consecutive ports from
                          6881 (peers) and 6969 (trackers), sharing their swarms through a
                          redis-server (Debian package redis-server) started on loopback, as
                          several Fargate tasks share Valkey
  -h, --help              show this help

Ports (environment): S3TORRENT_S3_PORT (9000), S3TORRENT_API_PORT (8080),
S3TORRENT_DYNAMODB_PORT (8000), S3TORRENT_SQS_PORT (9324).`,
  prewarm: `Usage: s3-torrent prewarm s3://bucket/key... [--api URL] [--format v1|hybrid] [--timeout SECONDS]
       s3-torrent prewarm --recursive s3://bucket/prefix... [--s3-endpoint URL] [...]

Asks the torrent API for each object's .torrent until it is ready, showing progress while the
deployment hashes it, so that the first downloader gets it at once. A target ending in '/'
(s3://bucket/data/2026/) is a prefix: its one multi-file torrent of every public object under
it is prewarmed (with --recursive, each object's own torrent instead).

Options:
      --api URL           the torrent API (default http://127.0.0.1:8080, the local stack)
      --format FORMAT     v1 or hybrid (default: the deployment's)
      --timeout SECONDS   give up after this long (default 3600)
  -r, --recursive         every object under each prefix (listed with your own S3
                          credentials from the environment: AWS_ACCESS_KEY_ID, ...)
      --s3-endpoint URL   S3 to list from with --recursive (the local stack's); default AWS
  -h, --help              show this help`,
  status: `Usage: s3-torrent status s3://bucket/key... [--json] [--table NAME] [--dynamodb-endpoint URL]
       s3-torrent status --recursive s3://bucket/prefix/... [--json] [...]

Shows what the records table says of each object: its state (PENDING, HASHING, READY,
REVOKED or FAILED), the reason if any, when it changed, its ETag, its infohashes and how many
pieces are hashed. Exits 1 for an object with no record. A target ending in '/' without
--recursive is a prefix torrent: its snapshot's state, objects, objects left out (not public)
and infohashes.

Options:
      --json                    one JSON object per object (with a "state" field), one per line
  -r, --recursive               every record under each prefix, one line each
      --table NAME              the records table (default s3-torrent, the local stack's); on
                                AWS, the stack's RecordsTableName output
      --dynamodb-endpoint URL   DynamoDB to read (default http://127.0.0.1:8000, the local
                                stack's, unless --table is given: then AWS, in AWS_REGION, with
                                your own credentials)
  -h, --help                    show this help`,
} as const;

export { HELP };
