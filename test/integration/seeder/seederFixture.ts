// What the seeder tests share: a published object and its torrent, and a bare tracker client
// (one HTTP announce, one BEP 15 connect + announce), every wait bounded.
import { request } from 'node:http';
import type { LocalStack } from '../../../src/local/index.js';
import { decodeBencode } from '../../../src/torrent/index.js';
import { torrentInfoOf } from '../../helpers/peerClient.js';
import type { TorrentInfo } from '../../helpers/peerClient.js';
import { fetchWhenReady, torrentUrl, upload } from '../flow/localStackHarness.js';
import { UdpTrackerClient, compactPeers, escapeBytes, udpError } from '../tracker/trackerClients.js';

/** Longest wait for one tracker reply. */
const TRACKER_REPLY_MS = 5_000;

/** BEP 15's connect magic. */
const UDP_PROTOCOL_ID = 0x41727101980n;

/** The stack's seeder, which these tests cannot do without. */
function seederOf(stack: LocalStack): NonNullable<LocalStack['seeder']> {
  if (stack.seeder === undefined) throw new Error('the local stack runs no seeder (S3TORRENT_LOCAL_SEEDER=off?)');
  return stack.seeder;
}

/** Uploads `bytes` and waits (bounded) for its v1 torrent. */
async function publish(stack: LocalStack, key: string, bytes: Buffer, bucket = stack.demoBucket): Promise<TorrentInfo> {
  await upload(stack, key, bytes, bucket);
  return torrentOf(stack, key, bucket);
}

/** The object's v1 torrent, once READY (bounded wait). */
async function torrentOf(stack: LocalStack, key: string, bucket = stack.demoBucket): Promise<TorrentInfo> {
  const reply = await fetchWhenReady(torrentUrl(stack, key, 'torrent', bucket));
  if (reply.status !== 200) throw new Error(`?torrent of ${key} answered ${reply.status}: ${await reply.text()}`);
  return torrentInfoOf(new Uint8Array(await reply.arrayBuffer()));
}


/** A well-formed announce query for `infoHash` (a leecher on `peerPort` missing `left` bytes). */
function announceQuery(infoHash: Uint8Array, left = 1000, peerPort = 6881): string {
  return `info_hash=${escapeBytes(infoHash)}&peer_id=${escapeBytes(Buffer.alloc(20, 0x41))}&port=${peerPort}&uploaded=0&downloaded=0&left=${left}&compact=1`;
}

/** GETs `path` from the tracker's HTTP side as is; status and body. */
async function trackerGet(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: TRACKER_REPLY_MS, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`tracker gave no reply in ${TRACKER_REPLY_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}


/** An HTTP announce of `infoHash` by a leecher listening on `peerPort`: the failure reason, or the compact IPv4 peers as `ip:port`. */
async function httpAnnounce(port: number, infoHash: Uint8Array, peerPort = 6881): Promise<{ failure: string } | { peers: string[]; interval: number }> {
  const reply = await trackerGet(port, `/announce?${announceQuery(infoHash, 1000, peerPort)}`);
  const dict = decodeBencode(reply.body);
  if (!(dict instanceof Map)) throw new Error('tracker reply is not a dictionary');
  const failure = dict.get('failure reason');
  if (failure instanceof Uint8Array) return { failure: Buffer.from(failure).toString('utf8') };
  const peers = dict.get('peers');
  const interval = dict.get('interval');
  return { peers: peers instanceof Uint8Array ? compactPeers(peers, 6) : [], interval: typeof interval === 'number' ? interval : 0 };
}

/** A BEP 15 announce packet (98 bytes) for `infoHash` with `connectionId`. */
function udpAnnouncePacket(connectionId: Buffer, transactionId: number, infoHash: Uint8Array): Buffer {
  const packet = Buffer.alloc(98);
  connectionId.copy(packet, 0);
  packet.writeUInt32BE(1, 8);
  packet.writeUInt32BE(transactionId, 12);
  packet.set(infoHash, 16);
  packet.fill(0x42, 36, 56); // peer id
  packet.writeBigUInt64BE(1000n, 64); // left
  packet.writeUInt32BE(2, 80); // started
  packet.writeInt32BE(-1, 92); // numwant: default
  packet.writeUInt16BE(6881, 96);
  return packet;
}

function udpConnectPacket(transactionId: number): Buffer {
  const packet = Buffer.alloc(16);
  packet.writeBigUInt64BE(UDP_PROTOCOL_ID, 0);
  packet.writeUInt32BE(0, 8);
  packet.writeUInt32BE(transactionId, 12);
  return packet;
}

/**
 * BEP 15 connect then announce of `infoHash` on one socket: the error message, or the seeders
 * count and peers listed (`ip:port`). Undefined when a reply did not come in time.
 */
async function udpAnnounce(port: number, infoHash: Uint8Array): Promise<{ error: string } | { seeders: number; peers: string[] } | undefined> {
  const client = await UdpTrackerClient.open('127.0.0.1', port);
  try {
    const connectionId = await client.connect();
    const reply = await client.announce(connectionId, { infoHash, port: 6881 });
    const error = udpError(reply);
    if (error !== undefined) return { error };
    return { seeders: reply.readUInt32BE(16), peers: compactPeers(reply.subarray(20), 6) };
  } catch {
    return undefined; // no reply in time
  } finally {
    await client.close();
  }
}

/** Sleeps `ms` (always bounded by the caller's choice). */
async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export { escapeBytes, httpAnnounce, publish, seederOf, sleep, torrentOf, udpAnnounce, udpAnnouncePacket, udpConnectPacket };
