import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { hashRange } from '../../../src/hashing/index.js';
import { ARTIFACTS_BUCKET, TABLE_NAME } from '../../../src/local/index.js';
import type { LocalStack } from '../../../src/local/index.js';
import { memberHashArtifactKey, memberHashesAt } from '../../../src/prefixes/memberHashes.js';
import type { BucketMember, MemberFileHashes, MemberHashContext } from '../../../src/prefixes/memberHashes.js';
import { RecordState, RecordStore, TableKeys, recordPartitionKey } from '../../../src/records/index.js';
import { LOCAL_CREDENTIALS } from '../../../src/service/credentials.js';
import { ObjectChangedError, anonymousS3Client } from '../../../src/storage/index.js';
import { decodeBencode, encodeBencode } from '../../../src/torrent/index.js';
import type { BencodeDict } from '../../../src/torrent/index.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';
import { RequestCounter } from '../../helpers/requestCounter.js';
import { memorySource } from '../../helpers/sources.js';
import { fetchWhenReady, publisherS3, startTestStack, torrentUrl, upload } from '../flow/localStackHarness.js';

// Against the local stack (embedded S3 emulator, DynamoDB Local, its real hash worker): records
// are made READY by the stack itself, exactly as a member's own ?torrent or upload would.

const KiB = 1024;
const MiB = 1024 * KiB;
/** The stack's piece length for the objects below (pieceLengthFor: 256 KiB up to 512 MiB). */
const RECORD_PIECE = 256 * KiB;
/** A piece length no record of these objects has: only an artifact or the bytes can give it. */
const OTHER_PIECE = 64 * KiB;
/** Hybrid torrents above this go to the artifacts bucket: the small object stays inline, the large one does not. */
const INLINE_MAX = 1_200;

/** The hashes of `data` at `pieceLength`, computed here from the bytes themselves. */
async function expectedHashes(data: Buffer, pieceLength: number): Promise<Record<string, string | number | undefined>> {
  const range = await hashRange(memorySource(data), { size: data.length, pieceLength, threads: 0 });
  const tail = data.length % pieceLength;
  const padded = tail === 0 ? undefined : createHash('sha1').update(data.subarray(data.length - tail)).update(Buffer.alloc(pieceLength - tail)).digest('hex');
  return { size: data.length, pieceLength, v1: hex(range.v1), v1PaddedTail: padded, v2: hex(range.v2) };
}

/** A hash artifact with one of its byte fields changed by `change`, still valid bencode. */
function withField(artifact: Uint8Array, name: string, change: (bytes: Uint8Array) => Uint8Array): Uint8Array {
  const dict = decodeBencode(artifact) as BencodeDict;
  dict.set(name, change(dict.get(name) as Uint8Array));
  return encodeBencode(dict);
}

function hex(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');
}

function shown(hashes: MemberFileHashes): Record<string, string | number | undefined> {
  return { size: hashes.size, pieceLength: hashes.pieceLength, v1: hex(hashes.v1), v1PaddedTail: hex(hashes.v1PaddedTail), v2: hex(hashes.v2) };
}

/** Records the Range header of every GetObject `client` sends (every attempt). */
function recordRanges(client: S3Client): string[] {
  const ranges: string[] = [];
  // Typed loosely, as in requestCounter.ts: only the command name and its input are read.
  const stack = client.middlewareStack as unknown as { add(middleware: unknown, options: { step: 'deserialize'; name: string }): void };
  stack.add(
    (next: (args: { input: { Range?: string } }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: { Range?: string } }) => {
      if (context.commandName === 'GetObjectCommand') ranges.push(args.input.Range ?? 'whole object');
      return next(args);
    },
    { step: 'deserialize', name: 'testRangeRecorder' },
  );
  return ranges;
}

