import { Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ServiceEnv } from '../src/config.js';
import { DEFAULT_PEER_PORT, DEFAULT_TRACKER_PORT, SeederEnv } from '../src/seeding/index.js';
import { ArtifactAccess, grantArtifacts } from './artifactAccess.js';
import { LOG_RETENTION_DAYS } from './defaults.js';
import { MissingBuildError } from './errors.js';
import { grantPublicVerdict } from './publicVerdictAccess.js';
import { RecordAccess } from './RecordsTable.js';
import type { RecordsTable } from './RecordsTable.js';
import { SeederNetwork } from './SeederNetwork.js';
import { SwarmStore } from './SwarmStore.js';

/** The repository root: the image's build context (its .dockerignore lets in only the seeder bundle). */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What the image copies: the self-contained seeder bundle that `npm run build` writes and the e2e tests run. */
const SEEDER_BUNDLE = 'dist/seeder.js';

/** Scale out above this many NLB flows per task (the seeder accepts 1,000 connections per task). */
const FLOWS_PER_TASK_HIGH = 600;
/** Scale in below this many. */
const FLOWS_PER_TASK_LOW = 200;
/** Scale out above this average CPU. */
const TARGET_CPU_PERCENT = 60;

/** Memory left to Node, the socket buffers and the GETs in flight; the rest less the tracker's share is span cache. */
const TASK_MEMORY_RESERVED_MIB = 768;

/** Share of the task's memory the tracker's swarms may take: 256 MiB of a 2 GiB task, room for about 3 million peers. */
const TRACKER_MEMORY_SHARE = 1 / 8;

interface SeederServiceProps {
  readonly records: RecordsTable;
  readonly hashQueue: sqs.IQueue;
  readonly artifactsBucket: s3.IBucket;
  /** The published buckets: the seeder asks S3 whether the objects it seeds are still public. */
  readonly publishedBucketNames: readonly string[];
  /** CPU units and MiB of one task. */
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  /** @default - a new VPC */
  readonly vpcId?: string | undefined;
  /** DNS name torrents announce; @default - the NLB's DNS name */
  readonly trackerDomain?: string | undefined;
}

/**
 * Flow 4: the seeder and tracker (dist/seeder.js in a Node 22 image) on Fargate ARM64 behind the
 * NLB of {@link SeederNetwork}. Peer wire on 6881, over TCP and over uTP (BEP 29, UDP: what
 * libtorrent-based clients try first); tracker on 6969, HTTP over TCP and BEP 15 over UDP. Each
 * port is one TCP_UDP listener (AWS refuses a TCP and a UDP listener on one port). Client IPs are
 * preserved so the tracker sees real peers and the per-address limits count real addresses. The task role reads records and marks them
 * revoked, queues re-hash jobs, reads large .torrent files of the artifacts bucket and asks S3
 * whether the published buckets' objects are public (policy status and ACLs); it cannot read
 * their objects (every read of them is anonymous).
 */
class SeederService extends Construct {
  public readonly network: SeederNetwork;
  public readonly cluster: ecs.Cluster;
  public readonly service: ecs.FargateService;
  public readonly logGroup: logs.LogGroup;
  public readonly targetGroups: { readonly peers: elbv2.NetworkTargetGroup; readonly tracker: elbv2.NetworkTargetGroup };
  /** The announce URLs torrents carry, HTTP first. */
  public readonly trackerUrls: readonly string[];
  /** The Valkey the tasks share their swarms through; only when more than one task may run. */
  public readonly swarmStore: SwarmStore | undefined;
  public readonly peerPort = DEFAULT_PEER_PORT;
  public readonly trackerPort = DEFAULT_TRACKER_PORT;

