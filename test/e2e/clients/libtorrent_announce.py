"""Joins a swarm through one tracker with libtorrent, then leaves it as a user's client does.

Usage: libtorrent_announce.py TORRENT TRACKER_URL SAVE_DIR quit|remove
Adds TORRENT with TRACKER_URL as its only tracker and prints {"event":"announced","port":N}
once that tracker has answered; it then runs (downloading, as any client would) until SIGTERM:
- quit: it quits as a client closed by its user does, destroying its session, and exits 0.
  libtorrent 2.0 announces event=stopped while the session closes, and waits for the reply (up
  to stop_tracker_timeout, 5 s by default), to HTTP trackers only: to a UDP tracker it sends
  nothing then (measured with 2.0.8).
- remove: it removes the torrent, as a user who deletes it from the list does, which announces
  event=stopped over HTTP or UDP, prints {"event":"removed"} and runs on until the next SIGTERM,
  then exits 0.
Exits 1 if the tracker has not answered within ANNOUNCE_WAIT_SECONDS.
"""
import signal
import sys
import threading
import time

import libtorrent as lt

# No __pycache__ next to the sources for the shared module below.
sys.dont_write_bytecode = True
from libtorrent_common import emit, log_alerts, make_session

POLL_SECONDS = 0.05
# A loopback tracker answers in milliseconds; this only bounds a broken run.
ANNOUNCE_WAIT_SECONDS = 15


def run_until(ses: lt.session, event: threading.Event) -> None:
    """Keeps draining alerts (to stderr) until `event` is set, and once more after."""
    while not event.is_set():
        log_alerts(ses)
        time.sleep(POLL_SECONDS)
    log_alerts(ses)


def main() -> None:
    torrent, tracker, save_dir, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    if mode not in ("quit", "remove"):
        print(f"mode must be quit or remove, not {mode}", file=sys.stderr, flush=True)
        sys.exit(2)
    # Before anything is announced: whoever reads "announced" may send SIGTERM at once.
    terms = [threading.Event(), threading.Event()]
    signal.signal(signal.SIGTERM, lambda _signum, _frame: (terms[1] if terms[0].is_set() else terms[0]).set())
    ses = make_session(0)
    params = lt.add_torrent_params()
    # The torrent's own trackers go (they sit outside the info dict: the infohash stays), so
    # that only TRACKER_URL hears of this client.
    with open(torrent, "rb") as file:
        metainfo = lt.bdecode(file.read())
    metainfo.pop(b"announce", None)
    metainfo.pop(b"announce-list", None)
    params.ti = lt.torrent_info(metainfo)
    params.trackers = [tracker]
    params.save_path = save_dir
    params.flags |= lt.torrent_flags.disable_pex
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    handle = ses.add_torrent(params)
    deadline = time.monotonic() + ANNOUNCE_WAIT_SECONDS
    answered = False
    while not answered and not terms[0].is_set() and time.monotonic() < deadline:
        answered = any(isinstance(a, lt.tracker_reply_alert) for a in log_alerts(ses))
        time.sleep(POLL_SECONDS)
    if not answered:
        print(f"no reply from {tracker} within {ANNOUNCE_WAIT_SECONDS} s", file=sys.stderr, flush=True)
        sys.exit(1)
    emit("announced", port=ses.listen_port())
    run_until(ses, terms[0])
    if mode == "remove":
        ses.remove_torrent(handle)
        emit("removed")
        run_until(ses, terms[1])
    # A clean quit: the session's destructor runs before the process exits.
    del handle
    del ses


if __name__ == "__main__":
    main()
