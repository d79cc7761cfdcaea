import { S3TorrentError } from './errors.js';

/** A missing or malformed environment variable: the deployment is misconfigured. */
class ConfigError extends S3TorrentError {
  public readonly variable: string;

  public constructor(variable: string, problem: string, options?: ErrorOptions) {
    super(`environment variable ${variable} ${problem}`, options);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Typed readers over one environment snapshot: the only place that looks at `process.env`. */
class EnvReader {
  public constructor(private readonly env: Env = process.env) {}

  public string(name: string, fallback?: string): string {
    const value = this.env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new ConfigError(name, 'is required');
  }

  public optionalString(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  public integer(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const text = this.optionalString(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `must be an integer from ${min} to ${max}, not "${text}"`);
    }
    return value;
  }

  public list(name: string): string[] {
    return (this.optionalString(name) ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }

  public oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const text = this.optionalString(name) ?? fallback;
    if (!(allowed as readonly string[]).includes(text)) {
      throw new ConfigError(name, `must be one of ${allowed.join(', ')}, not "${text}"`);
    }
    return text as T;
  }
}

/** AWS endpoints: unset in AWS (the SDK's defaults); set to the emulators locally. */
interface AwsConfig {
  readonly region: string;
  readonly s3Endpoint: string | undefined;
  readonly dynamoDbEndpoint: string | undefined;
  readonly sqsEndpoint: string | undefined;
}

/** Reads the AWS part of the configuration. */
function awsConfigFrom(reader: EnvReader): AwsConfig {
  return Object.freeze({
    region: reader.string('AWS_REGION', 'us-east-1'),
    s3Endpoint: reader.optionalString('S3TORRENT_S3_ENDPOINT'),
    dynamoDbEndpoint: reader.optionalString('S3TORRENT_DYNAMODB_ENDPOINT'),
    sqsEndpoint: reader.optionalString('S3TORRENT_SQS_ENDPOINT'),
  });
}

export { ConfigError, EnvReader, awsConfigFrom };
export type { AwsConfig, Env };
