import { Validations } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { HANDLER_METADATA_KEY } from '../src/service/handlers.js';
import type { HandlerRole } from '../src/service/handlers.js';
import { LAMBDA_RUNTIME, LOG_RETENTION_DAYS } from './defaults.js';


/**
 * ESM bundles load CommonJS dependencies (parts of the AWS SDK) that call `require`; ESM has no
 * `require`, so the bundle makes one. The odd name keeps it clear of any `createRequire` in the code.
 */
const ESM_REQUIRE_BANNER = "import { createRequire as __s3tCreateRequire } from 'node:module'; const require = __s3tCreateRequire(import.meta.url);";

interface HandlerFunctionProps {
  /** Which file of lambdas/ this function runs (its metadata names it so). */
  readonly handler: HandlerRole;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** @default - none: the account's unreserved pool */
  readonly reservedConcurrentExecutions?: number | undefined;
}

/**
 * One Lambda of ours: a lambdas/ file bundled by the local esbuild (no Docker) into a single ESM
 * file with every dependency inside, AWS SDK included, so the function runs the very versions the
 * tests ran rather than whatever the runtime ships. Node.js 22 on arm64 (Graviton costs less per
 * GB-second), JSON logs in a log group of the stack with a set retention.
 */
class HandlerFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;

  public constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: LOG_RETENTION_DAYS });
    // Our own role, not AWSLambdaBasicExecutionRole (which may write to every log group).
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: fileURLToPath(new URL(`../lambdas/${props.handler}.ts`, import.meta.url)),
      handler: 'handler',
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      // Stack traces in the log point into lambdas/ and src/, not into the minified bundle.
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      logGroup,
      role,
      loggingFormat: lambda.LoggingFormat.JSON,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        // Prefer packages' ESM builds; the ESM-only bencode has nothing else.
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // Everything in the bundle (see the class comment).
        externalModules: [],
        minify: true,
        sourceMap: true,
        forceDockerBundling: false,
      },
    });
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA_KEY, props.handler);
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is the runtime the shipped bundles are tested on (an LTS Lambda supports); a newer runtime comes with its own test run',
    });
  }

  /** Adds the handler's environment, by the names src/config.ts reads. */
  public configure(environment: Readonly<Record<string, string>>): void {
    for (const [name, value] of Object.entries(environment)) this.function.addEnvironment(name, value);
  }
}

export { HandlerFunction };
export type { HandlerFunctionProps };
