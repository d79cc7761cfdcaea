"""Downloads one torrent with libtorrent, for the end-to-end harness.

Usage: libtorrent_download.py SOURCE OUT_DIR
SOURCE is a .torrent path (v1, hybrid or v2) or a magnet link (urn:btih and/or urn:btmh).
Prints {"event":"listening","port":N}, then {"event":"done","name":...,"path":...} once every
piece has passed its hash check, and exits 0. The harness bounds the run and kills it on timeout.
"""
import os
import sys
import time

import libtorrent as lt

# No __pycache__ next to the sources for the shared module below.
sys.dont_write_bytecode = True
from libtorrent_common import emit, log_alerts, make_session

POLL_SECONDS = 0.1


def main() -> None:
    source, out_dir = sys.argv[1], sys.argv[2]
    ses = make_session(0)
    if source.startswith("magnet:"):
        params = lt.parse_magnet_uri(source)
    else:
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(source)
    params.save_path = out_dir
    # PEX is a default plugin; with every peer on one address it only adds noise.
    params.flags |= lt.torrent_flags.disable_pex | lt.torrent_flags.disable_dht | lt.torrent_flags.disable_lsd
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    handle = ses.add_torrent(params)
    emit("listening", port=ses.listen_port())
    while True:
        log_alerts(ses)
        status = handle.status()
        # is_seeding: every wanted piece downloaded and hash-checked (v1 SHA-1 and/or v2 Merkle).
        if status.has_metadata and status.is_seeding and status.total_wanted_done == status.total_wanted:
            name = handle.torrent_file().name()
            emit("done", name=name, path=os.path.join(out_dir, name), bytes=status.total_wanted)
            return
        if status.errc.value() != 0:
            print(f"torrent error: {status.errc.message()}", file=sys.stderr, flush=True)
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    main()
