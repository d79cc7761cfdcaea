import { decodeBencode, encodeBencode } from '../torrent/index.js';
import type { BencodeDict, BencodeValue, Encodable } from '../torrent/index.js';
import { ADVERTISED_REQUEST_QUEUE, METADATA_PIECE_LENGTH, UT_METADATA_ID } from './constants.js';
import { WireProtocolError } from './errors.js';

/** What we need from a peer's BEP 10 extension handshake. */
interface PeerExtensions {
  /** The id the peer wants for ut_metadata messages sent to it; undefined = it does not speak BEP 9. */
  readonly utMetadataId: number | undefined;
  /** The peer's listen port (`p`), when it says. */
  readonly listenPort: number | undefined;
  readonly client: string | undefined;
}

/** ut_metadata message types (BEP 9). */
const MetadataMessage = { Request: 0, Data: 1, Reject: 2 } as const;

/** Version string in our extension handshake (`v`). */
const CLIENT_NAME = 's3-torrent seeder';

function decodeDict(payload: Buffer, what: string): BencodeDict {
  let value: BencodeValue;
  try {
    value = decodeBencode(payload);
  } catch (cause) {
    throw new WireProtocolError(`${what} is not valid bencode`, { cause });
  }
  if (!(value instanceof Map)) throw new WireProtocolError(`${what} is not a dictionary`);
  return value;
}

function smallInteger(value: BencodeValue | undefined, max: number): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= max ? value : undefined;
}

/** Our BEP 10 handshake: ut_metadata, the metadata size, our request queue depth and listen port. */
function encodeExtensionHandshake(options: { metadataSize: number; listenPort: number | undefined; yourIp: Buffer | undefined }): Buffer {
  const dict: { [key: string]: Encodable } = {
    m: { ut_metadata: UT_METADATA_ID },
    metadata_size: options.metadataSize,
    reqq: ADVERTISED_REQUEST_QUEUE,
    v: CLIENT_NAME,
  };
  if (options.listenPort !== undefined) dict['p'] = options.listenPort;
  if (options.yourIp !== undefined) dict['yourip'] = options.yourIp;
  return Buffer.from(encodeBencode(dict));
}

/**
 * Reads a peer's extension handshake.
 *
 * @throws WireProtocolError when it is not a bencoded dictionary.
 */
function decodeExtensionHandshake(payload: Buffer): PeerExtensions {
  const dict = decodeDict(payload, 'extension handshake');
  const m = dict.get('m');
  const version = dict.get('v');
  return {
    utMetadataId: m instanceof Map ? smallInteger(m.get('ut_metadata'), 255) : undefined,
    listenPort: smallInteger(dict.get('p'), 65_535),
    client: version instanceof Uint8Array ? Buffer.from(version).toString('utf8').slice(0, 64) : undefined,
  };
}

/** A peer's ut_metadata message: only requests matter to a seeder. */
type MetadataRequest = { readonly type: 'request'; readonly piece: number } | { readonly type: 'other' };

/**
 * Reads a ut_metadata message the peer sent us (dict, then data for `data` messages).
 *
 * @throws WireProtocolError when the dictionary is malformed.
 */
function decodeMetadataMessage(payload: Buffer): MetadataRequest {
  // A data message carries raw bytes after the dict; a seeder never asked for any, so only the
  // dict-only messages (request, reject) are parsed strictly.
  const dict = decodeDict(payload, 'ut_metadata message');
  const type = dict.get('msg_type');
  const piece = dict.get('piece');
  if (type === MetadataMessage.Request) {
    if (typeof piece !== 'number' || !Number.isSafeInteger(piece) || piece < 0) {
      throw new WireProtocolError('ut_metadata request without a valid piece');
    }
    return { type: 'request', piece };
  }
  return { type: 'other' };
}

/** The reply to a metadata request: the piece, or a reject when it is out of range. */
function metadataReply(metadata: Uint8Array, piece: number): Buffer {
  const pieces = Math.ceil(metadata.length / METADATA_PIECE_LENGTH);
  if (piece >= pieces) return Buffer.from(encodeBencode({ msg_type: MetadataMessage.Reject, piece }));
  const dict = Buffer.from(encodeBencode({ msg_type: MetadataMessage.Data, piece, total_size: metadata.length }));
  const data = metadata.subarray(piece * METADATA_PIECE_LENGTH, (piece + 1) * METADATA_PIECE_LENGTH);
  return Buffer.concat([dict, data]);
}

export { decodeExtensionHandshake, decodeMetadataMessage, encodeExtensionHandshake, metadataReply };
export type { MetadataRequest, PeerExtensions };
