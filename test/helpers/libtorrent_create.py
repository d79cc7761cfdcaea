"""Reference torrent from python3-libtorrent's create_torrent, for the parity tests.

Usage: libtorrent_create.py FILE PIECE_LENGTH v1|hybrid
Prints JSON: the bencoded info dict, the whole .torrent (hex) and the infohashes libtorrent
computes for it. Errors (e.g. an empty file) go to stderr with exit code 1.
"""
import json
import os
import sys

import libtorrent as lt


def main() -> None:
    path, piece_length, fmt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    fs = lt.file_storage()
    lt.add_files(fs, path)
    flags = lt.create_torrent.v1_only if fmt == "v1" else 0
    creator = lt.create_torrent(fs, piece_length, flags=flags)
    lt.set_piece_hashes(creator, os.path.dirname(os.path.abspath(path)))
    entry = creator.generate()
    torrent = lt.bencode(entry)
    info = lt.torrent_info(torrent)
    hashes = info.info_hashes()
    v2 = str(hashes.v2) if hashes.has_v2() else None
    print(json.dumps({
        "info": lt.bencode(entry[b"info"]).hex(),
        "torrent": torrent.hex(),
        "v1": str(hashes.v1),
        "v2": v2,
    }))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # surfaced to the test as the tool's message
        print(f"libtorrent: {error}", file=sys.stderr)
        sys.exit(1)
