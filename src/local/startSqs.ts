import { buildApp } from 'fauxqs';
import { EmulatorStartError } from './errors.js';
import { LOOPBACK_HOST } from './ports.js';

interface StartSqsOptions {
  /** Loopback port; 0 lets the kernel pick one (read it back from `endpoint`). */
  readonly port: number;
}

interface SqsHandle {
  /** `http://127.0.0.1:<port>`; speaks the SQS JSON protocol of `@aws-sdk/client-sqs` v3. */
  readonly endpoint: string;
  readonly port: number;
  /** Closes the server and its open connections; queues and messages are lost. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts fauxqs 1.9.2 (SQS, in memory) in this process on the loopback address.
 *
 * `startFauxqs` would listen on 0.0.0.0, so the app is built with `buildApp` and bound here.
 * fauxqs also answers SNS and S3 on the same port; the local stack uses only its SQS (its S3
 * truncates bodies above 11 MiB). Queue URLs it returns have the form
 * `http://sqs.<region>.localhost:<port>/000000000000/<name>`: they identify a queue and are
 * not meant to be resolved, since clients send every request to `endpoint`.
 *
 * @example
 * const sqs = await startSqs({ port: 0 });
 * const clients = awsClients({ region: 'us-east-1', sqsEndpoint: sqs.endpoint, ... });
 */
async function startSqs(options: StartSqsOptions): Promise<SqsHandle> {
  const app = buildApp({ logger: false });
  let port: number;
  try {
    const address = await app.listen({ host: LOOPBACK_HOST, port: options.port });
    port = Number(new URL(address).port);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new EmulatorStartError('fauxqs', `cannot listen on ${LOOPBACK_HOST}:${options.port}`, '', { cause: error });
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK_HOST}:${port}`,
    port,
    stop() {
      // fauxqs builds fastify with forceCloseConnections, so close() does not wait for
      // keep-alive sockets; its preClose hook also ends pending long polls.
      stopping ??= app.close().then(() => undefined);
      return stopping;
    },
  };
}

export { startSqs };
export type { SqsHandle, StartSqsOptions };
