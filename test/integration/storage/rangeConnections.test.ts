import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RangeConnections } from '../../../src/storage/rangeConnections.js';
import { pseudoRandomBytes, tempDir } from '../../helpers/files.js';

// RangeConnections against node:http servers on loopback that answer as S3 does, and as
// S3-compatible servers sometimes do (ignoring Range, chunked bodies, closing idle connections).

type Handler = (request: IncomingMessage, response: ServerResponse, requestOnConnection: number) => void;

const data = pseudoRandomBytes(256 * 1024 + 3, 'range-connections');

/** Serves `data` by Range like S3 (206 with Content-Range), unless the test's handler answers. */
function s3Like(request: IncomingMessage, response: ServerResponse): void {
  const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
  const start = Number(match?.[1] ?? 0);
  const end = Math.min(Number(match?.[2] ?? data.length - 1), data.length - 1);
  response.writeHead(206, { 'content-range': `bytes ${start}-${end}/${data.length}`, 'content-length': end - start + 1, etag: '"v1"' });
  response.end(data.subarray(start, end + 1));
}

async function serve(handler: Handler = s3Like): Promise<{ url: URL; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const counts = new WeakMap<object, number>();
  const server: Server = createServer((request, response) => {
    const n = (counts.get(request.socket) ?? 0) + 1;
    counts.set(request.socket, n);
    handler(request, response, n);
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/bucket/key`),
    connections: () => connections,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('Class: RangeConnections', () => {
  const pool = new RangeConnections(5_000);
  afterAll(() => pool.destroy());

  it('reads exact ranges over one kept-alive connection', async () => {
    const server = await serve();
    try {
      for (let offset = 0; offset < data.length; offset += 50_000) {
        const length = Math.min(50_000, data.length - offset);
        const reply = await pool.get(server.url, offset, length, { 'If-Match': '"v1"' });
        expect([reply.status, reply.etag, reply.contentRange]).toEqual([206, '"v1"', `bytes ${offset}-${offset + length - 1}/${data.length}`]);
        expect(reply.body?.equals(data.subarray(offset, offset + length))).toBe(true);
      }
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('takes the bytes asked for from a server that sends the whole object, then reconnects', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': data.length });
      response.end(data);
    });
    try {
      const first = await pool.get(server.url, 0, 1000, {});
      const second = await pool.get(server.url, 0, 10, {});
      expect([first.status, first.body?.equals(data.subarray(0, 1000)), second.body?.equals(data.subarray(0, 10))]).toEqual([200, true, true]);
      expect(server.connections()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('returns an error status without a body, and the next request still works', async () => {
    let requests = 0;
    const server = await serve((request, response) => {
      requests += 1;
      if (requests === 1) {
        response.writeHead(404, { 'content-type': 'application/xml' });
        response.end('<Error><Code>NoSuchKey</Code></Error>');
      } else s3Like(request, response);
    });
    try {
      const missing = await pool.get(server.url, 0, 10, {});
      const found = await pool.get(server.url, 0, 10, {});
      expect([missing.status, missing.body, found.status, found.body?.equals(data.subarray(0, 10))]).toEqual([404, undefined, 206, true]);
    } finally {
      await server.close();
    }
  });

  it('sends a request again on a new connection when the server drops the kept-alive one unanswered', async () => {
    const server = await serve((request, response, n) => {
      if (n === 2) request.socket.destroy(); // the idle connection closed as the request arrived
      else s3Like(request, response);
    });
    try {
      await pool.get(server.url, 0, 10, {});
      const again = await pool.get(server.url, 100, 10, {});
      expect(again.body?.equals(data.subarray(100, 110))).toBe(true);
      expect(server.connections()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('refuses a chunked reply with one clear error', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(206, { 'transfer-encoding': 'chunked' });
      response.end(data.subarray(0, 10));
    });
    try {
      await expect(pool.get(server.url, 0, 10, {})).rejects.toThrow(/unexpected reply \(HTTP\/1\.1 206 Partial Content, chunked\)/);
    } finally {
      await server.close();
    }
  });

  it('refuses a header value with a line break (no request smuggling through an ETag)', async () => {
    const server = await serve();
    try {
      await expect(pool.get(server.url, 0, 10, { 'If-Match': '"a"\r\nX-Evil: 1' })).rejects.toThrow('header If-Match holds a line break');
    } finally {
      await server.close();
    }
  });

  it('reads over TLS the same way (S3 on AWS is https)', async () => {
    // A certificate for localhost, made for this test and trusted by this pool only.
    const { dir, cleanup } = await tempDir('range-tls');
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
        '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, s3Like);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const tlsPool = new RangeConnections(5_000, cert);
      try {
        const url = new URL(`https://localhost:${(server.address() as AddressInfo).port}/bucket/key`);
        const first = await tlsPool.get(url, 0, 200_000, {});
        const second = await tlsPool.get(url, 200_000, data.length - 200_000, {});
        expect(first.body?.equals(data.subarray(0, 200_000))).toBe(true);
        expect(second.body?.equals(data.subarray(200_000))).toBe(true);
        await expect(new RangeConnections(5_000).get(url, 0, 10, {})).rejects.toThrow(/self[- ]signed/);
      } finally {
        tlsPool.destroy();
        server.closeAllConnections();
        server.close();
      }
    } finally {
      await cleanup();
    }
  });
});
