"""Writes .torrent files with trackers and webseeds for the end-to-end harness.

Usage:
  libtorrent_make.py create FILE PIECE_LENGTH v1|hybrid OUT [--tracker URL]... [--webseed URL]...
  libtorrent_make.py hashes TORRENT
Both print {"v1": hex|null, "v2": hex|null} (v2: the full SHA-256 infohash).
"""
import argparse
import json
import os

import libtorrent as lt


def hashes_of(info: lt.torrent_info) -> dict:
    hashes = info.info_hashes()
    return {
        "v1": str(hashes.v1) if hashes.has_v1() else None,
        "v2": str(hashes.v2) if hashes.has_v2() else None,
    }


def create(args: argparse.Namespace) -> dict:
    fs = lt.file_storage()
    lt.add_files(fs, args.file)
    flags = lt.create_torrent.v1_only if args.format == "v1" else 0
    creator = lt.create_torrent(fs, args.piece_length, flags=flags)
    for tier, url in enumerate(args.tracker):
        creator.add_tracker(url, tier)
    for url in args.webseed:
        creator.add_url_seed(url)
    lt.set_piece_hashes(creator, os.path.dirname(os.path.abspath(args.file)))
    data = lt.bencode(creator.generate())
    with open(args.out, "wb") as out:
        out.write(data)
    return hashes_of(lt.torrent_info(data))


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("create")
    make.add_argument("file")
    make.add_argument("piece_length", type=int)
    make.add_argument("format", choices=["v1", "hybrid"])
    make.add_argument("out")
    make.add_argument("--tracker", action="append", default=[])
    make.add_argument("--webseed", action="append", default=[])
    read = commands.add_parser("hashes")
    read.add_argument("torrent")
    args = parser.parse_args()
    result = create(args) if args.command == "create" else hashes_of(lt.torrent_info(args.torrent))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
