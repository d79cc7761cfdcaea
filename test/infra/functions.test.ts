import { DEFAULT_SEGMENT_BYTES, PublicVerdict, ServiceEnv, serviceConfigFrom } from '../../src/config.js';
import type { ServiceConfig } from '../../src/config.js';
import { DEFAULT_TRACKER_PORT } from '../../src/seeding/index.js';
import {
  API_DOMAIN,
  CUSTOM_SETTINGS,
  HANDLER_ROLES,
  PUBLISHED_BUCKETS,
  TRACKER_DOMAIN,
  environmentOf,
  environmentWithPlaceholders,
  functionOf,
  logicalIdOf,
  placeholder,
  resourcesOfType,
  synthesize,
} from './synth.js';
import type { HandlerRole, Settings } from './synth.js';

// The Lambdas: how they run, and whether the environment the stack gives them is one the
// handlers accept (src/config.ts reads it at module load: a bad value is a function that never
// starts) and means what the settings asked for.

/** Lambda's longest timeout. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** What `serviceConfigFrom` makes of `role`'s environment in the stack synthesised with `settings`. */
function configOf(role: HandlerRole, settings: Settings = {}): ServiceConfig {
  const { json } = synthesize(settings);
  return serviceConfigFrom(environmentWithPlaceholders(environmentOf(functionOf(json, role)[1])));
}

/** The announce URLs of a configuration, parsed. */
function trackerUrls(config: ServiceConfig): URL[] {
  return config.trackers.flat().map((url) => new URL(url));
}

describe('Class: HandlerFunction', () => {
  it('marks exactly our four functions with the handler each runs', () => {
    // Prepare & Act
    const { json } = synthesize();

    // Assess
    const marked = resourcesOfType(json, 'AWS::Lambda::Function')
      .map(([, fn]) => fn.Metadata?.['s3-torrent:handler'])
      .filter((role) => role !== undefined);
    expect(marked.sort()).toEqual([...HANDLER_ROLES].sort());
  });

  it.each(HANDLER_ROLES)('runs %s on Node.js 22 on arm64 from index.handler', (role) => {
    // Prepare & Act
    const { json } = synthesize();

    // Assess
    const properties = functionOf(json, role)[1].Properties ?? {};
    expect(properties.Runtime).toBe('nodejs22.x');
    expect(properties.Architectures).toEqual(['arm64']);
    expect(properties.Handler).toBe('index.handler');
  });

  it.each(HANDLER_ROLES)('logs %s as JSON to a log group of the stack that keeps its logs for a set time', (role) => {
    // Prepare & Act
    const { json } = synthesize();

    // Assess
    const properties = functionOf(json, role)[1].Properties ?? {};
    expect(properties.LoggingConfig?.LogFormat).toBe('JSON');
    const logGroup = json.Resources[properties.LoggingConfig?.LogGroup?.Ref as string];
    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties?.RetentionInDays).toBeGreaterThan(0);
  });

  it('gives the hash-worker 1769 MB (one vCPU) by default and a timeout Lambda allows', () => {
    // Prepare & Act
    const { json } = synthesize();

    // Assess
    const properties = functionOf(json, 'hash-worker')[1].Properties ?? {};
    expect(properties.MemorySize).toBe(1769);
    expect(properties.Timeout).toBeGreaterThanOrEqual(60);
    expect(properties.Timeout).toBeLessThanOrEqual(LAMBDA_MAX_TIMEOUT_SECONDS);
  });

  it('gives the hash-worker hashWorkerMemory', () => {
    // Prepare & Act
    const { json } = synthesize(CUSTOM_SETTINGS);

    // Assess
    expect(functionOf(json, 'hash-worker')[1].Properties?.MemorySize).toBe(Number(CUSTOM_SETTINGS.hashWorkerMemory));
  });

  it("gives the torrent-api 512 MB and 29 s, within the API's integration timeout", () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const [apiFunctionId, apiFunction] = functionOf(json, 'torrent-api');
    expect(apiFunction.Properties?.MemorySize).toBe(512);
    expect(apiFunction.Properties?.Timeout).toBe(29);
    const integrations = resourcesOfType(json, 'AWS::ApiGatewayV2::Integration')
      .filter(([, integration]) => JSON.stringify(integration.Properties?.IntegrationUri).includes(`"${apiFunctionId}"`));
    expect(integrations).toHaveLength(1);
    expect(integrations[0]?.[1].Properties?.ApiId).toEqual({ Ref: logicalIdOf(stack.api.api) });
    expect(integrations[0]?.[1].Properties?.TimeoutInMillis).toBeGreaterThanOrEqual(29_000);
  });
});

