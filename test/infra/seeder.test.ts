import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { InvalidSettingsError } from '../../lib/errors.js';
import { PublicVerdict, ServiceEnv } from '../../src/config.js';
import { DEFAULT_PEER_PORT, DEFAULT_TRACKER_PORT, SeederEnv, seederConfigFrom } from '../../src/seeding/index.js';
import {
  CUSTOM_SETTINGS,
  DEFAULT_SETTINGS,
  EXISTING_VPC_CONTEXT,
  vpcLookupContext,
  EXISTING_VPC_ID,
  EXISTING_VPC_SUBNETS,
  LOOKUP_ENV,
  constructStack,
  environmentWithPlaceholders,
  logicalIdOf,
  onlyResource,
  placeholder,
  resourcesOfType,
  synthesize,
} from './synth.js';
import type { TemplateJson } from './synth.js';

// Flow 4: the seeder and tracker on Fargate ARM64 behind an internet-facing NLB with Elastic IPs.

/** The BitTorrent ports the internet reaches: peer wire over TCP, the tracker over TCP (HTTP) and UDP (BEP 15). */
const OPEN_PORTS = [
  { protocol: 'tcp', port: DEFAULT_PEER_PORT },
  // uTP (BEP 29): libtorrent-based clients try it before TCP.
  { protocol: 'udp', port: DEFAULT_PEER_PORT },
  { protocol: 'tcp', port: DEFAULT_TRACKER_PORT },
  { protocol: 'udp', port: DEFAULT_TRACKER_PORT },
];

/** An existing VPC with two public subnets in one zone and one in another (a common layout). */
const SHARED_ZONE_VPC_ID = 'vpc-0fedcba9876543210';
const SHARED_ZONE_SUBNETS = [
  { subnetId: 'subnet-0ccccccccccccccc1', cidr: '10.30.0.0/24', availabilityZone: 'us-east-1a', routeTableId: 'rtb-0ccccccccccccccc1' },
  { subnetId: 'subnet-0ccccccccccccccc2', cidr: '10.30.1.0/24', availabilityZone: 'us-east-1a', routeTableId: 'rtb-0ccccccccccccccc1' },
  { subnetId: 'subnet-0ddddddddddddddd3', cidr: '10.30.2.0/24', availabilityZone: 'us-east-1b', routeTableId: 'rtb-0ddddddddddddddd3' },
];
const SHARED_ZONE_VPC_CONTEXT = vpcLookupContext(SHARED_ZONE_VPC_ID, '10.30.0.0/16', SHARED_ZONE_SUBNETS);

/** An existing VPC whose public subnets are all in one zone: too few for the NLB. */
const ONE_ZONE_VPC_ID = 'vpc-0aaaabbbbccccdddd';
const ONE_ZONE_VPC_CONTEXT = vpcLookupContext(ONE_ZONE_VPC_ID, '10.40.0.0/16', SHARED_ZONE_SUBNETS.slice(0, 2));

/** The seeder's one container definition. */
function containerOf(json: TemplateJson): Record<string, any> {
  const [, task] = onlyResource(json, 'AWS::ECS::TaskDefinition');
  const containers = task.Properties?.ContainerDefinitions as Array<Record<string, any>>;
  expect(containers).toHaveLength(1);
  return containers[0] ?? {};
}

/** A container's environment as name → value. */
function containerEnvironment(container: Record<string, any>): Record<string, unknown> {
  return Object.fromEntries((container.Environment as Array<{ Name: string; Value: unknown }>).map(({ Name, Value }) => [Name, Value]));
}

/** Every ingress rule of a security group: inline ones and separate AWS::EC2::SecurityGroupIngress resources. */
function ingressOf(json: TemplateJson, groupId: string): Array<Record<string, unknown>> {
  const inline = (json.Resources[groupId]?.Properties?.SecurityGroupIngress ?? []) as Array<Record<string, unknown>>;
  const separate = resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress')
    .map(([, rule]) => rule.Properties ?? {})
    .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify({ 'Fn::GetAtt': [groupId, 'GroupId'] }));
  return [...inline, ...separate];
}

