import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectAclCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { TABLE_NAME } from '../../../src/local/index.js';
import type { LocalStack } from '../../../src/local/index.js';
import { RecordState, RecordStore } from '../../../src/records/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { PeerClient, torrentInfoOf } from '../../helpers/peerClient.js';
import type { TorrentInfo } from '../../helpers/peerClient.js';
import { eventually, fetchWhenReady, publisherS3, startTestStack, torrentUrl } from '../flow/localStackHarness.js';
import { httpAnnounce, seederOf, sleep, torrentOf, udpAnnounce } from './seederFixture.js';
import { requireRgw } from '../../helpers/rgw.js';

const MiB = 1024 * 1024;

/**
 * A bucket without a public policy: its objects are public only by their own ACL, so one
 * PutObjectAcl withdraws one object. No RGW notification on it either: a re-hash after an
 * overwrite can only come from the seeder noticing the change.
 */
const BUCKET = 'seeder-withdrawal';

/**
 * A bucket whose policy lets only 127.0.0.1 read (aws:SourceIp): our own anonymous HEAD and GETs
 * pass, but S3 does not call that public. Its objects are public only by their own ACL.
 */
const NETWORK_BUCKET = 'seeder-network-only';

/**
 * How soon the seeder must notice: the local stack revalidates swarms every second (an
 * anonymous HEAD each), so a few seconds cover that and the HEAD itself.
 */
const NOTICE_MS = 8_000;

