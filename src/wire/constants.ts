/** Peer-wire message ids: BEP 3, BEP 6 (fast), BEP 10 (extended), BEP 52 (hashes). */
const MessageId = {
  Choke: 0,
  Unchoke: 1,
  Interested: 2,
  NotInterested: 3,
  Have: 4,
  Bitfield: 5,
  Request: 6,
  Piece: 7,
  Cancel: 8,
  Port: 9,
  Suggest: 13,
  HaveAll: 14,
  HaveNone: 15,
  Reject: 16,
  AllowedFast: 17,
  Extended: 20,
  HashRequest: 21,
  Hashes: 22,
  HashReject: 23,
} as const;
type MessageId = (typeof MessageId)[keyof typeof MessageId];

/** The handshake's protocol string (BEP 3). */
const PROTOCOL = 'BitTorrent protocol';

/** pstrlen + pstr + reserved + infohash + peer id. */
const HANDSHAKE_LENGTH = 1 + PROTOCOL.length + 8 + 20 + 20;

/** Largest block a peer may request: BEP 3 lets a seeder refuse anything over 16 KiB. */
const MAX_BLOCK_LENGTH = 16 * 1024;

/** ut_metadata pieces are 16 KiB (BEP 9). */
const METADATA_PIECE_LENGTH = 16 * 1024;

/**
 * Largest message we accept. The biggest legitimate ones are a piece (16 KiB + 9), a metadata
 * piece (16 KiB + a small dict), a bitfield of the most pieces we ever make (5 TiB / 64 MiB =
 * 81,920 pieces → 10 KiB) and a hashes reply (512 hashes + proof). Anything bigger is garbage
 * and would let one peer make us buffer without bound.
 */
const MAX_MESSAGE_LENGTH = 64 * 1024;

/** Our extended-message id for ut_metadata (BEP 9): what we put in our `m` dictionary. */
const UT_METADATA_ID = 1;

/**
 * What we advertise as `reqq` (BEP 10): how many requests a peer may keep outstanding with us.
 * libtorrent keeps `request_queue_time` (3 s) of its download rate in requests, capped by the
 * seeder's `reqq`, and advertises 2000 itself: at 250 (4 MiB in flight) a libtorrent client
 * downloading from us on loopback spent its time waiting for the next request's round trip.
 * A queued request costs a few dozen bytes; the block reads it leads to are bounded elsewhere.
 */
const ADVERTISED_REQUEST_QUEUE = 2000;

/** BEP 6 allowed-fast set size: libtorrent and the BEP use 10 as a ceiling; small keeps it cheap. */
const ALLOWED_FAST_SET_SIZE = 10;

/** BEP 52: a hash request asks for at most this many hashes (libtorrent's own limit). */
const MAX_HASHES_PER_REQUEST = 8192;

export {
  ADVERTISED_REQUEST_QUEUE,
  ALLOWED_FAST_SET_SIZE,
  HANDSHAKE_LENGTH,
  MAX_BLOCK_LENGTH,
  MAX_HASHES_PER_REQUEST,
  MAX_MESSAGE_LENGTH,
  METADATA_PIECE_LENGTH,
  MessageId,
  PROTOCOL,
  UT_METADATA_ID,
};
