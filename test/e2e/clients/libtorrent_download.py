"""Downloads one torrent with libtorrent, for the end-to-end harness.

Usage: libtorrent_download.py SOURCE OUT_DIR [--transport=default|tcp|utp] [--peer=HOST:PORT]
                               [--no-trackers]
SOURCE is a .torrent path (v1, hybrid or v2) or a magnet link (urn:btih and/or urn:btmh).
--transport: libtorrent's defaults (uTP tried first, then TCP), TCP only, or uTP only.
--peer connects to that peer at once; --no-trackers drops the .torrent's trackers (the infohash
is unchanged), so that peer is the only one.
Prints {"event":"listening","port":N}, {"event":"first_byte","seconds":S} when the first
payload byte arrived (S from adding the torrent), then {"event":"done","name":...,"path":...,
"seconds":S} once every piece has passed its hash check (S) and is written to the file, and
exits 0. The harness bounds the run and kills
it on timeout.
"""
import os
import sys
import time

import libtorrent as lt

# No __pycache__ next to the sources for the shared module below.
sys.dont_write_bytecode = True
from libtorrent_common import emit, log_alerts, make_session

# Polling step: it bounds how precisely first_byte is timed (a tenth of the uTP fallback wait).
POLL_SECONDS = 0.02
# Writing out what is still buffered takes well under a second; this only bounds a stuck disk.
FLUSH_TIMEOUT_SECONDS = 30


def options(args: list) -> dict:
    """--name=value and --flag arguments after the two positional ones."""
    parsed = {}
    for arg in args:
        name, _, value = arg.removeprefix("--").partition("=")
        parsed[name] = value
    return parsed


def torrent_info(path: str, keep_trackers: bool) -> lt.torrent_info:
    with open(path, "rb") as f:
        torrent = lt.bdecode(f.read())
    if not keep_trackers:
        torrent.pop(b"announce", None)
        torrent.pop(b"announce-list", None)
    return lt.torrent_info(torrent)


def flush_writes(ses: lt.session, handle: lt.torrent_handle) -> None:
    """Waits until every block is in the file: a piece counts as done once hashed, which can be
    before its last blocks were written, and the harness kills the client at "done" (a fast
    download then left holes in the file). Pausing stops the torrent's storage behind every
    pending disk job, and libtorrent says so with torrent_paused_alert."""
    handle.pause()
    deadline = time.monotonic() + FLUSH_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if any(isinstance(alert, lt.torrent_paused_alert) for alert in log_alerts(ses)):
            return
        time.sleep(POLL_SECONDS)
    print(f"no torrent_paused_alert within {FLUSH_TIMEOUT_SECONDS} s", file=sys.stderr, flush=True)


def main() -> None:
    source, out_dir = sys.argv[1], sys.argv[2]
    opts = options(sys.argv[3:])
    ses = make_session(0, opts.get("transport", "default"))
    if source.startswith("magnet:"):
        params = lt.parse_magnet_uri(source)
    else:
        params = lt.add_torrent_params()
        params.ti = torrent_info(source, "no-trackers" not in opts)
    if "peer" in opts:
        host, _, port = opts["peer"].rpartition(":")
        params.peers = [(host, int(port))]
    params.save_path = out_dir
    # PEX is a default plugin; with every peer on one address it only adds noise.
    params.flags |= lt.torrent_flags.disable_pex | lt.torrent_flags.disable_dht | lt.torrent_flags.disable_lsd
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    added = time.monotonic()
    handle = ses.add_torrent(params)
    emit("listening", port=ses.listen_port())
    first_byte = False
    while True:
        log_alerts(ses)
        status = handle.status()
        if not first_byte and status.total_payload_download > 0:
            first_byte = True
            emit("first_byte", seconds=time.monotonic() - added)
        # is_seeding: every wanted piece downloaded and hash-checked (v1 SHA-1 and/or v2 Merkle).
        if status.has_metadata and status.is_seeding and status.total_wanted_done == status.total_wanted:
            seconds = time.monotonic() - added
            flush_writes(ses, handle)
            name = handle.torrent_file().name()
            emit("done", name=name, path=os.path.join(out_dir, name), bytes=status.total_wanted, seconds=seconds)
            return
        if status.errc.value() != 0:
            print(f"torrent error: {status.errc.message()}", file=sys.stderr, flush=True)
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    main()
