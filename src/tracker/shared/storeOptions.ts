import { SwarmStoreConfigError } from './errors.js';

/** Where the shared swarm store (Valkey or Redis) is, and how to log in. */
interface SwarmStoreOptions {
  readonly host: string;
  readonly port: number;
  /** TLS (`rediss://`); ElastiCache Serverless accepts nothing else. */
  readonly tls: boolean;
  /** ACL user for AUTH; with a password and no user, AUTH names none (the `default` user). */
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/** The port Redis and Valkey listen on unless told otherwise. */
const DEFAULT_STORE_PORT = 6379;

/**
 * Reads `redis://host:port` or `rediss://host:port` (TLS). Credentials come apart (an ECS secret
 * is one variable), so a URL carrying them is refused rather than half-used.
 *
 * @throws SwarmStoreConfigError for anything else.
 */
function swarmStoreOptionsFrom(url: string, credentials: { username?: string | undefined; password?: string | undefined } = {}): SwarmStoreOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new SwarmStoreConfigError(`"${url}" is not a URL (expected redis://host:port or rediss://host:port)`, { cause: error });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new SwarmStoreConfigError(`"${url}" must start with redis:// or rediss:// (TLS)`);
  if (parsed.username !== '' || parsed.password !== '') throw new SwarmStoreConfigError('give the user and password in their own settings, not in the URL');
  if (parsed.hostname === '') throw new SwarmStoreConfigError(`"${url}" names no host`);
  const port = parsed.port === '' ? DEFAULT_STORE_PORT : Number(parsed.port);
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return Object.freeze({
    host,
    port,
    tls: parsed.protocol === 'rediss:',
    username: credentials.username === '' ? undefined : credentials.username,
    password: credentials.password === '' ? undefined : credentials.password,
  });
}

export { DEFAULT_STORE_PORT, swarmStoreOptionsFrom };
export type { SwarmStoreOptions };
