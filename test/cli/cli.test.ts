import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir, writeTestFile } from '../helpers/files.js';
import { createDirectoryTorrent } from '../e2e/prefix/directoryTorrent.js';
import { torrentFiles } from '../e2e/prefix/torrentFiles.js';
import { libtorrentCreate, projectRoot, runCliProcess, runTool } from '../helpers/tools.js';

// These run the bundled CLI (dist/, built by `npm test` and `npm ci`) exactly as a user does.

const KiB = 1024;

/** A loopback port nothing listens on: one the system just gave out and took back. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('CLI: s3-torrent', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let file: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cli'));
    file = await writeTestFile(dir, 'video.mp4', 5 * 256 * KiB + 4_321);
  });
  afterAll(() => cleanup());

  describe('create', () => {
    it('writes <name>.torrent by default and prints the infohash and magnet link', async () => {
      const result = await runCliProcess(['create', file, '--announce', 'http://127.0.0.1:6969/announce'], dir);
      expect(result.code).toBe(0);
      const summary = JSON.parse((await runCliProcess(['inspect', join(dir, 'video.mp4.torrent'), '--json'])).stdout) as Record<string, unknown>;
      expect(result.stdout).toContain(`infohash v1:   ${String(summary.infoHashV1)}`);
      expect(result.stdout).toContain(`magnet:        magnet:?xt=urn:btih:${String(summary.infoHashV1)}&dn=video.mp4`);
      expect(result.stdout).not.toContain('infohash v2');
      expect(summary).toMatchObject({ name: 'video.mp4', size: 5 * 256 * KiB + 4_321, pieceLength: 256 * KiB, pieceCount: 6 });
    });

    it('writes <name>.hybrid.torrent by default with --hybrid, beside the v1 one', async () => {
      const result = await runCliProcess(['create', file, '--hybrid', '--no-date'], dir);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`wrote:         ${join(dir, 'video.mp4.hybrid.torrent')}`);
      expect((await runCliProcess(['inspect', join(dir, 'video.mp4.hybrid.torrent')])).stdout).toContain('format:        hybrid v1+v2');
    });

    it('applies every option', async () => {
      const out = join(dir, 'custom.torrent');
      const result = await runCliProcess([
        'create', file, '-o', out, '--piece-length', '64k', '--hybrid', '--name', 'renamed.mp4',
        '--comment', 'hello', '--announce', 'http://a/announce', '--announce', 'udp://b:1',
        '--webseed', 'http://s3/bucket/video.mp4', '--no-date', '--threads', '1',
      ]);
      expect(result.code).toBe(0);
      const summary = JSON.parse((await runCliProcess(['inspect', out, '--json'])).stdout) as Record<string, unknown>;
      expect(summary).toMatchObject({
        name: 'renamed.mp4',
        pieceLength: 64 * KiB,
        metaVersion: 2,
        trackers: [['http://a/announce'], ['udp://b:1']],
        webseeds: ['http://s3/bucket/video.mp4'],
        comment: 'hello',
        createdBy: 's3-torrent',
      });
      expect(summary).not.toHaveProperty('creationDate');
      expect(result.stdout).toContain(`infohash v2:   ${String(summary.infoHashV2)}`);
      expect(summary.magnet).toContain(`xt=urn:btmh:1220${String(summary.infoHashV2)}`);
    });

    it('writes the same bytes twice with --no-date (reproducible)', async () => {
      const a = join(dir, 'a.torrent');
      const b = join(dir, 'b.torrent');
      await runCliProcess(['create', file, '-o', a, '--no-date', '--hybrid']);
      await runCliProcess(['create', file, '-o', b, '--no-date', '--hybrid', '--threads', '0']);
      expect((await readFile(a)).equals(await readFile(b))).toBe(true);
    });
  });

  describe('bad input: one clear line on stderr, non-zero exit, nothing written', () => {
    it.each([
      ['a missing file', ['create', '/nonexistent/file.bin'], 1, 's3-torrent: cannot read /nonexistent/file.bin: no such file'],
      ['a directory', ['create', '/'], 1, 's3-torrent: cannot read /: is a directory'],
      ['a piece length that is not a power of two', ['create', 'FILE', '--piece-length', '3000'], 1,
        's3-torrent: invalid piece length 3000: must be a power of two from 16384 (16 KiB) to 67108864 (64 MiB)'],
      ['a piece length out of range', ['create', 'FILE', '--piece-length', '128M'], 1, 's3-torrent: invalid piece length 134217728'],
      ['a piece length that is not a number', ['create', 'FILE', '--piece-length', 'big'], 2, '--piece-length expects a byte count'],
      ['an unknown option', ['create', 'FILE', '--bogus'], 2, "Unknown option '--bogus'"],
      ['no file', ['create'], 2, 's3-torrent: create needs a file argument'],
      ['an unknown command', ['frobnicate'], 2, 's3-torrent: unknown command "frobnicate"'],
      ['a bad tracker URL', ['create', 'FILE', '--announce', 'nope'], 1, 's3-torrent: tracker "nope" is not a valid URL'],
      // Checked before anything starts: a wrong --handlers directory costs no emulator start-up.
      ['a --handlers directory that does not exist', ['local', '--handlers', '/nonexistent/cdk.out'], 1, 's3-torrent: --handlers /nonexistent/cdk.out: no such directory'],
      ['a --handlers directory that is no cloud assembly', ['local', '--handlers', 'src'], 1,
        's3-torrent: --handlers src: manifest.json: no such file (is it the output directory of cdk synth?)'],
      ['--handlers without a directory', ['local', '--handlers'], 2, "Option '--handlers <value>' argument missing"],
    ])('rejects %s', async (_label, args, code, message) => {
      const out = join(dir, `never-${code}.torrent`);
      const result = await runCliProcess([...args.map((a) => (a === 'FILE' ? file : a)), ...(args[0] === 'create' && args.length > 1 ? ['-o', out] : [])]);
      expect(result.code).toBe(code);
      expect(result.stderr).toContain(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      await expect(readFile(out)).rejects.toThrow(/ENOENT/);
    });

    it.each([
      ['an --api that is no URL', ['--api', 'not a url'], 2, 's3-torrent: --api must be an http or https URL, not "not a url"'],
      ['an --api that is not http', ['--api', 'ftp://example'], 2, 's3-torrent: --api must be an http or https URL, not "ftp://example"'],
      ['an --api on a port fetch never uses', ['--api', 'http://127.0.0.1:1'], 1,
        's3-torrent: cannot reach the torrent API at http://127.0.0.1:1: fetch does not connect to port 1'],
    ])('prewarm rejects %s in one line', async (_label, args, code, message) => {
      const result = await runCliProcess(['prewarm', 's3://demo-bucket/k', ...args]);
      expect(result.code).toBe(code);
      expect(result.stderr.trim()).toBe(message);
    });

    it('prewarm says so in one line when no torrent API listens (no stack running)', async () => {
      const port = await unusedPort();
      const result = await runCliProcess(['prewarm', 's3://demo-bucket/k', '--api', `http://127.0.0.1:${port}`]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(`s3-torrent: cannot reach the torrent API at http://127.0.0.1:${port}: connection refused`);
    });

    it.each([
      ['into a directory that does not exist', () => '/nonexistent/dir/x.torrent', 'no such directory'],
      ['onto a directory', () => dir, 'is a directory'],
    ])('says why it cannot write -o %s', async (_label, output, reason) => {
      const result = await runCliProcess(['create', file, '-o', output()]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(`s3-torrent: cannot write ${output()}: ${reason}`);
    });

    it.each([
      ['a udp webseed', ['--webseed', 'udp://x'], 1, 's3-torrent: webseed "udp://x" must be http or https'],
      ['an ftp webseed', ['--webseed', 'ftp://x'], 1, 's3-torrent: webseed "ftp://x" must be http or https'],
      ['--threads -1', ['--threads', '-1'], 2, 's3-torrent: --threads expects 0 to 256, not "-1"'],
      ['--threads=-1', ['--threads=-1'], 2, 's3-torrent: --threads expects 0 to 256, not "-1"'],
    ])('create rejects %s', async (_label, args, code, message) => {
      const out = join(dir, 'never-option.torrent');
      const result = await runCliProcess(['create', file, '-o', out, ...args]);
      expect(result.code).toBe(code);
      expect(result.stderr.trim()).toBe(message);
      await expect(readFile(out)).rejects.toThrow(/ENOENT/);
    });

    it('shows no raw bytes of a broken torrent, only escapes', async () => {
      const binary = join(dir, 'binary.torrent');
      await writeFile(binary, Buffer.from('d12\x01\x1b[2J\xff:a', 'latin1'));
      const result = await runCliProcess(['inspect', binary]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(`s3-torrent: ${binary} is not a valid .torrent: invalid string length "12\\x01\\x1b[2J\\xff" (at byte 1)`);
    });

    it('rejects an empty file with the reason', async () => {
      const empty = await writeTestFile(dir, 'empty.bin', 0);
      const result = await runCliProcess(['create', empty]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe('s3-torrent: cannot make a torrent of empty content: BitTorrent clients reject torrents of 0 bytes');
    });

    it('rejects a truncated .torrent in inspect and magnet', async () => {
      await runCliProcess(['create', file, '-o', join(dir, 'whole.torrent')]);
      const whole = await readFile(join(dir, 'whole.torrent'));
      const cut = join(dir, 'cut.torrent');
      await writeFile(cut, whole.subarray(0, whole.length - 10));
      for (const command of ['inspect', 'magnet']) {
        const result = await runCliProcess([command, cut]);
        expect(result.code).toBe(1);
        expect(result.stderr.trim()).toMatch(new RegExp(`^s3-torrent: ${cut} is not a valid \\.torrent: `));
      }
    });

    it('counts the files of a multi-file torrent (libtorrent\'s, with BEP 47 pad files) apart from its pads', async () => {
      const folder = join(dir, 'dataset');
      await mkdir(join(folder, 'a'), { recursive: true });
      await writeTestFile(join(folder, 'a'), 'one.bin', 1_000);
      await writeTestFile(folder, 'piece.bin', 256 * KiB);
      await writeTestFile(folder, 'tail.bin', 5);
      const torrent = join(dir, 'dataset.torrent');
      await createDirectoryTorrent(folder, torrent, { format: 'v1', pieceLength: 256 * KiB });
      const { padCount } = torrentFiles(await readFile(torrent));
      const result = await runCliProcess(['inspect', torrent]);
      expect(result.code).toBe(0);
      expect(padCount).toBeGreaterThan(0);
      expect(result.stdout).toContain(`files:         3 in folder dataset/ (+ ${padCount} pad files, zeros a client need not save)`);
      // The size a user compares with the folder on disk is the files' bytes; the pads' zeros apart.
      const contentBytes = 1_000 + 256 * KiB + 5;
      expect(result.stdout).toMatch(new RegExp(`\\nsize: +${contentBytes} bytes \\(256\\.98 KiB\\) in files; pieces cover ${3 * 256 * KiB} \\(768 KiB\\) with the pads\\n`));
    });

    it('rejects a file that is not bencode at all', async () => {
      const result = await runCliProcess(['inspect', file]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(
        new RegExp(`^s3-torrent: ${file} is not a \\.torrent: expected a bencoded dictionary \\(first byte "d"\\), found byte 0x[0-9a-f]{2}$`),
      );
    });
  });

  describe('help', () => {
    it.each([['create'], ['inspect'], ['magnet'], ['prewarm'], ['status']])('explains %s with --help', async (command) => {
      const result = await runCliProcess([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: s3-torrent ${command}`);
    });

    it('prints the version of package.json with --version', async () => {
      const { version } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
      const result = await runCliProcess(['--version'], dir);
      expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    });

    it('prints usage on stderr and exits 2 when given no command', async () => {
      const result = await runCliProcess([]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('Usage: s3-torrent <command>');
    });

    it('lists the commands', async () => {
      const result = await runCliProcess(['--help']);
      expect(result.stdout).toMatch(/create <file>[\s\S]*inspect <file\.torrent>[\s\S]*magnet <file\.torrent>[\s\S]*status s3:\/\/b\/k/);
    });
  });

  describe('magnet', () => {
    it('prints the same link as inspect', async () => {
      const torrent = join(dir, 'm.torrent');
      await runCliProcess(['create', file, '-o', torrent, '--hybrid', '--webseed', 'http://h/video.mp4']);
      const magnet = (await runCliProcess(['magnet', torrent])).stdout.trim();
      const summary = JSON.parse((await runCliProcess(['inspect', torrent, '--json'])).stdout) as { magnet: string };
      expect(magnet).toBe(summary.magnet);
      expect(magnet).toContain('&ws=http%3A%2F%2Fh%2Fvideo.mp4');
    });
  });

  describe('real clients load what create writes', () => {
    let v1: string;
    let hybrid: string;
    let v1Hash: string;
    let hybridHashes: { v1: string; v2: string };

    beforeAll(async () => {
      v1 = join(dir, 'clients-v1.torrent');
      hybrid = join(dir, 'clients-hybrid.torrent');
      await runCliProcess(['create', file, '-o', v1, '--announce', 'http://127.0.0.1:6969/announce']);
      await runCliProcess(['create', file, '-o', hybrid, '--hybrid']);
      v1Hash = (JSON.parse((await runCliProcess(['inspect', v1, '--json'])).stdout) as { infoHashV1: string }).infoHashV1;
      const h = JSON.parse((await runCliProcess(['inspect', hybrid, '--json'])).stdout) as { infoHashV1: string; infoHashV2: string };
      hybridHashes = { v1: h.infoHashV1, v2: h.infoHashV2 };
    });

    it('aria2 reads the v1 torrent and computes our infohash', async () => {
      const { stdout } = await runTool('aria2c', ['--show-files=true', v1]);
      expect(stdout).toContain(`Info Hash: ${v1Hash}`);
    });

    it('Transmission reads the v1 torrent and computes our infohash', async () => {
      const { stdout } = await runTool('transmission-show', [v1]);
      expect(stdout).toContain(`Hash: ${v1Hash}`);
    });

    it('libtorrent loads the v1 and the hybrid torrent with our infohashes', async () => {
      const script =
        'import sys, libtorrent as lt\n' +
        'for path in sys.argv[1:]:\n' +
        '    h = lt.torrent_info(path).info_hashes()\n' +
        '    print(h.v1, h.v2 if h.has_v2() else "-")\n';
      const { stdout } = await runTool('/usr/bin/python3', ['-c', script, v1, hybrid]);
      expect(stdout.trim().split('\n')).toEqual([`${v1Hash} -`, `${hybridHashes.v1} ${hybridHashes.v2}`]);
    });

    it('matches the infohashes libtorrent itself computes for the same file', async () => {
      const reference = await libtorrentCreate(file, 256 * KiB, 'hybrid');
      expect(hybridHashes).toEqual({ v1: reference.infoHashV1, v2: reference.infoHashV2 });
    });
  });
});
