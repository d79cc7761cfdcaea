import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/files.js';
import { projectRoot, runTool } from '../helpers/tools.js';

const GiB = 1024 ** 3;

/** The bound: hashing a 5 GiB input must stay well under this peak RSS. */
const MAX_RSS_BYTES = 256 * 1024 * 1024;

describe('CLI: memory of create on a 5 GiB file', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('mem'));
  });
  afterAll(() => cleanup());

  it('keeps peak RSS under 256 MiB for a hybrid torrent on every core', async () => {
    // Prepare: a sparse 5 GiB file: it reads as zeros without using 5 GiB of disk.
    const file = join(dir, 'five.bin');
    const handle = await open(file, 'w');
    await handle.truncate(5 * GiB);
    await handle.close();
    // Act: GNU time reports the peak resident set of the whole process, threads included.
    const { stderr } = await runTool('/usr/bin/time', [
      '-f', 'maxrss-kib=%M',
      process.execPath, join(projectRoot, 'dist', 's3-torrent.js'),
      'create', file, '--hybrid', '-o', join(dir, 'five.torrent'),
    ]);
    // Assess
    const match = /maxrss-kib=(\d+)/.exec(stderr);
    expect(match).not.toBeNull();
    const peak = Number(match?.[1]) * 1024;
    expect(peak).toBeLessThan(MAX_RSS_BYTES);
    expect(peak).toBeGreaterThan(0);
  }, 300_000);
});
