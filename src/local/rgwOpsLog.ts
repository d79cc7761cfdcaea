import { createConnection } from 'node:net';
import type { RgwHandle } from './rgw.js';

/**
 * An entry longer than this is not one of RGW's (they are under 1 KiB: a request's URI, status,
 * user agent): it is skipped rather than buffered.
 */
const MAX_ENTRY_CHARS = 64 * 1024;

/**
 * At most one report per this interval: a multipart upload is refused part by part, and a
 * client retries, which would otherwise print a line per request.
 */
const REPORT_INTERVAL_MS = 10_000;

/** RGW's error code for a request that would take its user past the quota (the capacity). */
const QUOTA_EXCEEDED = 'QuotaExceeded';

/** The fields of an ops-log entry that are read (RGW writes more). */
interface RgwOpsLogEntry {
  readonly operation?: string;
  readonly uri?: string;
  readonly http_status?: string;
  readonly error_code?: string;
}

/**
 * Cuts RGW's ops-log stream into its JSON objects. The stream is one JSON array written as it
 * grows (`[{…},\n{…},\n…`, never closed), delivered in arbitrary chunks: an object ends where its
 * braces balance outside strings.
 *
 * @internal exported for its test
 */
class OpsLogSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private current = '';
  private oversized = false;

  /** Feeds the next chunk; returns the objects it completed, as text. */
  public push(chunk: string): string[] {
    const complete: string[] = [];
    for (const char of chunk) {
      if (this.depth === 0 && char !== '{') continue; // `[`, `,`, whitespace between entries
      if (!this.oversized) {
        this.current += char;
        if (this.current.length > MAX_ENTRY_CHARS) {
          this.oversized = true;
          this.current = '';
        }
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (char === '\\') this.escaped = true;
        else if (char === '"') this.inString = false;
      } else if (char === '"') {
        this.inString = true;
      } else if (char === '{') {
        this.depth += 1;
      } else if (char === '}') {
        this.depth -= 1;
        if (this.depth === 0) {
          if (!this.oversized) complete.push(this.current);
          this.current = '';
          this.oversized = false;
        }
      }
    }
    return complete;
  }
}

/**
 * The line to report for an ops-log entry, if it is a refusal for lack of storage: the user's
 * quota, which `rgw.sh` sets to the capacity. Malformed entries give undefined.
 *
 * @internal exported for its test
 */
function storageRefusal(entryText: string, capacityBytes: number): string | undefined {
  let entry: RgwOpsLogEntry;
  try {
    entry = JSON.parse(entryText) as RgwOpsLogEntry;
  } catch {
    return undefined;
  }
  if (entry.error_code !== QUOTA_EXCEEDED) return undefined;
  // `uri` is the request line, `PUT /bucket/key?x-id=PutObject HTTP/1.1`: keep method and path.
  const [method = '?', target = ''] = (entry.uri ?? '').split(' ');
  const request = `${method} ${target.split('?')[0] ?? ''}`;
  return `S3 storage is full: the local Ceph RGW refused ${request} (${entry.http_status ?? '403'} ${QUOTA_EXCEEDED}), `
    + `its capacity of ${capacityBytes} bytes is used up; delete objects, or restart with a larger `
    + 'S3TORRENT_RGW_CAPACITY_BYTES (the cluster starts empty)';
}

/**
 * Reads the gateway's ops log and reports, in one line, each upload it refuses because its
 * storage is full (at most one line per 10 s), so that the person watching the local stack sees
 * why an upload failed: RGW's own error reply has an empty message, and some clients show
 * nothing clearer than a 403. Returns a handle that stops reading.
 *
 * If the socket cannot be read (Ceph refuses socket paths over 107 bytes), that is reported once
 * and nothing else changes: uploads are still refused, only not explained here.
 */
function watchRgwStorage(
  rgw: Pick<RgwHandle, 'opsLogSocket' | 'capacityBytes'>,
  report: (line: string) => void,
  now: () => number = Date.now,
): { stop(): Promise<void> } {
  const splitter = new OpsLogSplitter();
  let lastReport = -Infinity;
  let stopped = false;
  const socket = createConnection({ path: rgw.opsLogSocket });
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    for (const entry of splitter.push(chunk)) {
      const line = storageRefusal(entry, rgw.capacityBytes);
      if (line === undefined || now() - lastReport < REPORT_INTERVAL_MS) continue;
      lastReport = now();
      report(line);
    }
  });
  socket.on('error', (error) => {
    if (!stopped) report(`cannot read RGW's ops log at ${rgw.opsLogSocket} (${error.message}): uploads refused for lack of storage will not be explained here`);
  });
  return {
    stop: async () => {
      stopped = true;
      socket.destroy();
    },
  };
}

export { OpsLogSplitter, storageRefusal, watchRgwStorage };
export type { RgwOpsLogEntry };
