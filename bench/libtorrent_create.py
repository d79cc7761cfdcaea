"""python3-libtorrent's torrent creation, timed by bench/index.ts as the hybrid reference.

Usage: /usr/bin/python3 libtorrent_create.py FILE PIECE_LENGTH OUT
Writes a hybrid (v1+v2, flags=0) .torrent of FILE to OUT and prints nothing: the bench times
the whole process, like the other tools, and reads the infohashes from OUT afterwards.
"""
import os
import sys

import libtorrent as lt


def main() -> None:
    path, piece_length, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    fs = lt.file_storage()
    lt.add_files(fs, path)
    creator = lt.create_torrent(fs, piece_length, flags=0)
    lt.set_piece_hashes(creator, os.path.dirname(os.path.abspath(path)))
    with open(out, "wb") as handle:
        handle.write(lt.bencode(creator.generate()))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the bench shows this line as the failure
        print(f"libtorrent: {error}", file=sys.stderr)
        sys.exit(1)
