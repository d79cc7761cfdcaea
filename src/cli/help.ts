/** Usage texts, one per command; `s3-torrent <command> --help` prints them. */
const HELP = {
  main: `Usage: s3-torrent <command> [options]

Commands:
  create <file>            make a .torrent of a local file (v1 by default, --hybrid for v1+v2)
  inspect <file.torrent>   show what a .torrent holds
  magnet <file.torrent>    print its magnet link

Run 's3-torrent <command> --help' for the options of a command.`,
  create: `Usage: s3-torrent create <file> [options]

Hashes <file> in one pass on every core and writes a single-file .torrent, then prints its
infohashes and magnet link.

Options:
  -o, --output PATH         where to write the .torrent (default: <name>.torrent here)
      --piece-length BYTES  piece length, a power of two from 16k to 64M
                            (default: by file size, see the README's table)
      --announce URL        tracker URL; repeat for more trackers (one tier each)
      --webseed URL         BEP 19 webseed URL (url-list); repeatable
      --hybrid              write a hybrid v1+v2 (BEP 52) torrent instead of v1
      --name NAME           name clients save the file as (default: the file's name)
      --comment TEXT        comment stored in the torrent
      --no-date             omit 'creation date' (for byte-reproducible output)
      --threads N           hashing threads (default: one per core; 0 = no threads)
  -h, --help                show this help`,
  inspect: `Usage: s3-torrent inspect <file.torrent> [--json]

Shows name, size, piece length and count, v1/v2 infohashes, trackers, webseeds and the
magnet link of a single-file .torrent. The infohashes are computed from the file's own bytes.

Options:
      --json      print one JSON object instead of text
  -h, --help      show this help`,
  magnet: `Usage: s3-torrent magnet <file.torrent>

Prints the magnet link of a .torrent: btih (v1) and/or btmh (v2) infohashes, name,
trackers (tr) and webseeds (ws).

Options:
  -h, --help      show this help`,
} as const;

export { HELP };