describe('Function: memberHashesAt (local stack)', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  let context: MemberHashContext;
  let objectReads: RequestCounter;
  let artifactReads: RequestCounter;
  let ranges: string[];
  let documents: DynamoDBDocumentClient;

  beforeAll(async () => {
    const dir = await tempDir('member-hashes');
    cleanup = dir.cleanup;
    stack = await startTestStack(join(dir.dir, 'data'), {
      env: { S3TORRENT_INLINE_TORRENT_MAX_BYTES: String(INLINE_MAX), S3TORRENT_LOCAL_SEEDER: 'off' },
    });
    const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamoDb, credentials: { ...LOCAL_CREDENTIALS } });
    documents = DynamoDBDocumentClient.from(dynamo);
    const anonymousS3 = anonymousS3Client(stack.aws);
    const artifactsS3 = publisherS3(stack);
    objectReads = new RequestCounter().attach(anonymousS3);
    artifactReads = new RequestCounter().attach(artifactsS3);
    ranges = recordRanges(anonymousS3);
    context = { records: new RecordStore({ client: dynamo, tableName: TABLE_NAME }), anonymousS3, artifactsS3, artifactsBucket: ARTIFACTS_BUCKET, settings: { hashThreads: 2 } };
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await cleanup?.();
  });

  beforeEach(() => {
    objectReads.reset();
    artifactReads.reset();
    ranges.splice(0);
  });

  /** Uploads `data` and waits (bounded) until the stack made its record READY. */
  async function published(key: string, data: Buffer): Promise<BucketMember> {
    const etag = await upload(stack, key, data);
    const reply = await fetchWhenReady(torrentUrl(stack, key, 'torrent&format=hybrid'));
    await reply.arrayBuffer();
    expect(reply.status).toBe(200);
    return { bucket: stack.demoBucket, key, etag, size: data.length };
  }

  it.each([
    ['inline in the record', 'record/inline.bin', 300 * KiB + 7, 'inline'],
    ['in the artifacts bucket', 'record/artifact.bin', 8 * MiB + 5, 'artifact'],
  ])('takes a READY member from its own record and hybrid torrent (%s), reading no object byte', async (_where, key, size, stored) => {
    // Prepare
    const data = pseudoRandomBytes(size, key);
    const member = await published(key, data);
    const record = await context.records.get(member.bucket, key);
    expect(record?.torrents?.hybrid.inline === undefined ? 'artifact' : 'inline').toBe(stored);
    objectReads.reset();
    artifactReads.reset();
    // Act
    const { hashes, source } = await memberHashesAt(context, member, RECORD_PIECE);
    // Assess
    expect(source).toBe('record');
    expect(shown(hashes)).toEqual(await expectedHashes(data, RECORD_PIECE));
    expect(objectReads.count('GetObject')).toBe(0);
    expect(artifactReads.count('GetObject')).toBe(stored === 'artifact' ? 1 : 0);
  });

  it('hashes a member once at another piece length, reading each byte once, then takes it from the artifact with no object read', async () => {
    // Prepare
    const data = pseudoRandomBytes(3 * MiB + 999, 'hashed');
    const member = await published('hashed/once.bin', data);
    objectReads.reset();
    ranges.splice(0);
    // Act
    const first = await memberHashesAt(context, member, OTHER_PIECE);
    const readsFirst = { gets: objectReads.count('GetObject'), ranges: [...ranges] };
    objectReads.reset();
    const second = await memberHashesAt(context, member, OTHER_PIECE);
    // Assess
    const expected = await expectedHashes(data, OTHER_PIECE);
    expect([first.source, second.source]).toEqual(['hashed', 'artifact']);
    expect(shown(first.hashes)).toEqual(expected);
    expect(shown(second.hashes)).toEqual(expected);
    expect(readsFirst).toEqual({ gets: 1, ranges: [`bytes=0-${data.length - 1}`] });
    expect(objectReads.count('GetObject')).toBe(0);
  });

  it('does not take a record READY before padded tails were kept: the member is hashed instead', async () => {
    // Prepare: a READY record as an earlier version left it, without v1PaddedTail.
    const data = pseudoRandomBytes(RECORD_PIECE + 1, 'old record');
    const member = await published('old/record.bin', data);
    await documents.send(new UpdateCommand({
      TableName: TABLE_NAME,
      Key: { [TableKeys.PartitionKey]: recordPartitionKey(member.bucket, member.key), [TableKeys.SortKey]: TableKeys.RecordSortKey },
      UpdateExpression: 'REMOVE v1PaddedTail',
    }));
    expect(await context.records.get(member.bucket, member.key)).toMatchObject({ state: RecordState.Ready, v1PaddedTail: undefined });
    objectReads.reset();
    // Act
    const { hashes, source } = await memberHashesAt(context, member, RECORD_PIECE);
    // Assess
    expect(source).toBe('hashed');
    expect(shown(hashes)).toEqual(await expectedHashes(data, RECORD_PIECE));
    expect(objectReads.count('GetObject')).toBe(1);
  });

  it.each([
    ['bytes that are not bencode', () => Buffer.from('not an artifact')],
    ['well-formed, v1 one hash short', (good: Uint8Array) => withField(good, 'v1', (v1) => v1.subarray(20))],
    ['well-formed, a padded tail of 19 bytes', (good: Uint8Array) => withField(good, 'v1 padded tail', (tail) => tail.subarray(1))],
    ['an artifact cut short', (good: Uint8Array) => Buffer.from(good).subarray(0, good.length - 10)],
  ])('never trusts a corrupt artifact (%s): it hashes the member again and rewrites the artifact', async (name, corrupt) => {
    // Prepare: a good artifact, then a corrupt one in its place.
    const key = `corrupt/${name.replace(/\W+/g, '-')}.bin`;
    const data = pseudoRandomBytes(MiB + 3, key);
    const member = await published(key, data);
    await memberHashesAt(context, member, OTHER_PIECE);
    const artifactKey = memberHashArtifactKey(member.bucket, member.key, member.etag, OTHER_PIECE);
    const artifacts = context.artifactsS3;
    const good = await (await artifacts.send(new GetObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: artifactKey }))).Body?.transformToByteArray() ?? new Uint8Array(0);
    await artifacts.send(new PutObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: artifactKey, Body: corrupt(good) }));
    objectReads.reset();
    // Act
    const again = await memberHashesAt(context, member, OTHER_PIECE);
    const after = await memberHashesAt(context, member, OTHER_PIECE);
    // Assess
    expect([again.source, after.source]).toEqual(['hashed', 'artifact']);
    expect(shown(again.hashes)).toEqual(await expectedHashes(data, OTHER_PIECE));
    expect(objectReads.count('GetObject')).toBe(1);
  });

  it('raises ObjectChangedError when the member was overwritten since the snapshot (412 on If-Match)', async () => {
    // Prepare
    const data = pseudoRandomBytes(MiB, 'overwritten');
    const member = await published('changed/member.bin', data);
    await upload(stack, member.key, pseudoRandomBytes(MiB, 'overwritten, new version'));
    // Act + Assess
    await expect(memberHashesAt(context, member, OTHER_PIECE)).rejects.toBeInstanceOf(ObjectChangedError);
  });

  it('gives a zero-byte member its empty hashes without any read', async () => {
    const { hashes, source } = await memberHashesAt(context, { bucket: stack.demoBucket, key: 'empty/marker', etag: '"d41d8cd98f00b204e9800998ecf8427e"', size: 0 }, RECORD_PIECE);
    expect({ source, v1: hashes.v1.length, v2: hashes.v2.length, tail: hashes.v1PaddedTail }).toEqual({ source: 'hashed', v1: 0, v2: 0, tail: undefined });
    expect(objectReads.total + artifactReads.total).toBe(0);
  });
});
