import { STORE_PORT } from '../../lib/SwarmStore.js';
import { SeederEnv, seederConfigFrom } from '../../src/seeding/index.js';
import { CUSTOM_SETTINGS, DEFAULT_SETTINGS, environmentWithPlaceholders, logicalIdOf, onlyResource, resourcesOfType, synthesize } from './synth.js';
import type { TemplateJson } from './synth.js';

// The tracker's shared swarm state on AWS: ElastiCache Serverless (Valkey) when more than one
// seeder task may run (CUSTOM_SETTINGS: seederMaxTasks 3), nothing of it for one task.

const ELASTICACHE_TYPES = ['AWS::ElastiCache::ServerlessCache', 'AWS::ElastiCache::User', 'AWS::ElastiCache::UserGroup'];

function containerOf(json: TemplateJson): Record<string, any> {
  const [, task] = onlyResource(json, 'AWS::ECS::TaskDefinition');
  return (task.Properties?.ContainerDefinitions as Array<Record<string, any>>)[0] ?? {};
}

function environmentOf(container: Record<string, any>): Record<string, unknown> {
  return Object.fromEntries((container.Environment as Array<{ Name: string; Value: unknown }>).map(({ Name, Value }) => [Name, Value]));
}

describe('Class: SwarmStore (ElastiCache Serverless for the seeder tasks)', () => {
  it('is not created for one seeder task, whose tracker keeps its swarms in process', () => {
    // Prepare & Act
    const { stack, json } = synthesize(DEFAULT_SETTINGS);

    // Assess
    expect(stack.seeder.swarmStore).toBeUndefined();
    for (const type of ELASTICACHE_TYPES) expect(resourcesOfType(json, type)).toEqual([]);
    const container = containerOf(json);
    expect(Object.keys(environmentOf(container))).not.toContain(SeederEnv.SwarmStore);
    expect(container.Secrets).toBeUndefined();
  });

  it('is a Valkey serverless cache in the seeder VPC\'s subnets, behind its own security group, with a user group', () => {
    // Prepare & Act
    const { stack, json } = synthesize(CUSTOM_SETTINGS);
    const store = stack.seeder.swarmStore;

    // Assess
    expect(store).toBeDefined();
    const [, cache] = onlyResource(json, 'AWS::ElastiCache::ServerlessCache');
    expect(cache.Properties).toMatchObject({
      Engine: 'valkey',
      SecurityGroupIds: [{ 'Fn::GetAtt': [logicalIdOf(store!.securityGroup), 'GroupId'] }],
      UserGroupId: expect.anything(),
      CacheUsageLimits: { DataStorage: { Maximum: 1, Unit: 'GB' } },
    });
    const subnets = (cache.Properties?.SubnetIds as Array<{ Ref: string }>).map((subnet) => subnet.Ref);
    expect(subnets).toHaveLength(2);
    for (const subnet of subnets) expect(json.Resources[subnet]?.Type).toBe('AWS::EC2::Subnet');
    // ElastiCache names: lowercase, from a letter, at most 40 characters.
    for (const [, resource] of [...resourcesOfType(json, 'AWS::ElastiCache::User'), ...resourcesOfType(json, 'AWS::ElastiCache::UserGroup'), ['', cache] as const]) {
      const name = String(resource.Properties?.UserId ?? resource.Properties?.UserGroupId ?? resource.Properties?.ServerlessCacheName);
      expect(name).toMatch(/^[a-z][a-z0-9-]{0,39}$/);
      expect(name).not.toMatch(/--|-$/);
    }
  });

  it('lets in only the seeder tasks, on 6379, and nothing out', () => {
    // Prepare & Act
    const { stack, json } = synthesize(CUSTOM_SETTINGS);
    const group = json.Resources[logicalIdOf(stack.seeder.swarmStore!.securityGroup)];

    // Assess
    const tasks = { 'Fn::GetAtt': [logicalIdOf(stack.seeder.network.taskSecurityGroup), 'GroupId'] };
    const separate = resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress').map(([, rule]) => rule.Properties ?? {})
      .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(stack.seeder.swarmStore!.securityGroup), 'GroupId'] }));
    const ingress = [...((group?.Properties?.SecurityGroupIngress ?? []) as Array<Record<string, unknown>>), ...separate];
    expect(ingress.map((rule) => ({ source: rule.SourceSecurityGroupId, protocol: rule.IpProtocol, from: rule.FromPort, to: rule.ToPort, cidr: rule.CidrIp }))).toEqual([
      { source: tasks, protocol: 'tcp', from: STORE_PORT, to: STORE_PORT, cidr: undefined },
    ]);
    // allowAllOutbound: false renders as one rule to an unroutable address.
    expect(group?.Properties?.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })]);
  });

  it('logs the seeder in as a user allowed only its sorted-set commands on its keys, with a generated password from Secrets Manager', () => {
    // Prepare & Act
    const { stack, json } = synthesize(CUSTOM_SETTINGS);
    const secret = logicalIdOf(stack.seeder.swarmStore!.password);

    // Assess
    const users = resourcesOfType(json, 'AWS::ElastiCache::User').map(([, user]) => user.Properties ?? {});
    expect(users.map((user) => [user.UserName, user.AccessString]).sort()).toEqual([
      ['default', 'off -@all'],
      ['seeder', 'on ~s3t:* -@all +zadd +zremrangebyscore +zrevrangebyscore +pexpire +del +ping'],
    ]);
    for (const user of users) {
      expect(user.AuthenticationMode).toEqual({ Type: 'password', Passwords: [{ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secret }, ':SecretString:::}}']] }] });
    }
    expect(json.Resources[secret]?.Properties?.GenerateSecretString).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true });
  });

  it('hands the task the TLS endpoint, the user and the password as an ECS secret, which the seeder reads', () => {
    // Prepare
    const { stack, json } = synthesize(CUSTOM_SETTINGS);
    const container = containerOf(json);
    const environment = environmentOf(container);
    const cache = stack.getLogicalId(stack.seeder.swarmStore!.cache);

    // Act
    const config = seederConfigFrom({ ...environmentWithPlaceholders(environment), [SeederEnv.SwarmStorePassword]: 'from-secrets-manager' });

    // Assess
    expect(environment[SeederEnv.SwarmStore]).toEqual({ 'Fn::Join': ['', ['rediss://', { 'Fn::GetAtt': [cache, 'Endpoint.Address'] }, `:${STORE_PORT}`]] });
    expect(container.Secrets).toEqual([{ Name: SeederEnv.SwarmStorePassword, ValueFrom: { Ref: logicalIdOf(stack.seeder.swarmStore!.password) } }]);
    expect(config.sharedStore).toEqual({ host: expect.stringContaining('endpoint-address'), port: STORE_PORT, tls: true, username: 'seeder', password: 'from-secrets-manager' });
    // The execution role (which fetches ECS secrets) may read the secret.
    const policies = resourcesOfType(json, 'AWS::IAM::Policy').map(([, policy]) => JSON.stringify(policy.Properties?.PolicyDocument));
    expect(policies.some((document) => document.includes('secretsmanager:GetSecretValue') && document.includes(logicalIdOf(stack.seeder.swarmStore!.password)))).toBe(true);
  });
});