describe('Seeder: withdrawal when S3 stops serving an object (Ceph RGW)', () => {
  let stack: LocalStack;
  let records: RecordStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('seeder-withdrawal'));
    // Only Ceph RGW enforces anonymous access (s3rver serves everyone); like the other RGW tests, fail loudly without it.
    await requireRgw();
    stack = await startTestStack(join(dir, 'data'), { s3: { kind: 'rgw' }, env: { S3TORRENT_LOCAL_WEBSEEDS: 'off' } });
    records = new RecordStore({
      client: new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamoDb, credentials: { ...LOCAL_CREDENTIALS } }),
      tableName: TABLE_NAME,
    });
    const s3 = publisherS3(stack);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: NETWORK_BUCKET }));
    await s3.send(new PutBucketPolicyCommand({
      Bucket: NETWORK_BUCKET,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${NETWORK_BUCKET}/*`,
          Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.1/32' } },
        }],
      }),
    }));
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await cleanup?.();
  });

  /** Uploads public-read and returns the v1 torrent. */
  async function publishPublic(key: string, bytes: Buffer, bucket = BUCKET): Promise<TorrentInfo> {
    await publisherS3(stack).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ACL: 'public-read' }));
    return torrentOf(stack, key, bucket);
  }

  /** A connected, unchoked peer that has one verified piece. */
  async function downloadingPeer(torrent: TorrentInfo): Promise<PeerClient> {
    const opened = await PeerClient.open({ port: seederOf(stack).peerPort, torrent });
    if (!opened.ok) throw new Error(`handshake failed: ${opened.detail}`);
    opened.client.interested();
    const unchoked = await opened.client.waitForUnchoke();
    const piece = unchoked.ok ? await opened.client.downloadPiece(0) : unchoked;
    if (!piece.ok) throw new Error(`the first piece failed: ${piece.kind}: ${piece.detail}`);
    return opened.client;
  }

  /**
   * Opens a new connection every ~20 ms until `stopAt()` says so, each a full handshake
   * attempt: when each started and whether the seeder answered it (any byte back).
   */
  async function probeHandshakes(torrent: TorrentInfo, stopAt: () => number | undefined): Promise<Array<{ startedAt: number; answered: boolean }>> {
    const probes: Array<{ startedAt: number; answered: boolean }> = [];
    for (let i = 0; i < 2_000; i += 1) {
      const end = stopAt();
      if (end !== undefined && Date.now() > end) break;
      const startedAt = Date.now();
      const client = await PeerClient.connect({ port: seederOf(stack).peerPort, torrent, timeoutMs: 3_000 });
      const shook = await client.handshake();
      probes.push({ startedAt, answered: shook.ok || client.bytesReceived > 0 });
      client.close();
      await sleep(20);
    }
    return probes;
  }

  /**
   * Once `peer` is hung up on, at once `count` new connections on its infohash: they reach the
   * seeder while it is still recording the withdrawal (the record update follows the hang-up).
   * How many got a handshake.
   */
  async function burstAfterHangUp(peer: PeerClient, count: number): Promise<number> {
    if (!(await peer.waitClosed(NOTICE_MS))) return 0;
    const attempts = await Promise.all(
      Array.from({ length: count }, async () => {
        const client = await PeerClient.connect({ port: seederOf(stack).peerPort, torrent: peer.torrent, timeoutMs: 3_000 });
        const shook = await client.handshake();
        client.close();
        return shook.ok || client.bytesReceived > 0;
      }),
    );
    return attempts.filter(Boolean).length;
  }

  /** Probes that started after `at` and still got a handshake (ms after `at`). */
  function answeredAfter(probes: ReadonlyArray<{ startedAt: number; answered: boolean }>, at: number): number[] {
    return probes.filter((p) => p.startedAt > at && p.answered).map((p) => p.startedAt - at);
  }

  it('stops serving within seconds of the object going private: hangs up, refuses handshakes and announces, API 403', async () => {
    // Prepare: one peer has a verified piece; another keeps asking for pieces the whole time.
    const key = 'withdrawn.bin';
    const torrent = await publishPublic(key, pseudoRandomBytes(3 * MiB + 12_345, 'withdrawn'));
    const idle = await downloadingPeer(torrent);
    const busy = await downloadingPeer(torrent);
    let stop = false;
    const busyLoop = (async () => {
      for (let index = 1; !stop && !busy.closed; index = (index + 1) % torrent.pieceCount) await busy.downloadPiece(index);
    })();

    // New connections keep coming the whole time, as new leechers would.
    let observedAt: number | undefined;
    const probing = probeHandshakes(torrent, () => (observedAt === undefined ? undefined : observedAt + 2_000));

    const burst = burstAfterHangUp(idle, 5);

    // Act
    const changedAt = Date.now();
    await publisherS3(stack).send(new PutObjectAclCommand({ Bucket: BUCKET, Key: key, ACL: 'private' }));

    // Assess: both connections close within the bound, at once (one swarm).
    const closedInTime = await Promise.all([idle.waitClosed(NOTICE_MS), busy.waitClosed(NOTICE_MS)]);
    observedAt = Date.now();
    stop = true;
    await busyLoop;
    const probes = await probing;
    expect(closedInTime).toEqual([true, true]);
    const lastBlockAt = busy.lastBlockAt ?? 0;
    console.log(`withdrawal noticed ${observedAt - changedAt} ms after PutObjectAcl; last block ${lastBlockAt - changedAt} ms after it; ${probes.length} probe connections`);
    // From the moment the seeder showed it knew (it hung up), nobody gets a byte: no block, and
    // no handshake on a new connection (a lookup racing the revocation must not revive it).
    expect(lastBlockAt).toBeLessThanOrEqual(observedAt);
    expect(answeredAfter(probes, observedAt)).toEqual([]);
    expect(await burst).toBe(0);
    const { trackerPort } = seederOf(stack);
    expect(await httpAnnounce(trackerPort, torrent.infoHash)).toEqual({ failure: 'unknown or unpublished torrent' });
    expect(await udpAnnounce(trackerPort, torrent.infoHash)).toEqual({ error: 'unknown or unpublished torrent' });
    const api = await fetch(torrentUrl(stack, key, 'torrent', BUCKET));
    expect(api.status).toBe(403);
    await api.arrayBuffer();
    expect(busy.lastBlockAt).toBe(lastBlockAt);
  }, 90_000);

  it('drops the old infohash when the object is overwritten, and the new version becomes READY by itself', async () => {
    // Prepare
    const key = 'overwritten.bin';
    const before = await publishPublic(key, pseudoRandomBytes(2 * MiB + 777, 'before'));
    const peer = await downloadingPeer(before);
    const newBytes = pseudoRandomBytes(2 * MiB + 999, 'after');

    let observedAt: number | undefined;
    const probing = probeHandshakes(before, () => (observedAt === undefined ? undefined : observedAt + 2_000));
    const burst = burstAfterHangUp(peer, 5);

    // Act: new bytes under the same key, still public; nobody asks for ?torrent.
    const put = await publisherS3(stack).send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: newBytes, ACL: 'public-read' }));

    // Assess: the old version's swarm ends and stays ended, for new connections too.
    const closed = await peer.waitClosed(NOTICE_MS);
    observedAt = Date.now();
    const probes = await probing;
    expect(closed).toBe(true);
    expect(answeredAfter(probes, observedAt)).toEqual([]);
    expect(await burst).toBe(0);
    // The seeder queued the re-hash (no notification on this bucket, no ?torrent request).
    const ready = await eventually(async () => {
      const record = await records.get(BUCKET, key);
      return record?.state === RecordState.Ready && record.etag === put.ETag ? record : undefined;
    }, 60_000);
    expect(ready.size).toBe(newBytes.length);
    const reply = await fetchWhenReady(torrentUrl(stack, key, 'torrent', BUCKET));
    expect(reply.status).toBe(200);
    const after = torrentInfoOf(new Uint8Array(await reply.arrayBuffer()));
    expect(after.infoHash.equals(before.infoHash)).toBe(false);
    const fresh = await PeerClient.open({ port: seederOf(stack).peerPort, torrent: after });
    expect(fresh).toMatchObject({ ok: true });
    const download = fresh.ok ? await fresh.client.downloadAll() : fresh;
    if (fresh.ok) fresh.client.close();
    expect(download.ok ? download.data.equals(newBytes) : download).toBe(true);
    expect(await httpAnnounce(seederOf(stack).trackerPort, before.infoHash)).toEqual({ failure: 'unknown or unpublished torrent' });
  }, 120_000);

  it('stops serving an object S3 no longer calls public though our network may still read it, and revokes its record', async () => {
    // Prepare: public by its ACL in a bucket whose policy also lets 127.0.0.1 in.
    const key = 'network-only.bin';
    const torrent = await publishPublic(key, pseudoRandomBytes(2 * MiB + 4_321, 'network-only'), NETWORK_BUCKET);
    const peer = await downloadingPeer(torrent);

    // Act: the ACL goes private; the unsigned HEAD from here still passes (the policy).
    await publisherS3(stack).send(new PutObjectAclCommand({ Bucket: NETWORK_BUCKET, Key: key, ACL: 'private' }));
    expect((await fetch(`${stack.endpoints.s3}/${NETWORK_BUCKET}/${key}`, { method: 'HEAD' })).status).toBe(200);

    // Assess: hung up within the bound, record REVOKED with the reason, tracker and API refuse.
    expect(await peer.waitClosed(NOTICE_MS)).toBe(true);
    const revoked = await eventually(async () => {
      const record = await records.get(NETWORK_BUCKET, key);
      return record?.state === RecordState.Revoked ? record : undefined;
    }, NOTICE_MS);
    expect(revoked.reason).toContain('readable from this network only');
    expect(await httpAnnounce(seederOf(stack).trackerPort, torrent.infoHash)).toEqual({ failure: 'unknown or unpublished torrent' });
    const api = await fetch(torrentUrl(stack, key, 'torrent', NETWORK_BUCKET));
    expect(api.status).toBe(403);
    expect(await api.text()).toContain('<Code>AccessDenied</Code>');
  }, 90_000);
});
