import { Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ArtifactAccess, grantArtifacts } from './artifactAccess.js';
import { LOG_RETENTION_DAYS, TORRENT_API_MEMORY_MB, TORRENT_API_TIMEOUT } from './defaults.js';
import { HandlerFunction } from './HandlerFunction.js';
import { grantPrefixListing, grantPublicVerdict } from './publicVerdictAccess.js';
import { RecordAccess } from './RecordsTable.js';
import type { RecordsTable } from './RecordsTable.js';

/**
 * The one route shape of flow 2: `/{bucket}/{key+}?torrent` (S3's own path style). Without
 * `?torrent` the same path is the webseed of v1 prefix torrents (pad files, redirects to S3).
 */
const TORRENT_ROUTE_PATH = '/{bucket}/{key+}';

/**
 * One JSON line per request: who asked for what and how it went (HTTP API `$context` variables).
 * The request id ties a line to the handler's own log.
 */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  time: '$context.requestTime',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  bytes: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
});

interface TorrentApiProps {
  readonly records: RecordsTable;
  readonly hashQueue: sqs.IQueue;
  readonly artifactsBucket: s3.IBucket;
  /** The published buckets: the function asks S3 whether their objects are public. */
  readonly publishedBucketNames: readonly string[];
  /** Steady requests per second. */
  readonly rateLimit: number;
  readonly burstLimit: number;
  /** @default - the execute-api URL only */
  readonly domain?: { readonly name: string; readonly certificateArn: string } | undefined;
}

/**
 * Flow 2: an HTTP API with `GET` and `HEAD /{bucket}/{key+}` → `torrent-api`. Throttled, with
 * JSON access logs. The function reads records, queues hash jobs, signs URLs of large .torrent
 * files in the artifacts bucket (the 307 path), stores large prefix member lists there, lists
 * the published buckets for prefix torrents and asks S3 whether their objects are public (their
 * policy status and ACLs, never their bytes), and nothing else. A key ending in `/` (a prefix)
 * matches `{key+}` like any other: the handler reads the path from `rawPath`, slash kept.
 */
class TorrentApi extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogs: logs.LogGroup;
  /** The custom domain, when there is one. */
  public readonly domainName: apigwv2.DomainName | undefined;
  /** Base URL of `?torrent` requests, ending in `/`: the custom domain when there is one. */
  public readonly url: string;
  private readonly handler: HandlerFunction;

  public constructor(scope: Construct, id: string, props: TorrentApiProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Handler', {
      handler: 'torrent-api',
      memorySize: TORRENT_API_MEMORY_MB,
      timeout: TORRENT_API_TIMEOUT,
    });
    props.records.grant(this.handler.function, RecordAccess.Handler);
    props.hashQueue.grantSendMessages(this.handler.function);
    // Read: .torrent files to presign; write: the member list of a large prefix snapshot.
    grantArtifacts(props.artifactsBucket, this.handler.function, ArtifactAccess.ReadWrite, this.handler);
    grantPublicVerdict(props.publishedBucketNames, this.handler.function, this.handler);
    // Prefix torrents list the objects under a prefix (metadata only; every object is then checked).
    grantPrefixListing(props.publishedBucketNames, this.handler.function);

    // No default stage: the stage below is the only one, so it carries the access logs.
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 's3-torrent: GET /{bucket}/{key}?torrent',
      createDefaultStage: false,
      disableExecuteApiEndpoint: props.domain !== undefined,
    });
    const integration = new HttpLambdaIntegration('TorrentApi', this.handler.function, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      timeout: TORRENT_API_TIMEOUT,
    });
    this.api.addRoutes({ path: TORRENT_ROUTE_PATH, methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.HEAD], integration });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: "?torrent is public by design, as S3's was: it answers only for anonymously readable objects, and throttling bounds its use",
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: LOG_RETENTION_DAYS });
    this.domainName = props.domain === undefined
      ? undefined
      : new apigwv2.DomainName(this, 'Domain', {
        domainName: props.domain.name,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
      });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    if (this.domainName !== undefined) {
      new apigwv2.ApiMapping(this, 'DomainMapping', { api: this.api, domainName: this.domainName, stage: this.stage });
    }
    this.url = props.domain === undefined ? this.stage.url : `https://${props.domain.name}/`;
  }

  public get function(): lambda.Function {
    return this.handler.function;
  }

  /** Sets the handler's environment once the stack knows the tracker's addresses. */
  public configure(environment: Readonly<Record<string, string>>): void {
    this.handler.configure(environment);
  }
}

export { TORRENT_ROUTE_PATH, TorrentApi };
export type { TorrentApiProps };
