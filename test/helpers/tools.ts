import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Every reference tool and client run in tests is bounded in time. */
const TOOL_TIMEOUT_MS = 120_000;

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(here, '..', '..');

/**
 * Debian's libtorrent bindings live in the system Python; a `python3` earlier on PATH (pyenv,
 * venvs) may not have them, so the system interpreter is named explicitly.
 */
const SYSTEM_PYTHON = '/usr/bin/python3';

interface ReferenceTorrent {
  /** The bencoded info dict exactly as the tool wrote it. */
  readonly info: Buffer;
  readonly infoHashV1: string;
  readonly infoHashV2: string | undefined;
  /** The whole .torrent the tool wrote. */
  readonly torrent: Buffer;
}

/** python3-libtorrent's `create_torrent` as a command (usage in the script). */
const LIBTORRENT_CREATE_SCRIPT = join(here, 'libtorrent_create.py');

/**
 * What python3-libtorrent's `create_torrent` writes for `file`, or for a directory (a
 * multi-file torrent): v1-only, hybrid, or v1-canonical (v1-only with pad files, as hybrid).
 */
async function libtorrentCreate(file: string, pieceLength: number, format: 'v1' | 'hybrid' | 'v1-canonical'): Promise<ReferenceTorrent> {
  const { stdout } = await run(SYSTEM_PYTHON, [LIBTORRENT_CREATE_SCRIPT, file, String(pieceLength), format], {
    timeout: TOOL_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  const parsed = JSON.parse(stdout) as { info: string; v1: string; v2: string | null; torrent: string };
  return {
    info: Buffer.from(parsed.info, 'hex'),
    infoHashV1: parsed.v1,
    infoHashV2: parsed.v2 ?? undefined,
    torrent: Buffer.from(parsed.torrent, 'hex'),
  };
}

/** Runs mktorrent (no date, one thread) on `file`; returns the .torrent bytes. */
async function mktorrentCreate(file: string, pieceLength: number, outDir: string): Promise<Buffer> {
  const out = join(outDir, `${basename(file)}.mktorrent.torrent`);
  const exponent = Math.log2(pieceLength);
  await run('mktorrent', ['-d', '-t', '1', '-l', String(exponent), '-o', out, file], { timeout: TOOL_TIMEOUT_MS });
  return readFile(out);
}

/**
 * Runs the built CLI (dist/s3-torrent.js) as a user would; never throws on a non-zero exit.
 * `options.node` runs it on another Node binary (default: this test's), `options.env` adds
 * environment variables.
 */
async function runCliProcess(
  args: string[],
  cwd = projectRoot,
  options: { node?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(options.node ?? process.execPath, [join(projectRoot, 'dist', 's3-torrent.js'), ...args], {
      cwd,
      timeout: TOOL_TIMEOUT_MS,
      ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Runs any command with the standard timeout; resolves with stdout/stderr, rejects on failure. */
async function runTool(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(command, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
}

export { LIBTORRENT_CREATE_SCRIPT, SYSTEM_PYTHON, TOOL_TIMEOUT_MS, libtorrentCreate, mktorrentCreate, projectRoot, runCliProcess, runTool };
export type { ReferenceTorrent };
