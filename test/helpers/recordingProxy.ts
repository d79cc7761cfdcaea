import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An upstream request that gets no reply head within this long is answered 502: the clients'
 * own runs are bounded, this only keeps a stuck upstream from holding a socket forever.
 */
const UPSTREAM_TIMEOUT_MS = 30_000;

/** One request as the proxy saw it. */
interface RecordedRequest {
  readonly method: string;
  /** The raw request target: path and query exactly as the client sent them (percent-encoding kept). */
  readonly target: string;
  /** The `Range` header, if any. */
  readonly range: string | undefined;
  /** Whether it carried AWS credentials (an Authorization header or a presigned query). */
  readonly signed: boolean;
  readonly userAgent: string;
  /** The upstream's status (502: the upstream could not be reached). */
  readonly status: number;
}

/** A running proxy. */
interface RecordingProxy {
  /** `http://127.0.0.1:<port>`: use it where the upstream's endpoint would go. */
  readonly endpoint: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  stop(): Promise<void>;
}

/** Whether a request carries AWS credentials: SigV4 or SigV2 in a header or in the query. */
function isSigned(target: string, authorization: string | undefined): boolean {
  if (authorization !== undefined && authorization !== '') return true;
  const query = new URLSearchParams(target.split('?')[1] ?? '');
  return query.has('X-Amz-Signature') || query.has('X-Amz-Credential') || query.has('Signature') || query.has('AWSAccessKeyId');
}

/**
 * A loopback HTTP proxy in front of `upstream` (an `http://127.0.0.1:<port>` endpoint, e.g. the
 * local S3) that forwards every request unchanged (the Host header aside) and records what each
 * client asked: how a test sees the requests webseed clients really send to S3, which the S3
 * emulators do not report.
 */
async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const requests: RecordedRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? '/';
    const record = (status: number): void => {
      requests.push({
        method: incoming.method ?? '',
        target: path,
        range: incoming.headers.range,
        signed: isSigned(path, incoming.headers.authorization),
        userAgent: incoming.headers['user-agent'] ?? '',
        status,
      });
    };
    const forwarded = httpRequest({
      host: target.hostname,
      port: target.port,
      method: incoming.method,
      path,
      headers: { ...incoming.headers, host: target.host },
      timeout: UPSTREAM_TIMEOUT_MS,
    }, (reply) => {
      record(reply.statusCode ?? 0);
      outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(outgoing);
    });
    forwarded.on('timeout', () => forwarded.destroy(new Error('upstream timeout')));
    forwarded.on('error', () => {
      if (outgoing.headersSent) {
        outgoing.destroy();
        return;
      }
      record(502);
      outgoing.writeHead(502).end();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export { startRecordingProxy };
export type { RecordedRequest, RecordingProxy };
