import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { SourceUnreadableError } from './errors.js';

/**
 * Bytes that can be read at any position: a local file, or (later) an S3 object read with
 * ranged GETs. Random access lets every hashing lane read its own pieces in parallel.
 */
interface RandomAccessSource {
  readonly size: number;
  /**
   * Set when the bytes are a local file: hashing threads then open and read it themselves,
   * which skips a hop through the caller's event loop for every chunk.
   */
  readonly path?: string | undefined;
  /** Fills `into` from `position`; returns how many bytes were read (fewer only at the end). */
  read(into: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

class FileSource implements RandomAccessSource {
  public constructor(
    private readonly handle: FileHandle,
    public readonly size: number,
    public readonly path: string,
  ) {}

  public async read(into: Uint8Array, position: number): Promise<number> {
    let filled = 0;
    while (filled < into.length) {
      const { bytesRead } = await this.handle.read(into, filled, into.length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  }

  public close(): Promise<void> {
    return this.handle.close();
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'permission denied',
};

/**
 * Opens a regular file for hashing.
 *
 * @throws SourceUnreadableError when it is missing, not a regular file or not readable.
 */
async function openFileSource(path: string): Promise<RandomAccessSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? '';
    throw new SourceUnreadableError(path, REASONS[code] ?? code, { cause });
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new SourceUnreadableError(path, stats.isDirectory() ? 'is a directory' : 'not a regular file');
  }
  return new FileSource(handle, stats.size, path);
}

export { openFileSource };
export type { RandomAccessSource };
