import { AnnounceEvent, MAX_BYTE_COUNT, MAX_SCRAPE_HASHES, MAX_URL_BYTES } from './constants.js';
import { isQueryProblem, parseRawQuery } from './queryString.js';
import type { RawQuery } from './queryString.js';
import { HASH_BYTES, hashHex } from './requests.js';
import type { AnnounceRequest } from './requests.js';

/** An HTTP announce (BEP 3), with how the client wants its peers. */
interface HttpAnnounce {
  readonly kind: 'announce';
  readonly announce: AnnounceRequest;
  /** BEP 23: peers as 6-byte strings (and BEP 7 `peers6`); false: a list of dictionaries. */
  readonly compact: boolean;
}

/** An HTTP scrape (BEP 48) of one or more torrents. */
interface HttpScrape {
  readonly kind: 'scrape';
  /** Distinct, in order of appearance. */
  readonly infoHashHexes: readonly string[];
}

/** A request we refuse; `reason` goes back as the `failure reason`. */
interface HttpInvalid {
  readonly kind: 'invalid';
  /** 200 for a tracker request with bad parameters (what clients expect), else 404 or 405. */
  readonly status: number;
  readonly reason: string;
}

/** What {@link parseHttpRequest} makes of a request. */
type HttpTrackerRequest = HttpAnnounce | HttpScrape | HttpInvalid;

const ANNOUNCE_PATH = '/announce';
const SCRAPE_PATH = '/scrape';

/** Digits of the largest number we read; more is absurd whatever the field. */
const MAX_DIGITS = 16;

const invalid = (reason: string, status = 200): HttpInvalid => ({ kind: 'invalid', status, reason });

/** The first value of `name` as latin1 text, or undefined when absent. */
function text(query: RawQuery, name: string): string | undefined {
  const value = query.get(name)?.[0];
  return value === undefined ? undefined : Buffer.from(value.buffer, value.byteOffset, value.length).toString('latin1');
}

/** A non-negative decimal integer of at most {@link MAX_DIGITS} digits, else undefined. */
function decimal(value: string): number | undefined {
  if (value.length === 0 || value.length > MAX_DIGITS || !/^[0-9]+$/.test(value)) return undefined;
  return Number(value);
}

/** A byte count (`uploaded`, `downloaded`, `left`), or a problem. */
function byteCount(query: RawQuery, name: string, required: boolean): number | string {
  const value = text(query, name);
  if (value === undefined) return required ? `missing ${name}` : 0;
  const number = decimal(value);
  if (number === undefined || number > MAX_BYTE_COUNT) return `${name} must be a byte count from 0 to ${MAX_BYTE_COUNT}`;
  return number;
}

function parseEvent(value: string | undefined): AnnounceEvent | undefined {
  switch (value) {
    case undefined:
    case '':
    case 'empty':
    // BEP 21's `paused` is a partial seed keeping its place: a regular announce to us.
    case 'paused':
      return AnnounceEvent.Update;
    case AnnounceEvent.Started:
    case AnnounceEvent.Completed:
    case AnnounceEvent.Stopped:
      return value;
    default:
      return undefined;
  }
}

/** `numwant`: absent or negative means the default; a huge value is capped later, not refused. */
function parseNumwant(value: string | undefined): number | undefined | string {
  if (value === undefined || value === '' || value.startsWith('-')) return undefined;
  if (!/^[0-9]+$/.test(value)) return 'numwant must be a whole number';
  return value.length > MAX_DIGITS ? Number.MAX_SAFE_INTEGER : Number(value);
}

function parseAnnounce(query: RawQuery): HttpAnnounce | HttpInvalid {
  const infoHash = query.get('info_hash')?.[0];
  if (infoHash === undefined) return invalid('missing info_hash');
  if (infoHash.length !== HASH_BYTES) return invalid(`info_hash must be ${HASH_BYTES} bytes, not ${infoHash.length}`);
  const peerId = query.get('peer_id')?.[0];
  if (peerId === undefined) return invalid('missing peer_id');
  if (peerId.length !== HASH_BYTES) return invalid(`peer_id must be ${HASH_BYTES} bytes, not ${peerId.length}`);
  const portText = text(query, 'port');
  if (portText === undefined) return invalid('missing port');
  const port = decimal(portText);
  if (port === undefined || port < 1 || port > 0xffff) return invalid('port must be a number from 1 to 65535');
  const uploaded = byteCount(query, 'uploaded', false);
  if (typeof uploaded === 'string') return invalid(uploaded);
  const downloaded = byteCount(query, 'downloaded', false);
  if (typeof downloaded === 'string') return invalid(downloaded);
  const left = byteCount(query, 'left', true);
  if (typeof left === 'string') return invalid(left);
  const event = parseEvent(text(query, 'event'));
  if (event === undefined) return invalid('event must be started, completed, stopped or empty');
  const numwant = parseNumwant(text(query, 'numwant'));
  if (typeof numwant === 'string') return invalid(numwant);
  // `ip` is ignored on purpose: trusting it would let anyone announce someone else's address.
  return {
    kind: 'announce',
    announce: { infoHashHex: hashHex(infoHash), port, uploaded, downloaded, left, event, numwant },
    // BEP 23 lets a tracker default to compact; every current client asks for it anyway.
    compact: text(query, 'compact') !== '0',
    // `no_peer_id` needs no reading: non-compact replies never carry peer ids (see encodeAnnounce).
  };
}

function parseScrape(query: RawQuery): HttpScrape | HttpInvalid {
  const hashes = query.get('info_hash') ?? [];
  // A full scrape would list every torrent we track to anyone who asks.
  if (hashes.length === 0) return invalid('scrape needs at least one info_hash; full scrapes are not served');
  if (hashes.length > MAX_SCRAPE_HASHES) return invalid(`at most ${MAX_SCRAPE_HASHES} info_hash values per scrape`);
  const wrong = hashes.find((hash) => hash.length !== HASH_BYTES);
  if (wrong !== undefined) return invalid(`info_hash must be ${HASH_BYTES} bytes, not ${wrong.length}`);
  return { kind: 'scrape', infoHashHexes: [...new Set(hashes.map((hash) => hashHex(hash)))] };
}

/**
 * Reads an HTTP tracker request from its method and raw request target (`req.url`), which
 * Node hands over with the request line's bytes as latin1: binary parameters are decoded here,
 * byte by byte.
 */
function parseHttpRequest(method: string | undefined, url: string | undefined): HttpTrackerRequest {
  if (url === undefined || url.length === 0) return invalid('empty request target', 400);
  if (url.length > MAX_URL_BYTES) return invalid(`request target longer than ${MAX_URL_BYTES} bytes`, 414);
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  if (path !== ANNOUNCE_PATH && path !== SCRAPE_PATH) return invalid(`no tracker at ${path.slice(0, 64)}: use ${ANNOUNCE_PATH} or ${SCRAPE_PATH}`, 404);
  if (method !== 'GET') return invalid('tracker requests are GET requests', 405);
  const query = parseRawQuery(mark < 0 ? '' : url.slice(mark + 1));
  if (isQueryProblem(query)) return invalid(query.problem);
  return path === ANNOUNCE_PATH ? parseAnnounce(query) : parseScrape(query);
}

export { parseHttpRequest };
export type { HttpAnnounce, HttpInvalid, HttpScrape, HttpTrackerRequest };