describe('The webseed of v1 prefix torrents (the API, which answers their pad files)', () => {
  it("is the API's execute-api URL in the hash-worker's environment, and the custom domain when there is one", () => {
    // Prepare & Act
    const { stack, json } = synthesize();
    const byDefault = configOf('hash-worker');
    const custom = configOf('hash-worker', { ...CUSTOM_SETTINGS, webseeds: 'true' });

    // Assess
    expect(byDefault.apiWebseedBaseUrl).toContain(placeholder(logicalIdOf(stack.api.api)));
    expect(JSON.stringify(environmentOf(functionOf(json, 'hash-worker')[1])[ServiceEnv.ApiWebseedBaseUrl]))
      .toContain(JSON.stringify({ Ref: logicalIdOf(stack.api.api) }));
    expect(custom.apiWebseedBaseUrl).toBe(`https://${API_DOMAIN}/`);
  });

  it('is set for no other handler, and for none with webseeds=false', () => {
    // Prepare & Act
    const { json } = synthesize();

    // Assess
    for (const role of HANDLER_ROLES.filter((name) => name !== 'hash-worker')) {
      expect(Object.keys(environmentOf(functionOf(json, role)[1]))).not.toContain(ServiceEnv.ApiWebseedBaseUrl);
    }
    expect(configOf('hash-worker', CUSTOM_SETTINGS).apiWebseedBaseUrl).toBeUndefined();
  });
});

