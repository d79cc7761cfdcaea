import { UsageError } from './errors.js';

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/**
 * Parses a byte count as users write it: `262144`, `256k`, `256KiB`, `4M`, `4MiB` (binary units:
 * piece lengths are powers of two).
 *
 * @throws UsageError
 */
function parseByteCount(text: string, option: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = UNITS[(match?.[2] ?? '?').toLowerCase()];
  if (match === null || unit === undefined) {
    throw new UsageError(`${option} expects a byte count such as 262144, 256k or 4MiB, not "${text}"`);
  }
  return Number(match[1]) * unit;
}

/** `1048576` → `1 MiB`, for humans. */
function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(2)} ${units[unit]}`;
}

export { formatBytes, parseByteCount };
