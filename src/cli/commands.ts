import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { hashFile, openFileSource } from '../hashing/index.js';
import {
  MalformedTorrentError,
  TorrentFormat,
  assertValidPieceLength,
  assertValidTorrentOptions,
  buildTorrent,
  magnetOfTorrent,
  parseTorrent,
  pieceLengthFor,
} from '../torrent/index.js';
import type { TorrentSummary } from '../torrent/index.js';
import { OutputUnwritableError } from './errors.js';
import { progressFor } from './progress.js';
import { formatBytes, parseByteCount } from './sizes.js';

/** Where a command writes; the CLI entry passes the process's streams. */
interface CliOutput {
  readonly out: (line: string) => void;
}

interface CreateArgs {
  readonly file: string;
  readonly output?: string | undefined;
  readonly pieceLength?: string | undefined;
  readonly announce: ReadonlyArray<string>;
  readonly webseed: ReadonlyArray<string>;
  readonly hybrid: boolean;
  readonly name?: string | undefined;
  readonly comment?: string | undefined;
  readonly noDate: boolean;
  /** Hashing threads (`--threads`, checked by the caller); undefined: one per core. */
  readonly threads?: number | undefined;
}

/** Every .torrent is one bencoded dictionary, so its first byte is `d`. */
const BENCODE_DICT_START = 0x64;

/** Why an output file cannot be written, in words (Node's own message ends in a stack trace). */
const WRITE_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

/** @throws OutputUnwritableError with the reason when the file cannot be written. */
async function writeOutput(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === undefined) throw cause;
    throw new OutputUnwritableError(path, WRITE_REASONS[code] ?? code, { cause });
  }
}

async function readTorrentFile(path: string): Promise<{ bytes: Uint8Array; summary: TorrentSummary }> {
  const source = await openFileSource(path); // same clear errors as for create's input
  await source.close();
  const bytes = await readFile(path);
  const first = bytes[0];
  if (first !== undefined && first !== BENCODE_DICT_START) {
    // Not bencode at all (an ISO, a CSV, the wrong file): say what a .torrent looks like.
    throw new MalformedTorrentError(
      `${path} is not a .torrent: expected a bencoded dictionary (first byte "d"), found byte 0x${first.toString(16).padStart(2, '0')}`,
    );
  }
  try {
    return { bytes, summary: parseTorrent(bytes) };
  } catch (error) {
    if (!(error instanceof MalformedTorrentError)) throw error;
    throw new MalformedTorrentError(`${path} is not a valid .torrent: ${error.message}`, undefined, { cause: error });
  }
}

function summaryLines(summary: TorrentSummary): string[] {
  // Pad files (BEP 47) are layout, not content: a user counts the files and bytes they will get.
  const files = summary.files.filter((file) => !file.pad);
  const pads = summary.files.length - files.length;
  const content = files.reduce((sum, file) => sum + file.size, 0);
  const lines = [
    `name:          ${summary.name}`,
    ...(summary.multiFile ? [`files:         ${files.length} in folder ${summary.name}/${pads === 0 ? '' : ` (+ ${pads} pad files, zeros a client need not save)`}`] : []),
    pads === 0
      ? `size:          ${summary.size} bytes (${formatBytes(summary.size)})`
      : `size:          ${content} bytes (${formatBytes(content)}) in files; pieces cover ${summary.size} (${formatBytes(summary.size)}) with the pads`,
    `piece length:  ${summary.pieceLength} (${formatBytes(summary.pieceLength)})`,
    `pieces:        ${summary.pieceCount}`,
    `format:        ${summary.metaVersion === 1 ? 'v1' : summary.infoHashV1 === undefined ? 'v2' : 'hybrid v1+v2'}`,
  ];
  if (summary.infoHashV1 !== undefined) lines.push(`infohash v1:   ${summary.infoHashV1}`);
  if (summary.infoHashV2 !== undefined) lines.push(`infohash v2:   ${summary.infoHashV2}`);
  return lines;
}

/** `s3-torrent create`: hash a file, write the .torrent, print what a publisher needs. */
async function createCommand(args: CreateArgs, io: CliOutput): Promise<void> {
  const name = args.name ?? basename(args.file);
  const format = args.hybrid ? TorrentFormat.Hybrid : TorrentFormat.V1;
  let pieceLength: number | undefined;
  if (args.pieceLength !== undefined) {
    pieceLength = parseByteCount(args.pieceLength, '--piece-length');
    assertValidPieceLength(pieceLength);
  }
  const torrentOptions = {
    name,
    format,
    trackers: args.announce.map((url) => [url]),
    webseeds: args.webseed,
    comment: args.comment,
    creationDate: args.noDate ? undefined : Math.floor(Date.now() / 1000),
  };
  const source = await openFileSource(args.file);
  const size = source.size;
  await source.close();
  assertValidTorrentOptions(torrentOptions); // before minutes of hashing, not after
  pieceLength ??= pieceLengthFor(size);
  const progress = await progressFor('bytes', size);
  let hashes;
  try {
    hashes = await hashFile(args.file, {
      pieceLength,
      v2: format === TorrentFormat.Hybrid,
      threads: args.threads,
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
  }
  const built = buildTorrent(hashes, torrentOptions);
  // The same default names as the torrent API's Content-Disposition: v1 and hybrid never overwrite each other.
  const output = resolve(args.output ?? (format === TorrentFormat.Hybrid ? `${name}.hybrid.torrent` : `${name}.torrent`));
  await writeOutput(output, built.torrent);
  const summary = parseTorrent(built.torrent);
  io.out(`wrote:         ${output}`);
  summaryLines(summary).forEach((line) => io.out(line));
  io.out(`magnet:        ${magnetOfTorrent(summary)}`);
}

/** `s3-torrent inspect`: what a .torrent holds, as text or JSON. */
async function inspectCommand(args: { file: string; json: boolean }, io: CliOutput): Promise<void> {
  const { summary } = await readTorrentFile(args.file);
  if (args.json) {
    io.out(JSON.stringify({ ...summary, magnet: magnetOfTorrent(summary) }, null, 2));
    return;
  }
  summaryLines(summary).forEach((line) => io.out(line));
  const trackers = summary.trackers.flatMap((tier, i) => tier.map((url) => `  tier ${i}: ${url}`));
  io.out(`trackers:${trackers.length === 0 ? '      (none)' : ''}`);
  trackers.forEach((line) => io.out(line));
  io.out(`webseeds:${summary.webseeds.length === 0 ? '      (none)' : ''}`);
  summary.webseeds.forEach((url) => io.out(`  ${url}`));
  if (summary.comment !== undefined) io.out(`comment:       ${summary.comment}`);
  if (summary.createdBy !== undefined) io.out(`created by:    ${summary.createdBy}`);
  if (summary.creationDate !== undefined) {
    io.out(`creation date: ${new Date(summary.creationDate * 1000).toISOString()}`);
  }
  io.out(`magnet:        ${magnetOfTorrent(summary)}`);
}

/** `s3-torrent magnet`: just the link. */
async function magnetCommand(args: { file: string }, io: CliOutput): Promise<void> {
  const { summary } = await readTorrentFile(args.file);
  io.out(magnetOfTorrent(summary));
}

export { createCommand, inspectCommand, magnetCommand };
export type { CliOutput, CreateArgs };
