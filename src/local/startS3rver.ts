import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';
import { LOCAL_CREDENTIALS } from '../service/credentials.js';
import { EmulatorStartError } from './errors.js';
import { LOOPBACK_HOST } from './ports.js';

/**
 * One S3 event notification record as s3rver emits it (the S3 notification shape, version 2.0).
 *
 * Unlike real S3 notifications, `s3.object.key` is NOT URL-encoded: it is the key exactly as
 * stored. `size` and `eTag` are absent on removals; `eTag` is also absent on copies.
 */
interface S3ObjectEventRecord {
  readonly eventVersion: string;
  readonly eventSource: 'aws:s3';
  readonly awsRegion: string;
  /** ISO 8601. */
  readonly eventTime: string;
  /** `ObjectCreated:Put`, `ObjectCreated:Post`, `ObjectCreated:Copy` or `ObjectRemoved:Delete`. */
  readonly eventName: string;
  readonly s3: {
    readonly bucket: { readonly name: string; readonly arn: string };
    readonly object: {
      readonly key: string;
      readonly size?: number;
      /** Without quotes. */
      readonly eTag?: string;
      readonly sequencer: string;
    };
  };
}

/** Called for every object event; a returned promise that rejects is reported like a throw. */
type S3ObjectEventListener = (record: S3ObjectEventRecord) => void | Promise<void>;

interface StartS3rverOptions {
  /** Loopback port; 0 lets the kernel pick one (read it back from `endpoint`). */
  readonly port: number;
  /** Directory holding the buckets and objects; created if missing, kept across restarts. */
  readonly dataDir: string;
  /**
   * Receives errors thrown by event listeners, which must not fail the S3 request that caused
   * the event.
   * @default writes the error to stderr
   */
  readonly onListenerError?: (error: unknown, record: S3ObjectEventRecord) => void;
}

interface S3rverHandle {
  /** `http://127.0.0.1:<port>`; clients must use path-style URLs and WHEN_REQUIRED checksums. */
  readonly endpoint: string;
  readonly port: number;
  /** Subscribes to object events; returns the unsubscribe function. */
  onObjectEvent(listener: S3ObjectEventListener): () => void;
  /** Closes the server and its open connections. Safe to call more than once. */
  stop(): Promise<void>;
}

function reportToStderr(error: unknown, record: S3ObjectEventRecord): void {
  console.error(`s3rver event listener failed for ${record.eventName} ${record.s3.bucket.name}/${record.s3.object.key}:`, error);
}

/**
 * Starts s3rver 3.7.1 in this process on the loopback address.
 *
 * s3rver accepts only the access keys in its registry (S3RVER/S3RVER by default); the local
 * stack's key (`test`) is added so that clients built by `awsClients` are accepted. It checks no
 * SigV4 signature.
 *
 * @example
 * const s3 = await startS3rver({ port: 0, dataDir: '.local/s3' });
 * const off = s3.onObjectEvent((record) => console.log(record.eventName, record.s3.object.key));
 * // ... later
 * off();
 * await s3.stop();
 */
async function startS3rver(options: StartS3rverOptions): Promise<S3rverHandle> {
  const onListenerError = options.onListenerError ?? reportToStderr;
  try {
    await mkdir(options.dataDir, { recursive: true });
  } catch (error) {
    throw new EmulatorStartError('s3rver', `cannot create data directory ${options.dataDir}`, '', { cause: error });
  }
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey);

  const server = new S3rver({
    address: LOOPBACK_HOST,
    port: options.port,
    directory: options.dataDir,
    silent: true,
    resetOnClose: false,
    // Path-style only: a Host header naming a bucket must not be read as one.
    vhostBuckets: false,
  });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error) {
    throw new EmulatorStartError('s3rver', `cannot listen on ${LOOPBACK_HOST}:${options.port}`, '', { cause: error });
  }

  const listeners = new Set<S3ObjectEventListener>();
  // s3rver emits one `{ Records: [record] }` per change, synchronously inside the request.
  server.on('event', (event: { Records: S3ObjectEventRecord[] }) => {
    for (const record of event.Records) {
      for (const listener of listeners) {
        try {
          Promise.resolve(listener(record)).catch((error: unknown) => onListenerError(error, record));
        } catch (error) {
          onListenerError(error, record);
        }
      }
    }
  });

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK_HOST}:${port}`,
    port,
    onObjectEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    stop() {
      stopping ??= (async () => {
        listeners.clear();
        const closed = server.close();
        // SDK clients keep connections alive; close() alone would wait for them to time out.
        server.httpServer?.closeAllConnections();
        await closed;
      })();
      return stopping;
    },
  };
}

export { startS3rver };
export type { S3ObjectEventListener, S3ObjectEventRecord, S3rverHandle, StartS3rverOptions };