/** The subnets (logical ids) whose route table sends 0.0.0.0/0 to an internet gateway. */
function publicSubnets(json: TemplateJson): string[] {
  const internetRouteTables = new Set(resourcesOfType(json, 'AWS::EC2::Route')
    .map(([, route]) => route.Properties ?? {})
    .filter((route) => route.DestinationCidrBlock === '0.0.0.0/0' && json.Resources[route.GatewayId?.Ref as string]?.Type === 'AWS::EC2::InternetGateway')
    .map((route) => route.RouteTableId?.Ref as string));
  return resourcesOfType(json, 'AWS::EC2::SubnetRouteTableAssociation')
    .map(([, association]) => association.Properties ?? {})
    .filter((association) => internetRouteTables.has(association.RouteTableId?.Ref as string))
    .map((association) => association.SubnetId?.Ref as string);
}

/** The ECR image asset of the seeder's container: its hash ends the image URI. */
function imageAsset(assembly: CloudAssembly, image: unknown): { directory: string; dockerFile?: string; platform?: string } {
  const hash = JSON.stringify(image).match(/:([0-9a-f]{64})"/)?.[1] ?? '';
  const manifests = assembly.artifacts.filter((artifact) => AssetManifestArtifact.isAssetManifestArtifact(artifact)) as AssetManifestArtifact[];
  const images = Object.assign({}, ...manifests.map((manifest) => (JSON.parse(readFileSync(manifest.file, 'utf8')) as { dockerImages?: object }).dockerImages ?? {})) as
    Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
  const asset = images[hash];
  if (asset === undefined) throw new Error(`no docker image asset ${hash} in the assembly`);
  return asset.source;
}

/** Every file under `directory`, as relative paths. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)))
    .sort();
}

describe('Class: SeederService', () => {
  describe('cluster and task', () => {
    it('runs on an ECS cluster with Container Insights', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const [clusterId, cluster] = onlyResource(json, 'AWS::ECS::Cluster');
      expect(clusterId).toBe(logicalIdOf(stack.seeder.cluster));
      expect(cluster.Properties?.ClusterSettings).toContainEqual({ Name: 'containerInsights', Value: expect.stringMatching(/^(enabled|enhanced)$/) });
    });

    it('runs a Fargate task on ARM64 Linux with 1 vCPU and 2 GiB by default', () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      const [, task] = onlyResource(json, 'AWS::ECS::TaskDefinition');
      expect(task.Properties).toMatchObject({
        RequiresCompatibilities: ['FARGATE'],
        NetworkMode: 'awsvpc',
        RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
        Cpu: '1024',
        Memory: '2048',
      });
    });

    it('sizes the task by seederCpu and seederMemory', () => {
      // Prepare & Act
      const { json } = synthesize(CUSTOM_SETTINGS);

      // Assess
      const [, task] = onlyResource(json, 'AWS::ECS::TaskDefinition');
      expect(task.Properties).toMatchObject({ Cpu: CUSTOM_SETTINGS.seederCpu, Memory: CUSTOM_SETTINGS.seederMemory });
    });

    it('builds the image from seeder/Dockerfile for linux/arm64, with only the seeder bundle in its context', () => {
      // Prepare & Act
      const { json, assembly } = synthesize();

      // Assess
      const source = imageAsset(assembly, containerOf(json).Image);
      expect(source.dockerFile).toBe('seeder/Dockerfile');
      expect(source.platform).toBe('linux/arm64');
      expect(filesUnder(join(assembly.directory, source.directory))).toEqual(['.dockerignore', 'dist/seeder.js', 'dist/seeder.js.map', 'seeder/Dockerfile']);
    });

    it('maps the peer port and the tracker port over TCP and UDP, and nothing else', () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      const mappings = (containerOf(json).PortMappings as Array<{ ContainerPort: number; Protocol: string }>).map(({ ContainerPort, Protocol }) => ({ port: ContainerPort, protocol: Protocol }));
      expect(mappings).toEqual(expect.arrayContaining(OPEN_PORTS));
      expect(mappings).toHaveLength(OPEN_PORTS.length);
    });

    it('runs with a read-only root filesystem and logs to a log group of the stack', () => {
      // Prepare & Act
      const { json } = synthesize();

      // Assess
      const container = containerOf(json);
      expect(container.Essential).toBe(true);
      expect(container.ReadonlyRootFilesystem).toBe(true);
      expect(container.LogConfiguration?.LogDriver).toBe('awslogs');
      expect(json.Resources[container.LogConfiguration?.Options?.['awslogs-group']?.Ref as string]?.Type).toBe('AWS::Logs::LogGroup');
    });

    it("gives the container an environment the seeder reads without error, with the NLB's Elastic IPs as its public addresses", () => {
      // Prepare
      const { stack, json } = synthesize();
      const environment = containerEnvironment(containerOf(json));
      const addresses = resourcesOfType(json, 'AWS::EC2::EIP').map(([id]) => id);

      // Act
      const config = seederConfigFrom(environmentWithPlaceholders(environment));

      // Assess
      expect(addresses).toHaveLength(2);
      expect(environment[SeederEnv.PublicAddresses]).toEqual({ 'Fn::Join': [',', addresses.map((id) => ({ 'Fn::GetAtt': [id, 'PublicIp'] }))] });
      expect(config.publicAddresses).toEqual(addresses.map((id) => placeholder(`${id}-PublicIp`)));
      expect(config.peerPort).toBe(DEFAULT_PEER_PORT);
      expect(config.trackerPort).toBe(DEFAULT_TRACKER_PORT);
      expect(config.tableName).toBe(placeholder(logicalIdOf(stack.records.table)));
      expect(config.artifactsBucket).toBe(placeholder(logicalIdOf(stack.artifactsBucket)));
      expect(config.hashQueueUrl).toBe(placeholder(logicalIdOf(stack.hashing.queue)));
      expect(config.publicVerdict).toBe(PublicVerdict.S3);
      expect(environment[ServiceEnv.Region]).toEqual({ Ref: 'AWS::Region' });
    });

    it('caches no more object bytes than the task has memory', () => {
      // Prepare & Act
      const defaults = seederConfigFrom(environmentWithPlaceholders(containerEnvironment(containerOf(synthesize().json))));
      const custom = seederConfigFrom(environmentWithPlaceholders(containerEnvironment(containerOf(synthesize(CUSTOM_SETTINGS).json))));

      // Assess (seederConfigFrom refuses a cache below its minimum)
      expect(defaults.cacheBytes).toBeLessThan(2048 * 1024 ** 2);
      expect(custom.cacheBytes).toBeGreaterThan(defaults.cacheBytes);
      expect(custom.cacheBytes).toBeLessThan(Number(CUSTOM_SETTINGS.seederMemory) * 1024 ** 2);
    });

    it("sizes the tracker's memory budget by the task's, beside the cache", () => {
      // Prepare & Act
      const defaults = seederConfigFrom(environmentWithPlaceholders(containerEnvironment(containerOf(synthesize().json))));
      const custom = seederConfigFrom(environmentWithPlaceholders(containerEnvironment(containerOf(synthesize(CUSTOM_SETTINGS).json))));

      // Assess: 256 MiB of the default 2 GiB task holds a million peers or more (test/unit/tracker/memory.test.ts).
      expect(defaults.trackerMemoryBytes).toBe(256 * 1024 ** 2);
      expect(custom.trackerMemoryBytes).toBeGreaterThan(defaults.trackerMemoryBytes);
      expect(custom.trackerMemoryBytes + custom.cacheBytes).toBeLessThan(Number(CUSTOM_SETTINGS.seederMemory) * 1024 ** 2);
    });
  });

  describe('service', () => {
    it('runs seederMinTasks tasks with public addresses in the public subnets, behind the task security group', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const [, service] = onlyResource(json, 'AWS::ECS::Service');
      const network = service.Properties?.NetworkConfiguration?.AwsvpcConfiguration ?? {};
      expect(service.Properties?.LaunchType).toBe('FARGATE');
      expect(service.Properties?.Cluster).toEqual({ Ref: logicalIdOf(stack.seeder.cluster) });
      expect(service.Properties?.DesiredCount).toBe(1);
      expect(network.AssignPublicIp).toBe('ENABLED');
      expect((network.Subnets as Array<{ Ref: string }>).map((subnet) => subnet.Ref).sort()).toEqual(publicSubnets(json).sort());
      expect(network.SecurityGroups).toEqual([{ 'Fn::GetAtt': [logicalIdOf(stack.seeder.network.taskSecurityGroup), 'GroupId'] }]);
      expect(synthesize(CUSTOM_SETTINGS).json.Resources[logicalIdOf(stack.seeder.service)]?.Properties?.DesiredCount).toBe(Number(CUSTOM_SETTINGS.seederMinTasks));
    });

    it('registers the container with both target groups', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const [, service] = onlyResource(json, 'AWS::ECS::Service');
      expect(service.Properties?.LoadBalancers).toEqual(expect.arrayContaining([
        { ContainerName: 'seeder', ContainerPort: DEFAULT_PEER_PORT, TargetGroupArn: { Ref: logicalIdOf(stack.seeder.targetGroups.peers) } },
        { ContainerName: 'seeder', ContainerPort: DEFAULT_TRACKER_PORT, TargetGroupArn: { Ref: logicalIdOf(stack.seeder.targetGroups.tracker) } },
      ]));
      expect(service.Properties?.LoadBalancers).toHaveLength(2);
    });

    it('scales between seederMinTasks and seederMaxTasks', () => {
      // Prepare & Act
      const defaults = onlyResource(synthesize().json, 'AWS::ApplicationAutoScaling::ScalableTarget')[1];
      const custom = onlyResource(synthesize(CUSTOM_SETTINGS).json, 'AWS::ApplicationAutoScaling::ScalableTarget')[1];

      // Assess
      expect(defaults.Properties).toMatchObject({ MinCapacity: 1, MaxCapacity: 1, ScalableDimension: 'ecs:service:DesiredCount', ServiceNamespace: 'ecs' });
      expect(custom.Properties).toMatchObject({ MinCapacity: Number(CUSTOM_SETTINGS.seederMinTasks), MaxCapacity: Number(CUSTOM_SETTINGS.seederMaxTasks) });
    });

    it('scales on average CPU by target tracking', () => {
      // Prepare & Act
      const { json } = synthesize(CUSTOM_SETTINGS);
      const [targetId] = onlyResource(json, 'AWS::ApplicationAutoScaling::ScalableTarget');

      // Assess
      const [, policy] = onlyResource(json, 'AWS::ApplicationAutoScaling::ScalingPolicy', (resource) => resource.Properties?.PolicyType === 'TargetTrackingScaling');
      expect(policy.Properties?.ScalingTargetId).toEqual({ Ref: targetId });
      expect(policy.Properties?.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification).toEqual({ PredefinedMetricType: 'ECSServiceAverageCPUUtilization' });
      expect(policy.Properties?.TargetTrackingScalingPolicyConfiguration?.TargetValue).toBeGreaterThan(0);
    });

    it('scales out and in by steps on the NLB flows per task', () => {
      // Prepare & Act
      const { stack, json } = synthesize(CUSTOM_SETTINGS);
      const [targetId] = onlyResource(json, 'AWS::ApplicationAutoScaling::ScalableTarget');
      const loadBalancerId = logicalIdOf(stack.seeder.network.loadBalancer);

      // Assess
      const steps = resourcesOfType(json, 'AWS::ApplicationAutoScaling::ScalingPolicy').filter(([, policy]) => policy.Properties?.PolicyType === 'StepScaling');
      const adjustments = steps.flatMap(([, policy]) => (policy.Properties?.StepScalingPolicyConfiguration?.StepAdjustments ?? []) as Array<{ ScalingAdjustment: number }>)
        .map((step) => Math.sign(step.ScalingAdjustment));
      expect(adjustments.sort()).toEqual([-1, 1]);
      for (const [policyId, policy] of steps) {
        expect(policy.Properties?.ScalingTargetId).toEqual({ Ref: targetId });
        const [, alarm] = onlyResource(json, 'AWS::CloudWatch::Alarm', (resource) => JSON.stringify(resource.Properties?.AlarmActions) === JSON.stringify([{ Ref: policyId }]));
        expect(alarm.Properties?.Metrics).toContainEqual(expect.objectContaining({
          MetricStat: expect.objectContaining({
            Metric: {
              Namespace: 'AWS/NetworkELB',
              MetricName: 'ActiveFlowCount',
              Dimensions: [{ Name: 'LoadBalancer', Value: { 'Fn::GetAtt': [loadBalancerId, 'LoadBalancerFullName'] } }],
            },
          }),
        }));
      }
    });

    it('warns of nothing at synth, one task or several (several share their swarms through the swarm store)', () => {
      // Prepare & Act
      const custom = synthesize(CUSTOM_SETTINGS);
      const defaults = synthesize();

      // Assess
      const warnings = (synthesized: ReturnType<typeof synthesize>): unknown[] =>
        synthesized.assembly.getStackArtifact(synthesized.stack.artifactId).messages.filter((message) => message.level === 'warning');
      expect(warnings(custom)).toEqual([]);
      expect(warnings(defaults)).toEqual([]);
      expect(custom.validationReport).toBe('');
      expect(defaults.validationReport).toBe('');
    });
  });
});

describe('Class: SeederNetwork', () => {
  describe('load balancer', () => {
    it('is an internet-facing NLB with one Elastic IP per subnet and cross-zone load balancing', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const [loadBalancerId, loadBalancer] = onlyResource(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      expect(loadBalancerId).toBe(logicalIdOf(stack.seeder.network.loadBalancer));
      expect(loadBalancer.Properties?.Type).toBe('network');
      expect(loadBalancer.Properties?.Scheme).toBe('internet-facing');
      const addresses = resourcesOfType(json, 'AWS::EC2::EIP').map(([id]) => id);
      expect(addresses).toHaveLength(2);
      const mappings = loadBalancer.Properties?.SubnetMappings as Array<{ AllocationId: unknown; SubnetId: { Ref: string } }>;
      expect(mappings.map((mapping) => mapping.AllocationId)).toEqual(addresses.map((id) => ({ 'Fn::GetAtt': [id, 'AllocationId'] })));
      expect(mappings.map((mapping) => mapping.SubnetId.Ref).sort()).toEqual(publicSubnets(json).sort());
      expect(loadBalancer.Properties?.Subnets).toBeUndefined();
      expect(loadBalancer.Properties?.LoadBalancerAttributes).toContainEqual({ Key: 'load_balancing.cross_zone.enabled', Value: 'true' });
      expect(loadBalancer.Properties?.SecurityGroups).toEqual([{ 'Fn::GetAtt': [logicalIdOf(stack.seeder.network.loadBalancerSecurityGroup), 'GroupId'] }]);
      // What the operator points trackerDomain's A records at.
      expect(json.Outputs?.SeederAddresses).toMatchObject({ Value: { 'Fn::Join': [',', addresses.map((id) => ({ 'Fn::GetAtt': [id, 'PublicIp'] }))] } });
    });

    it('listens on TCP_UDP 6881 (peer wire over TCP and uTP) and TCP_UDP 6969, never a TCP and a UDP listener on one port', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const listeners = resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::Listener').map(([, listener]) => listener.Properties ?? {});
      expect(listeners.map((listener) => ({ port: listener.Port, protocol: listener.Protocol }))).toEqual(expect.arrayContaining([
        { port: DEFAULT_PEER_PORT, protocol: 'TCP_UDP' },
        { port: DEFAULT_TRACKER_PORT, protocol: 'TCP_UDP' },
      ]));
      expect(listeners).toHaveLength(2);
      expect(new Set(listeners.map((listener) => listener.Port)).size).toBe(listeners.length);
      expect(listeners.map((listener) => listener.Protocol)).not.toContain('UDP');
      for (const listener of listeners) {
        expect(listener.LoadBalancerArn).toEqual({ Ref: logicalIdOf(stack.seeder.network.loadBalancer) });
      }
      const forwardsTo = (port: number): unknown => listeners.find((listener) => listener.Port === port)?.DefaultActions;
      expect(forwardsTo(DEFAULT_PEER_PORT)).toEqual([{ Type: 'forward', TargetGroupArn: { Ref: logicalIdOf(stack.seeder.targetGroups.peers) } }]);
      expect(forwardsTo(DEFAULT_TRACKER_PORT)).toEqual([{ Type: 'forward', TargetGroupArn: { Ref: logicalIdOf(stack.seeder.targetGroups.tracker) } }]);
    });

    it('sends to IP target groups checked over TCP that preserve client IPs', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const peers = json.Resources[logicalIdOf(stack.seeder.targetGroups.peers)]?.Properties ?? {};
      const tracker = json.Resources[logicalIdOf(stack.seeder.targetGroups.tracker)]?.Properties ?? {};
      expect(peers).toMatchObject({ Port: DEFAULT_PEER_PORT, Protocol: 'TCP_UDP', TargetType: 'ip', HealthCheckProtocol: 'TCP' });
      expect(tracker).toMatchObject({ Port: DEFAULT_TRACKER_PORT, Protocol: 'TCP_UDP', TargetType: 'ip', HealthCheckProtocol: 'TCP' });
      // UDP and TCP_UDP target groups always preserve client IPs; AWS refuses the attribute "false".
      for (const group of [peers, tracker]) {
        expect(group.TargetGroupAttributes).not.toContainEqual({ Key: 'preserve_client_ip.enabled', Value: 'false' });
      }
      expect(resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::TargetGroup')).toHaveLength(2);
    });
  });

  describe('VPC', () => {
    it('is new, with public subnets in two zones, S3 and DynamoDB gateway endpoints, flow logs and no NAT gateway', () => {
      // Prepare & Act
      const { template, json } = synthesize();

      // Assess
      const [vpcId] = onlyResource(json, 'AWS::EC2::VPC');
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      expect(publicSubnets(json)).toHaveLength(2);
      const zones = publicSubnets(json).map((id) => JSON.stringify(json.Resources[id]?.Properties?.AvailabilityZone));
      expect(new Set(zones).size).toBe(2);
      const endpoints = resourcesOfType(json, 'AWS::EC2::VPCEndpoint').map(([, endpoint]) => endpoint.Properties ?? {});
      for (const service of ['s3', 'dynamodb']) {
        const endpoint = endpoints.find((candidate) => JSON.stringify(candidate.ServiceName).endsWith(`.${service}"]]}`));
        expect(endpoint).toMatchObject({ VpcEndpointType: 'Gateway', VpcId: { Ref: vpcId } });
        const routeTables = (endpoint?.RouteTableIds as Array<{ Ref: string }>).map((table) => table.Ref);
        for (const subnet of publicSubnets(json)) {
          const association = resourcesOfType(json, 'AWS::EC2::SubnetRouteTableAssociation').find(([, candidate]) => candidate.Properties?.SubnetId?.Ref === subnet);
          expect(routeTables).toContain(association?.[1].Properties?.RouteTableId?.Ref);
        }
      }
      const [, flowLog] = onlyResource(json, 'AWS::EC2::FlowLog');
      expect(flowLog.Properties).toMatchObject({ ResourceId: { Ref: vpcId }, ResourceType: 'VPC' });
    });
  });

  describe('security groups', () => {
    it('lets the internet reach the NLB on the BitTorrent ports only', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const ingress = ingressOf(json, logicalIdOf(stack.seeder.network.loadBalancerSecurityGroup));
      expect(ingress.map((rule) => ({ cidr: rule.CidrIp, protocol: rule.IpProtocol, from: rule.FromPort, to: rule.ToPort }))).toEqual(
        expect.arrayContaining(OPEN_PORTS.map(({ protocol, port }) => ({ cidr: '0.0.0.0/0', protocol, from: port, to: port }))),
      );
      expect(ingress).toHaveLength(OPEN_PORTS.length);
    });

    it('lets the tasks be reached only from the NLB, on the BitTorrent ports', () => {
      // Prepare & Act
      const { stack, json } = synthesize();

      // Assess
      const loadBalancerGroup = { 'Fn::GetAtt': [logicalIdOf(stack.seeder.network.loadBalancerSecurityGroup), 'GroupId'] };
      const ingress = ingressOf(json, logicalIdOf(stack.seeder.network.taskSecurityGroup));
      expect(ingress).toHaveLength(OPEN_PORTS.length);
      for (const rule of ingress) {
        expect(rule.SourceSecurityGroupId).toEqual(loadBalancerGroup);
        expect(rule.CidrIp).toBeUndefined();
        expect(rule.CidrIpv6).toBeUndefined();
      }
      expect(ingress.map((rule) => ({ protocol: rule.IpProtocol, port: rule.FromPort, to: rule.ToPort }))).toEqual(
        expect.arrayContaining(OPEN_PORTS.map(({ protocol, port }) => ({ protocol, port, to: port }))),
      );
    });

    it('opens no other security group of the stack to the internet', () => {
      // Prepare & Act
      const { stack, json } = synthesize(CUSTOM_SETTINGS);

      // Assess
      const open = (rule: Record<string, unknown>): boolean => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0';
      const groups = resourcesOfType(json, 'AWS::EC2::SecurityGroup').map(([id]) => id);
      const exposed = groups.filter((id) => ingressOf(json, id).some(open));
      expect(exposed).toEqual([logicalIdOf(stack.seeder.network.loadBalancerSecurityGroup)]);
    });
  });

  describe('existing VPC (vpcId)', () => {
    const existing = (): ReturnType<typeof synthesize> => synthesize({ vpcId: EXISTING_VPC_ID }, { env: LOOKUP_ENV, context: EXISTING_VPC_CONTEXT });
    const lookedUpSubnets = EXISTING_VPC_SUBNETS.map((subnet) => subnet.subnetId);

    it('needs the stack to have an account and region to look the VPC up', () => {
      // Prepare, Act & Assess
      expect(() => constructStack({ ...DEFAULT_SETTINGS, vpcId: EXISTING_VPC_ID })).toThrow(/account\/region are not specified/);
    });

    it('asks cdk synth to look the VPC up by its id, under the context key the tests answer', () => {
      // Prepare
      const stack = constructStack({ ...DEFAULT_SETTINGS, vpcId: EXISTING_VPC_ID }, { env: LOOKUP_ENV });

      // Act
      const missing = (stack.node.root as App).synth().manifest.missing ?? [];

      // Assess
      expect(missing.map((context) => ({ key: context.key, provider: context.provider }))).toEqual([
        { key: Object.keys(EXISTING_VPC_CONTEXT)[0], provider: 'vpc-provider' },
      ]);
      expect(missing[0]?.props).toMatchObject({ account: LOOKUP_ENV.account, region: LOOKUP_ENV.region, filter: { 'vpc-id': EXISTING_VPC_ID } });
    });

    it('creates no VPC, subnet, gateway, endpoint or flow log of its own', () => {
      // Prepare & Act
      const { template } = existing();

      // Assess
      for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::VPCEndpoint', 'AWS::EC2::FlowLog']) {
        template.resourceCountIs(type, 0);
      }
    });

    it("puts the NLB, its Elastic IPs and the tasks in the VPC's public subnets", () => {
      // Prepare & Act
      const { json } = existing();

      // Assess
      const [, loadBalancer] = onlyResource(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      const mappings = loadBalancer.Properties?.SubnetMappings as Array<{ SubnetId: string }>;
      expect(mappings.map((mapping) => mapping.SubnetId)).toEqual(lookedUpSubnets);
      expect(resourcesOfType(json, 'AWS::EC2::EIP')).toHaveLength(lookedUpSubnets.length);
      const [, service] = onlyResource(json, 'AWS::ECS::Service');
      expect(service.Properties?.NetworkConfiguration?.AwsvpcConfiguration?.Subnets).toEqual(lookedUpSubnets);
      for (const [, group] of resourcesOfType(json, 'AWS::EC2::SecurityGroup')) {
        expect(group.Properties?.VpcId).toBe(EXISTING_VPC_ID);
      }
    });

    it('gives the NLB one subnet per zone when the VPC has several public subnets in one zone', () => {
      // Prepare & Act: an NLB accepts one subnet per Availability Zone (CreateLoadBalancer fails otherwise).
      const { json } = synthesize({ vpcId: SHARED_ZONE_VPC_ID }, { env: LOOKUP_ENV, context: SHARED_ZONE_VPC_CONTEXT });

      // Assess
      const [, loadBalancer] = onlyResource(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      const zoneOf = new Map(SHARED_ZONE_SUBNETS.map((subnet) => [subnet.subnetId, subnet.availabilityZone]));
      const zones = (loadBalancer.Properties?.SubnetMappings as Array<{ SubnetId: string }>).map((mapping) => zoneOf.get(mapping.SubnetId));
      expect(zones.sort()).toEqual(['us-east-1a', 'us-east-1b']);
      expect(resourcesOfType(json, 'AWS::EC2::EIP')).toHaveLength(2);
    });

    it('refuses, naming vpcId, a VPC whose public subnets are all in one zone', () => {
      // Act
      const act = (): unknown => synthesize({ vpcId: ONE_ZONE_VPC_ID }, { env: LOOKUP_ENV, context: ONE_ZONE_VPC_CONTEXT });

      // Assess
      expect(act).toThrow(InvalidSettingsError);
      expect(act).toThrow(`vpcId ${ONE_ZONE_VPC_ID} has public subnets in 1 availability zone(s): the seeder's NLB needs them in 2 or more`);
    });
  });
});
