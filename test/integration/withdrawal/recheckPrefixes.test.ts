import { createHash } from 'node:crypto';
import { RecordState, encodeMembers } from '../../../src/records/index.js';
import type { PrefixMember, PrefixRecord } from '../../../src/records/index.js';
import { ForbiddenReason } from '../../../src/storage/index.js';
import { ancestorPrefixes, handleAccessMessages, runSweep } from '../../../src/withdrawal/index.js';
import { fakeTorrents } from '../records/recordFixtures.js';
import { FAR, RecheckBench, fixtureEvent, freshBucket, isPublic } from './recheckFixture.js';

// Prefix snapshots on real records (DynamoDB Local) and a real queue (fauxqs): an event about one
// object, a bucket-level event and the sweep, with S3's answers scripted per object through the
// one function the module asks (`readability`).

/** One snapshot's members (sizes do not matter here). */
function membersUnder(prefix: string, names: readonly string[]): PrefixMember[] {
  return names.map((name, i) => ({ key: `${prefix}${name}`, etag: `"e${i}"`, size: 1000 + i }));
}

describe('Module: withdrawal of prefix snapshots (DynamoDB Local and fauxqs)', () => {
  let bench: RecheckBench;
  let snapshots = 0;

  /** A READY snapshot of `prefix` listing `members`, as the prefix job leaves it. */
  async function readySnapshot(bucket: string, prefix: string, members: PrefixMember[]): Promise<PrefixRecord> {
    snapshots += 1;
    const snapshotId = createHash('sha256').update(`snapshot ${snapshots}`).digest('hex');
    const inline = encodeMembers(members);
    const snapshot = { snapshotId, pieceLength: 262_144, totalSize: 10_000, memberCount: members.length, excludedCount: 0, manifest: { inline, bytes: inline.length } };
    await bench.records.prefixes.takeSnapshot(bucket, prefix, snapshot);
    await bench.records.prefixes.startHashing(bucket, prefix, snapshotId);
    return bench.records.prefixes.markReady(bucket, prefix, snapshotId, fakeTorrents(`${bucket}/${prefix}${snapshots}`));
  }

  const stateOf = async (bucket: string, prefix: string): Promise<PrefixRecord | undefined> => bench.records.prefixes.get(bucket, prefix);

  beforeAll(async () => {
    bench = await RecheckBench.start();
  }, 60_000);

  afterAll(async () => {
    await bench?.stop();
  });

  beforeEach(async () => {
    await bench.reset();
  });

  it('lists the prefixes a key is under, shortest first, not a folder marker under itself', () => {
    expect(ancestorPrefixes('a/b/c.txt', 32)).toEqual(['a/', 'a/b/']);
    expect(ancestorPrefixes('a/b/', 32)).toEqual(['a/']);
    expect(ancestorPrefixes('top.txt', 32)).toEqual([]);
    expect(ancestorPrefixes('1/2/3/4/5', 2)).toEqual(['1/', '1/2/']);
  });

  it('revokes every live snapshot that lists an object made private, naming the member in the reason, and leaves the others', async () => {
    // Prepare: the object is a member of `data/` and of `data/2026/`; `other/` does not list it.
    const bucket = freshBucket();
    const key = 'data/2026/jan.csv';
    await readySnapshot(bucket, 'data/', membersUnder('data/', ['2026/jan.csv', 'readme.txt']));
    await readySnapshot(bucket, 'data/2026/', membersUnder('data/2026/', ['jan.csv']));
    await readySnapshot(bucket, 'other/', membersUnder('other/', ['x.bin']));
    bench.answers.set(`${bucket}/${key}`, { kind: 'forbidden', reason: ForbiddenReason.NotAnonymouslyReadable });

    // Act
    const [result] = await handleAccessMessages(bench.context(), [{ messageId: 'm1', body: fixtureEvent('object-acl-updated.json', bucket, key) }], FAR);

    // Assess
    expect(result?.error).toBeUndefined();
    expect(result?.prefixes).toEqual({ checked: 2, revoked: ['data/', 'data/2026/'] });
    for (const prefix of ['data/', 'data/2026/']) {
      const record = await stateOf(bucket, prefix);
      expect(record?.state).toBe(RecordState.Revoked);
      expect(record?.reason).toMatch(/^member data\/2026\/jan\.csv no longer public \(Object ACL Updated event/);
    }
    expect((await stateOf(bucket, 'other/'))?.state).toBe(RecordState.Ready);
  });

  it('keeps a snapshot whose member S3 still serves in the same version, and ignores objects it does not list', async () => {
    // Prepare: `data/readme.txt` is still public as listed; `data/new.bin` was never a member.
    const bucket = freshBucket();
    await readySnapshot(bucket, 'data/', membersUnder('data/', ['readme.txt']));
    bench.answers.set(`${bucket}/data/readme.txt`, isPublic('"e0"'));
    bench.answers.set(`${bucket}/data/new.bin`, { kind: 'forbidden', reason: ForbiddenReason.NotAnonymouslyReadable });

    // Act
    const results = await handleAccessMessages(bench.context(), [
      { messageId: 'm1', body: fixtureEvent('object-acl-updated.json', bucket, 'data/readme.txt') },
      { messageId: 'm2', body: fixtureEvent('object-acl-updated.json', bucket, 'data/new.bin') },
    ], FAR);

    // Assess
    expect(results.map((r) => r.prefixes)).toEqual([{ checked: 1, revoked: [] }, { checked: 0, revoked: [] }]);
    expect((await stateOf(bucket, 'data/'))?.state).toBe(RecordState.Ready);
    expect(bench.asked.filter((asked) => asked === `${bucket}/data/new.bin`)).toHaveLength(1); // its own re-check only
  });

  it('revokes a snapshot whose member was deleted or replaced by another version', async () => {
    // Prepare
    const bucket = freshBucket();
    await readySnapshot(bucket, 'gone/', membersUnder('gone/', ['a.bin']));
    await readySnapshot(bucket, 'moved/', membersUnder('moved/', ['a.bin']));
    bench.answers.set(`${bucket}/moved/a.bin`, isPublic('"another"'));

    // Act
    await handleAccessMessages(bench.context(), [
      { messageId: 'm1', body: fixtureEvent('object-deleted.json', bucket, 'gone/a.bin') },
      { messageId: 'm2', body: fixtureEvent('object-acl-updated.json', bucket, 'moved/a.bin') },
    ], FAR);

    // Assess
    expect((await stateOf(bucket, 'gone/'))?.reason).toMatch(/^member gone\/a\.bin deleted \(/);
    expect((await stateOf(bucket, 'moved/'))?.reason).toMatch(/^member moved\/a\.bin replaced: S3 now serves ETag "another" \(/);
  });

  it('revokes every snapshot of a bucket on a bucket-level change, and none of another bucket', async () => {
    // Prepare
    const bucket = freshBucket();
    const elsewhere = freshBucket();
    await readySnapshot(bucket, 'a/', membersUnder('a/', ['1.bin']));
    await readySnapshot(bucket, 'b/c/', membersUnder('b/c/', ['2.bin']));
    await readySnapshot(elsewhere, 'a/', membersUnder('a/', ['1.bin']));

    // Act
    const [result] = await handleAccessMessages(bench.context({ publishedBuckets: new Set([bucket, elsewhere]) }), [
      { messageId: 'm1', body: fixtureEvent('cloudtrail-put-bucket-policy.json', bucket) },
    ], FAR);

    // Assess
    expect(result?.error).toBeUndefined();
    expect(result?.revokedPrefixes).toEqual(['a/', 'b/c/']);
    expect((await stateOf(bucket, 'a/'))?.reason).toMatch(/^bucket-level access change \(/);
    expect((await stateOf(bucket, 'b/c/'))?.state).toBe(RecordState.Revoked);
    expect((await stateOf(elsewhere, 'a/'))?.state).toBe(RecordState.Ready);
  });

  it.each([
    ['the table scan (any bucket published)', undefined],
    ['the byBucket index (named buckets)', 'named'],
  ] as const)('sweeps READY snapshots by %s and revokes the one with a member S3 no longer serves', async (_how, published) => {
    // Prepare: two snapshots; one member of the second went private without an event.
    const bucket = freshBucket();
    await readySnapshot(bucket, 'fine/', membersUnder('fine/', ['1.bin', '2.bin']));
    await readySnapshot(bucket, 'broken/', membersUnder('broken/', ['1.bin', '2.bin']));
    for (const [i, key] of ['fine/1.bin', 'fine/2.bin', 'broken/1.bin'].entries()) bench.answers.set(`${bucket}/${key}`, isPublic(`"e${i % 2}"`));
    bench.answers.set(`${bucket}/broken/2.bin`, { kind: 'forbidden', reason: ForbiddenReason.NotAnonymouslyReadable });
    const context = bench.context(published === undefined ? {} : { publishedBuckets: new Set([bucket]) });

    // Act
    const { prefixes } = await runSweep(context, FAR);

    // Assess
    expect(prefixes.revoked).toContain(`${bucket}/broken/`);
    expect(prefixes.revoked).not.toContain(`${bucket}/fine/`);
    expect((await stateOf(bucket, 'broken/'))?.reason).toMatch(/^member broken\/2\.bin no longer public \(sweep at /);
    expect((await stateOf(bucket, 'fine/'))?.state).toBe(RecordState.Ready);
  });

  it('queues the job of a PENDING or HASHING snapshot left alone past the stale-job time again, once, and leaves a fresh one alone', async () => {
    // Prepare: two snapshots whose job was lost (one never started, one mid-way), one just taken.
    const LOST_FOR_MS = 3000;
    const bucket = freshBucket();
    const take = async (prefix: string): Promise<PrefixRecord> => {
      snapshots += 1;
      const snapshotId = createHash('sha256').update(`snapshot ${snapshots}`).digest('hex');
      const inline = encodeMembers(membersUnder(prefix, ['1.bin']));
      const taken = await bench.records.prefixes.takeSnapshot(bucket, prefix, {
        snapshotId, pieceLength: 262_144, totalSize: 1000, memberCount: 1, excludedCount: 0, manifest: { inline, bytes: inline.length },
      });
      return taken.record;
    };
    const lostPending = await take('lost-pending/');
    const lostHashing = await take('lost-hashing/');
    await bench.records.prefixes.startHashing(bucket, 'lost-hashing/', lostHashing.snapshotId);
    // The records' own clock is the real one: the lost ones age for real, then the sweep's clock
    // stops at the moment the fresh one is taken.
    await new Promise((resolve) => setTimeout(resolve, LOST_FOR_MS));
    bench.clock = Date.now();
    const fresh = await take('fresh/');
    const context = bench.context({ publishedBuckets: new Set([bucket]), staleJobMs: LOST_FOR_MS - 1000 });

    // Act: the sweep runs twice (a second sweep must not queue the same jobs again)
    const first = await runSweep(context, FAR);
    const second = await runSweep(context, FAR);

    // Assess
    expect([...first.prefixes.requeued].sort()).toEqual([`${bucket}/lost-hashing/`, `${bucket}/lost-pending/`]);
    expect(second.prefixes.requeued).toEqual([]);
    const jobs = await bench.jobsOnHashQueue();
    expect(jobs.map((job) => job.prefix).sort()).toEqual(['lost-hashing/', 'lost-pending/']);
    expect(jobs.find((job) => job.prefix === 'lost-pending/')).toMatchObject({ type: 'prefix', bucket, snapshotId: lostPending.snapshotId });
    expect((await stateOf(bucket, 'lost-hashing/'))?.state).toBe(RecordState.Hashing);
    expect((await stateOf(bucket, 'fresh/'))?.snapshotId).toBe(fresh.snapshotId);
  });
});
