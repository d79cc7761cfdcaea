/** Announce events, as the HTTP `event` parameter names them (BEP 3); `update` is the regular re-announce. */
const AnnounceEvent = {
  Started: 'started',
  Completed: 'completed',
  Stopped: 'stopped',
  Update: 'update',
} as const;

/** One of {@link AnnounceEvent}'s values. */
type AnnounceEvent = (typeof AnnounceEvent)[keyof typeof AnnounceEvent];

/** Default re-announce interval: 5 minutes; the swarms are small and a fresh leecher should find the others soon. */
const DEFAULT_INTERVAL_SECONDS = 300;

/** Default shortest interval we ask clients to keep between announces (BEP 3 `min interval`). */
const DEFAULT_MIN_INTERVAL_SECONDS = 60;

/** Default peer lifetime without a re-announce: three intervals, so one lost announce does not drop a peer. */
const DEFAULT_PEER_TTL_SECONDS = 3 * DEFAULT_INTERVAL_SECONDS;

/** Peers returned when the client names no `numwant`: the figure BEP 3 calls usual. */
const DEFAULT_NUMWANT = 50;

/** Default cap on `numwant`: libtorrent asks for 200 and more only grows the reply. */
const DEFAULT_MAX_NUMWANT = 200;

/** Default memory budget of the swarms: 256 MiB holds a million peers or more (see BYTES_PER_IPV4_PEER). */
const DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024;

/**
 * What one IPv4 peer costs on the V8 heap, slack included: two unboxed doubles in its swarm's
 * list (grown by half each time) plus, in swarms past 16 peers, a Map entry with its boxed key.
 * test/unit/tracker/memory.test.ts measures the heap after gc (Node 20, x64): 63 bytes a peer
 * in swarms of 1,000 or of 1,000,000, 88 in swarms of 1,053 (just past a doubling of their Map
 * and list: the most slack), rounded up to 90. So 256 MiB holds about 3 million peers in large
 * swarms.
 */
const BYTES_PER_IPV4_PEER = 90;

/** An IPv6 peer: its 18-byte key is a string of its own and its stamp a boxed number (87 measured in swarms of 1,000, 108 just past a doubling), rounded up. */
const BYTES_PER_IPV6_PEER = 130;

/**
 * What one swarm costs beyond its peers' share: the infohash string and its Map entry, the
 * Swarm and its IPv4 list. Measured as above: a million swarms of one peer each grow the heap
 * by 389 bytes apiece, 390 with the peer priced at 90 means 300, rounded up to 320. (So a
 * million single-peer torrents need about 390 MiB; swarms of 4 or more peers fit a million
 * peers in 256 MiB.)
 */
const BYTES_PER_SWARM = 320;

/**
 * Share of the budget one eviction frees beyond what is needed: the eviction scans every peer
 * twice, so it runs once per this share of new peers (60,000 at the default budget), not per
 * announce. At 3 million peers one pass took 100 to 180 ms here: a pause a full tracker pays
 * once per 60,000 new peers.
 */
const EVICTION_BATCH_SHARE = 0.02;

/** Time buckets of the eviction's histogram of last announces: the resolution of its oldest-first order. */
const EVICTION_HISTOGRAM_BUCKETS = 1024;

/**
 * Least time between two expiry scans of one swarm on read: a large swarm whose peers lapse one
 * by one is scanned once a second at most, and a peer outlives its lifetime by a second at most.
 */
const EXPIRY_SCAN_GAP_MS = 1_000;

/**
 * How long a registry verdict that a torrent is servable is trusted: a revoked torrent is
 * forgotten at once (the seeder calls forget), so this only bounds a verdict no forget reaches.
 */
const SERVABLE_VERDICT_TTL_MS = 5_000;

/** Servable verdicts remembered at most; past it the oldest are dropped, and asked again. */
const MAX_CACHED_VERDICTS = 65_536;

/** Longest request target we read: a scrape of {@link MAX_SCRAPE_HASHES} fully escaped hashes takes about 5.3 KB. */
const MAX_URL_BYTES = 8192;

/** Largest request head (request line + headers) Node's HTTP parser accepts for us. */
const MAX_HTTP_HEADER_BYTES = 16_384;

/** Infohashes per scrape: BEP 15 says about 74 fit one UDP packet; HTTP takes the same so both agree. */
const MAX_SCRAPE_HASHES = 74;

/** Largest UDP reply: 1500-byte Ethernet MTU minus IPv6 and UDP headers, so a reply is never fragmented. */
const MAX_UDP_REPLY_BYTES = 1452;

/** UDP requests being answered at once (waiting on the registry); more are dropped, as a loaded tracker would lose them. */
const MAX_PENDING_UDP_REQUESTS = 4096;

/** UDP socket buffers: room for a few thousand requests while the loop is busy (the kernel caps it at rmem_max). */
const UDP_SOCKET_BUFFER_BYTES = 1024 * 1024;

/** HTTP connections open at once; a client needs one, and more only hold sockets. */
const MAX_HTTP_CONNECTIONS = 4096;

/** How long a client may take to send its request head; a tracker request is one short line. */
const HTTP_HEADERS_TIMEOUT_MS = 10_000;

/** How long an idle keep-alive connection stays open. */
const HTTP_KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** Longest wait on `registry.isServable`; past it the client is told to retry rather than kept waiting. */
const REGISTRY_TIMEOUT_MS = 5_000;

/** Length of a connection-id window; BEP 15 asks trackers to accept an id for two minutes. */
const CONNECTION_ID_WINDOW_MS = 60_000;

/** Windows an id stays valid for: the current one and two before it, so 2 to 3 minutes. */
const CONNECTION_ID_WINDOWS = 3;

/** How often expired peers and idle torrents are swept when no announce touches them. */
const SWEEP_INTERVAL_MS = 60_000;

/** Attempts at finding one port free for TCP and UDP on every host when asked for port 0. */
const MAX_BIND_ATTEMPTS = 20;

/** Largest `uploaded`, `downloaded` or `left` we accept: a byte count past 2^53 is not a real transfer. */
const MAX_BYTE_COUNT = Number.MAX_SAFE_INTEGER;

export {
  AnnounceEvent,
  CONNECTION_ID_WINDOWS,
  CONNECTION_ID_WINDOW_MS,
  DEFAULT_INTERVAL_SECONDS,
  DEFAULT_MAX_NUMWANT,
  BYTES_PER_IPV4_PEER,
  BYTES_PER_IPV6_PEER,
  BYTES_PER_SWARM,
  DEFAULT_MEMORY_BYTES,
  EVICTION_BATCH_SHARE,
  EVICTION_HISTOGRAM_BUCKETS,
  EXPIRY_SCAN_GAP_MS,
  MAX_CACHED_VERDICTS,
  SERVABLE_VERDICT_TTL_MS,
  DEFAULT_MIN_INTERVAL_SECONDS,
  DEFAULT_NUMWANT,
  DEFAULT_PEER_TTL_SECONDS,
  HTTP_HEADERS_TIMEOUT_MS,
  HTTP_KEEP_ALIVE_TIMEOUT_MS,
  MAX_BIND_ATTEMPTS,
  MAX_BYTE_COUNT,
  MAX_HTTP_CONNECTIONS,
  MAX_HTTP_HEADER_BYTES,
  MAX_PENDING_UDP_REQUESTS,
  MAX_SCRAPE_HASHES,
  MAX_UDP_REPLY_BYTES,
  MAX_URL_BYTES,
  REGISTRY_TIMEOUT_MS,
  SWEEP_INTERVAL_MS,
  UDP_SOCKET_BUFFER_BYTES,
};
