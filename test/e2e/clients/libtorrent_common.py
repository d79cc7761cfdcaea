"""Session setup shared by libtorrent_download.py and libtorrent_seed.py.

Clients run as users configure them: libtorrent's default transports (uTP first, then TCP) and
encryption policy. Every peer in the tests is 127.0.0.1, so the only settings changed are the
ones loopback itself needs: many connections from one address, quick reconnects, no discovery
(see ../shared/notes/bittorrent-clients.md).
Progress and results go to stdout as one JSON object per line; diagnostics go to stderr, which
the TypeScript side keeps as the output tail for failure messages.
"""
import json
import os
import sys
import time

import libtorrent as lt

ALERT_MASK = (
    lt.alert.category_t.error_notification
    | lt.alert.category_t.status_notification
    | lt.alert.category_t.tracker_notification
    | lt.alert.category_t.connect_notification
)
# Set S3T_LIBTORRENT_PEER_LOG=1 to log every message to and from each peer (handshakes,
# extension handshakes, bitfield/have_all, requests): how to see what a client asked of a seeder.
if os.environ.get("S3T_LIBTORRENT_PEER_LOG") == "1":
    ALERT_MASK |= lt.alert.category_t.peer_log_notification


# Transports a test may force; "default" leaves libtorrent's own (uTP tried first, then TCP).
TRANSPORTS = {
    "default": {},
    "tcp": {"enable_outgoing_utp": False, "enable_incoming_utp": False},
    "utp": {"enable_outgoing_tcp": False, "enable_incoming_tcp": False},
}


def make_session(port: int, transport: str = "default") -> lt.session:
    """A session listening on 127.0.0.1:port (0: the kernel picks) with no discovery at all."""
    return lt.session({
        "listen_interfaces": f"127.0.0.1:{port}",
        "outgoing_interfaces": "127.0.0.1",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        # Every peer is 127.0.0.1: without this libtorrent keeps one connection per IP.
        "allow_multiple_connections_per_ip": True,
        # Reconnect fast to a peer that was not ready yet (the default waits 60 s).
        "min_reconnect_time": 1,
        "max_failcount": 1000,
        # Webseeds and trackers on localhost (s3rver presigned URLs carry a query string) are
        # exactly what SSRF mitigation refuses.
        "ssrf_mitigation": False,
        "announce_to_all_trackers": True,
        "announce_to_all_tiers": True,
        "alert_mask": ALERT_MASK,
        **TRANSPORTS[transport],
    })


def emit(event: str, **fields: object) -> None:
    """One JSON line on stdout for the harness."""
    print(json.dumps({"event": event, **fields}), flush=True)


def log_alerts(ses: lt.session) -> list:
    """Drains pending alerts, logging each to stderr with a timestamp; returns them."""
    alerts = ses.pop_alerts()
    for alert in alerts:
        print(f"{time.monotonic():.3f} {type(alert).__name__}: {alert.message()}", file=sys.stderr, flush=True)
    return alerts