  public constructor(scope: Construct, id: string, props: SeederServiceProps) {
    super(scope, id);
    if (!existsSync(new URL(`../${SEEDER_BUNDLE}`, import.meta.url))) throw new MissingBuildError(SEEDER_BUNDLE);
    this.network = new SeederNetwork(this, 'Network', { vpcId: props.vpcId, peerPort: this.peerPort, trackerPort: this.trackerPort });
    const { vpc, loadBalancer } = this.network;
    const trackerHost = props.trackerDomain ?? loadBalancer.loadBalancerDnsName;
    this.trackerUrls = [`http://${trackerHost}:${this.trackerPort}/announce`, `udp://${trackerHost}:${this.trackerPort}`];

    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: LOG_RETENTION_DAYS });
    const trackerMiB = Math.floor(props.memoryMiB * TRACKER_MEMORY_SHARE);
    const cacheBytes = Math.max(256, props.memoryMiB - TASK_MEMORY_RESERVED_MIB - trackerMiB) * 1024 * 1024;
    const container = task.addContainer('seeder', {
      image: ecs.ContainerImage.fromAsset(PROJECT_ROOT, { file: 'seeder/Dockerfile', platform: Platform.LINUX_ARM64 }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'seeder' }),
      readonlyRootFilesystem: true,
      stopTimeout: Duration.seconds(30),
      environment: {
        [ServiceEnv.Region]: Stack.of(this).region,
        [SeederEnv.Table]: props.records.table.tableName,
        [SeederEnv.ArtifactsBucket]: props.artifactsBucket.bucketName,
        [SeederEnv.HashQueueUrl]: props.hashQueue.queueUrl,
        [SeederEnv.PeerPort]: String(this.peerPort),
        [SeederEnv.TrackerPort]: String(this.trackerPort),
        [SeederEnv.PublicAddresses]: Fn.join(',', [...this.network.publicAddresses]),
        [SeederEnv.CacheBytes]: String(cacheBytes),
        [SeederEnv.TrackerMemoryBytes]: String(trackerMiB * 1024 * 1024),
      },
      portMappings: [
        { containerPort: this.peerPort, protocol: ecs.Protocol.TCP },
        { containerPort: this.peerPort, protocol: ecs.Protocol.UDP },
        { containerPort: this.trackerPort, protocol: ecs.Protocol.TCP },
        { containerPort: this.trackerPort, protocol: ecs.Protocol.UDP },
      ],
    });
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'the environment holds names, ports and addresses of the stack, no secrets (the swarm store\'s password is an ECS secret)',
    });
    // Several tasks act as one tracker only through a shared store: each gets the peers the NLB sent to the others.
    if (props.maxTasks > 1) {
      this.swarmStore = new SwarmStore(this, 'SwarmStore', { vpc, clients: this.network.taskSecurityGroup });
      container.addEnvironment(SeederEnv.SwarmStore, this.swarmStore.url);
      container.addEnvironment(SeederEnv.SwarmStoreUser, this.swarmStore.userName);
      container.addSecret(SeederEnv.SwarmStorePassword, ecs.Secret.fromSecretsManager(this.swarmStore.password));
    }
    props.records.grant(task.taskRole, RecordAccess.Seeder);
    props.hashQueue.grantSendMessages(task.taskRole);
    grantArtifacts(props.artifactsBucket, task.taskRole, ArtifactAccess.Read, task);
    grantPublicVerdict(props.publishedBucketNames, task.taskRole, task);
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'the execution role pulls the image: ecr:GetAuthorizationToken has no resource to scope to (the repository actions are scoped)',
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: task,
      desiredCount: props.minTasks,
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [this.network.taskSecurityGroup],
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
    });

    const peers = this.listen('Peers', elbv2.Protocol.TCP_UDP, this.peerPort, this.service.loadBalancerTarget({ containerName: container.containerName, containerPort: this.peerPort, protocol: ecs.Protocol.TCP }));
    const tracker = this.listen('Tracker', elbv2.Protocol.TCP_UDP, this.trackerPort, this.service.loadBalancerTarget({ containerName: container.containerName, containerPort: this.trackerPort, protocol: ecs.Protocol.TCP }));
    this.targetGroups = { peers, tracker };

    this.autoscale(props.minTasks, props.maxTasks);
  }

  /** One NLB listener and its target group; health checked over TCP on the traffic port. */
  private listen(id: string, protocol: elbv2.Protocol, port: number, target: elbv2.INetworkLoadBalancerTarget): elbv2.NetworkTargetGroup {
    const group = new elbv2.NetworkTargetGroup(this, `${id}Targets`, {
      vpc: this.network.vpc,
      port,
      protocol,
      targetType: elbv2.TargetType.IP,
      targets: [target],
      // Always on for UDP and TCP_UDP; a TCP target group of IPs must ask for it.
      preserveClientIp: protocol === elbv2.Protocol.TCP ? true : undefined,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { protocol: elbv2.Protocol.TCP, interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
    });
    this.network.loadBalancer.addListener(`${id}Listener`, { port, protocol, defaultTargetGroups: [group] });
    return group;
  }

  /** Tasks scale on CPU and on NLB flows per task, between the given bounds. */
  private autoscale(minTasks: number, maxTasks: number): void {
    const scaling = this.service.autoScaleTaskCount({ minCapacity: minTasks, maxCapacity: maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: TARGET_CPU_PERCENT });
    const flowsPerTask = new cloudwatch.MathExpression({
      label: 'NLB flows per seeder task',
      // No task count yet (a task starting) reads as one task, not as a division by nothing.
      expression: 'flows / FILL(tasks, 1)',
      usingMetrics: {
        flows: this.network.loadBalancer.metrics.activeFlowCount({ statistic: 'Average' }),
        tasks: new cloudwatch.Metric({
          namespace: 'ECS/ContainerInsights',
          metricName: 'RunningTaskCount',
          dimensionsMap: { ClusterName: this.cluster.clusterName, ServiceName: this.service.serviceName },
          statistic: 'Average',
        }),
      },
      period: Duration.minutes(1),
    });
    scaling.scaleOnMetric('Flows', {
      metric: flowsPerTask,
      scalingSteps: [
        { upper: FLOWS_PER_TASK_LOW, change: -1 },
        { lower: FLOWS_PER_TASK_HIGH, change: +1 },
      ],
      cooldown: Duration.minutes(3),
    });
  }
}

export { SEEDER_BUNDLE, SeederService };
export type { SeederServiceProps };
