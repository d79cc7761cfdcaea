"""Reference torrent from python3-libtorrent's create_torrent, for the parity tests.

Usage: libtorrent_create.py PATH PIECE_LENGTH v1|hybrid|v1-canonical
PATH is a file (a single-file torrent) or a directory (a multi-file torrent of every file under
it, named after it). Formats: hybrid (v1 + v2; libtorrent lays files out canonically, sorted,
with pad files); v1 (v1_only: files in directory order, no pad files); v1-canonical
(v1_only + canonical_files: v1 with the hybrid layout, pad files included).
Prints JSON: the bencoded info dict, the whole .torrent (hex) and the infohashes libtorrent
computes for it. Errors (e.g. an empty file) go to stderr with exit code 1.
"""
import json
import os
import sys

import libtorrent as lt


FORMAT_FLAGS = {
    "v1": lt.create_torrent.v1_only,
    "hybrid": 0,
    "v1-canonical": lt.create_torrent.v1_only | lt.create_torrent.canonical_files,
}


def main() -> None:
    path, piece_length, fmt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    fs = lt.file_storage()
    lt.add_files(fs, path)
    flags = FORMAT_FLAGS[fmt]
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
