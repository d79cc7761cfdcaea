"""Reference torrent from python3-libtorrent's create_torrent, for the parity tests, the prefix
e2e tests and the prefix bench.

Usage: libtorrent_create.py PATH PIECE_LENGTH v1|hybrid|v1-canonical [--out=FILE] [--url-list=URL]...
PATH is a file (a single-file torrent) or a directory (a multi-file torrent of every file under
it, named after it). Formats: hybrid (v1 + v2; libtorrent lays files out canonically, sorted,
with pad files); v1 (v1_only: files in directory order, no pad files); v1-canonical
(v1_only + canonical_files: v1 with the hybrid layout, pad files included).
--url-list adds a BEP 19 webseed (for a multi-file torrent, the URL of PATH's parent, ending in
'/'); --out also writes the .torrent to FILE. No tracker.
Prints JSON: the bencoded info dict, the whole .torrent (hex), the infohashes libtorrent
computes for it and `seconds`, the time create_torrent took to hash and generate (what the bench
compares, without the interpreter's start-up). Errors (e.g. an empty file) go to stderr with
exit code 1.
"""
import json
import os
import sys
import time

import libtorrent as lt


FORMAT_FLAGS = {
    "v1": lt.create_torrent.v1_only,
    "hybrid": 0,
    "v1-canonical": lt.create_torrent.v1_only | lt.create_torrent.canonical_files,
}


def main() -> None:
    path, piece_length, fmt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    options = sys.argv[4:]
    url_list = [arg.removeprefix("--url-list=") for arg in options if arg.startswith("--url-list=")]
    out = next((arg.removeprefix("--out=") for arg in options if arg.startswith("--out=")), None)
    started = time.monotonic()
    fs = lt.file_storage()
    lt.add_files(fs, path)
    flags = FORMAT_FLAGS[fmt]
    creator = lt.create_torrent(fs, piece_length, flags=flags)
    for url in url_list:
        creator.add_url_seed(url)
    lt.set_piece_hashes(creator, os.path.dirname(os.path.abspath(path)))
    entry = creator.generate()
    torrent = lt.bencode(entry)
    seconds = time.monotonic() - started
    if out is not None:
        with open(out, "wb") as f:
            f.write(torrent)
    info = lt.torrent_info(torrent)
    hashes = info.info_hashes()
    v2 = str(hashes.v2) if hashes.has_v2() else None
    print(json.dumps({
        "info": lt.bencode(entry[b"info"]).hex(),
        "torrent": torrent.hex(),
        "v1": str(hashes.v1),
        "v2": v2,
        "seconds": seconds,
    }))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # surfaced to the test as the tool's message
        print(f"libtorrent: {error}", file=sys.stderr)
        sys.exit(1)