describe('Function: serviceConfigFrom (the environment the stack gives each handler)', () => {
  describe.each(HANDLER_ROLES)('%s', (role) => {
    it('is read without error', () => {
      // Prepare
      const { json } = synthesize();
      const environment = environmentWithPlaceholders(environmentOf(functionOf(json, role)[1]));

      // Act
      const read = (): ServiceConfig => serviceConfigFrom(environment);

      // Assess
      expect(read).not.toThrow();
    });

    it('does not set AWS_REGION, which Lambda reserves and sets itself', () => {
      // Prepare & Act
      const { json } = synthesize(CUSTOM_SETTINGS);

      // Assess
      expect(Object.keys(environmentOf(functionOf(json, role)[1]))).not.toContain(ServiceEnv.Region);
      expect(Object.keys(environmentOf(functionOf(synthesize().json, role)[1]))).not.toContain(ServiceEnv.Region);
    });

    it("names the stack's records table, hash queue and artifacts bucket", () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const environment = environmentOf(functionOf(json, role)[1]);
      expect(environment[ServiceEnv.Table]).toEqual({ Ref: logicalIdOf(stack.records.table) });
      expect(environment[ServiceEnv.HashQueueUrl]).toEqual({ Ref: logicalIdOf(stack.hashing.queue) });
      expect(environment[ServiceEnv.ArtifactsBucket]).toEqual({ Ref: logicalIdOf(stack.artifactsBucket) });
      const config = configOf(role);
      expect(config.tableName).toBe(placeholder(logicalIdOf(stack.records.table)));
      expect(config.hashQueueUrl).toBe(placeholder(logicalIdOf(stack.hashing.queue)));
      expect(config.artifactsBucket).toBe(placeholder(logicalIdOf(stack.artifactsBucket)));
    });

    it('publishes exactly the named buckets', () => {
      // Prepare & Act
      const config = configOf(role);

      // Assess
      expect(config.publishedBuckets).toEqual(new Set(PUBLISHED_BUCKETS));
    });

    it("takes S3's own verdict of public access, the default (no variable set for it)", () => {
      // Prepare & Act
      const { json } = synthesize();
      const config = configOf(role);

      // Assess
      expect(Object.keys(environmentOf(functionOf(json, role)[1]))).not.toContain(ServiceEnv.PublicVerdict);
      expect(config.publicVerdict).toBe(PublicVerdict.S3);
    });

    it('answers v1 torrents by default, and the format setting otherwise', () => {
      // Prepare & Act
      const byDefault = configOf(role);
      const hybrid = configOf(role, CUSTOM_SETTINGS);

      // Assess
      expect(byDefault.defaultFormat).toBe('v1');
      expect(hybrid.defaultFormat).toBe('hybrid');
    });

    it('hashes on the handler thread (a Lambda bundle has no worker file to start threads from)', () => {
      // Prepare & Act
      const config = configOf(role);

      // Assess
      expect(config.hashThreads).toBe(0);
    });

    it('cuts objects into 256 MiB segments by default, and segmentBytes otherwise', () => {
      // Prepare & Act
      const byDefault = configOf(role);
      const custom = configOf(role, CUSTOM_SETTINGS);

      // Assess
      expect(byDefault.segmentBytes).toBe(DEFAULT_SEGMENT_BYTES);
      expect(custom.segmentBytes).toBe(Number(CUSTOM_SETTINGS.segmentBytes));
    });

    it('announces an HTTP and a UDP tracker on the tracker port of the NLB', () => {
      // Prepare & Act
      const { stack, json } = synthesize();
      const urls = trackerUrls(configOf(role));

      // Assess
      const loadBalancer = placeholder(`${logicalIdOf(stack.seeder.network.loadBalancer)}-DNSName`);
      const http = urls.filter((url) => url.protocol === 'http:');
      const udp = urls.filter((url) => url.protocol === 'udp:');
      expect(http).toHaveLength(1);
      expect(udp).toHaveLength(1);
      expect(urls).toHaveLength(2);
      expect(urls[0]?.protocol).toBe('http:');
      for (const url of [...http, ...udp]) {
        expect(url.hostname).toBe(loadBalancer);
        expect(url.port).toBe(String(DEFAULT_TRACKER_PORT));
      }
      expect(http[0]?.pathname).toBe('/announce');
      expect(JSON.stringify(environmentOf(functionOf(json, role)[1])[ServiceEnv.Trackers]))
        .toContain(JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(stack.seeder.network.loadBalancer), 'DNSName'] }));
    });

    it('announces the tracker at trackerDomain when one is given', () => {
      // Prepare & Act
      const urls = trackerUrls(configOf(role, CUSTOM_SETTINGS));

      // Assess
      expect(urls.map((url) => url.href)).toEqual([
        `http://${TRACKER_DOMAIN}:${DEFAULT_TRACKER_PORT}/announce`,
        `udp://${TRACKER_DOMAIN}:${DEFAULT_TRACKER_PORT}`,
      ]);
    });

    it("puts a webseed base URL (the region's S3 endpoint) in torrents by default", () => {
      // Prepare & Act
      const config = configOf(role);

      // Assess
      expect(config.webseedBaseUrl).toBe(`https://s3.${placeholder('AWS::Region')}.${placeholder('AWS::URLSuffix')}`);
    });

    it('puts no webseed in torrents with webseeds=false', () => {
      // Prepare & Act
      const { json } = synthesize(CUSTOM_SETTINGS);
      const config = configOf(role, CUSTOM_SETTINGS);

      // Assess
      expect(config.webseedBaseUrl).toBeUndefined();
      expect(Object.keys(environmentOf(functionOf(json, role)[1]))).not.toContain(ServiceEnv.WebseedBaseUrl);
    });

    it('marks a hash job FAILED on the delivery the hash queue redrives after', () => {
      // Prepare & Act
      const { stack, json } = synthesize();
      const config = configOf(role);

      // Assess
      const queue = json.Resources[logicalIdOf(stack.hashing.queue)];
      expect(config.hashMaxReceives).toBe(queue?.Properties?.RedrivePolicy?.maxReceiveCount);
    });

    it('sets only variables the service reads', () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      const known = new Set<string>([...Object.values(ServiceEnv), 'NODE_OPTIONS']);
      expect(Object.keys(environmentOf(functionOf(json, role)[1])).filter((name) => !known.has(name))).toEqual([]);
    });
  });
});
