"""A multi-file .torrent for a directory, written by python3-libtorrent's create_torrent.

Usage: libtorrent_create_dir.py DIR PIECE_LENGTH v1|hybrid OUT [--url-list=URL]
The torrent's name is DIR's last segment; files are every file under DIR (empty ones too).
v1 is v1-only with libtorrent's canonical layout (files sorted, BEP 47 pad files), the layout
hybrid torrents always have. No tracker. --url-list adds one BEP 19 webseed (for a multi-file
torrent, the URL of DIR's parent, ending in '/').
Prints JSON: the infohashes libtorrent computes and `seconds`, the time create_torrent took to
hash and generate (what the bench compares, without the interpreter's start-up). Errors go to
stderr with exit code 1.
"""
import json
import os
import sys
import time

import libtorrent as lt


def main() -> None:
    directory, piece_length, fmt, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    url_list = [arg.removeprefix("--url-list=") for arg in sys.argv[5:] if arg.startswith("--url-list=")]
    directory = os.path.abspath(directory)
    started = time.monotonic()
    fs = lt.file_storage()
    lt.add_files(fs, directory)
    flags = lt.create_torrent.v1_only | lt.create_torrent.canonical_files if fmt == "v1" else 0
    creator = lt.create_torrent(fs, piece_length, flags=flags)
    for url in url_list:
        creator.add_url_seed(url)
    lt.set_piece_hashes(creator, os.path.dirname(directory))
    torrent = lt.bencode(creator.generate())
    seconds = time.monotonic() - started
    with open(out, "wb") as f:
        f.write(torrent)
    hashes = lt.torrent_info(torrent).info_hashes()
    print(json.dumps({
        "v1": str(hashes.v1),
        "v2": str(hashes.v2) if hashes.has_v2() else None,
        "seconds": seconds,
    }))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # surfaced to the caller as the tool's message
        print(f"libtorrent: {error}", file=sys.stderr)
        sys.exit(1)
