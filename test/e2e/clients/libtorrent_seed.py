"""Seeds one torrent whose data already sits in DATA_DIR, with libtorrent.

Usage: libtorrent_seed.py TORRENT DATA_DIR PORT [REANNOUNCE_SECONDS]
Prints {"event":"listening","port":N} once the torrent is added and (when it has trackers)
every infohash it announces (v1 and v2 for a hybrid) has had a tracker reply, so leechers
started afterwards find it. It re-announces every REANNOUNCE_SECONDS (default 1) so that it
learns of new leechers and connects out to them: Transmission 3.00 never dials tracker peers on
127.0.0.0/8 and downloads only from peers that dial it. Runs until killed.
"""
import sys
import time

import libtorrent as lt

# No __pycache__ next to the sources for the shared module below.
sys.dont_write_bytecode = True
from libtorrent_common import emit, log_alerts, make_session

POLL_SECONDS = 0.05
READY_WAIT_SECONDS = 5


def main() -> None:
    torrent, data_dir, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    reannounce = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
    ses = make_session(port)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = data_dir
    # seed_mode: trust the data and hash pieces lazily as they are requested (a GiB file would
    # otherwise be fully re-hashed before the first byte is served).
    params.flags |= lt.torrent_flags.seed_mode | lt.torrent_flags.disable_pex
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    handle = ses.add_torrent(params)
    hashes = params.ti.info_hashes()
    expected_replies = (1 if hashes.has_v1() else 0) + (1 if hashes.has_v2() else 0)
    if len(list(params.ti.trackers())) == 0:
        expected_replies = 0
    replies = 0
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while replies < expected_replies and time.monotonic() < deadline:
        replies += sum(1 for a in log_alerts(ses) if isinstance(a, lt.tracker_reply_alert))
        time.sleep(POLL_SECONDS)
    emit("listening", port=ses.listen_port(), trackerReplies=replies)
    next_announce = time.monotonic() + reannounce
    while True:
        log_alerts(ses)
        if expected_replies > 0 and time.monotonic() >= next_announce:
            handle.force_reannounce(0, -1, lt.reannounce_flags_t.ignore_min_interval)
            next_announce = time.monotonic() + reannounce
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    main()
