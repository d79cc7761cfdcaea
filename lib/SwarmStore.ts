import { Fn, Names, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The port ElastiCache Serverless takes writes on (6380 is its reader endpoint, which the seeder does not use). */
const STORE_PORT = 6379;

/** Valkey's major version: the newest ElastiCache Serverless runs. */
const VALKEY_MAJOR_VERSION = '8';

/**
 * Most data the cache may hold, in GB: a million peers take well under 100 MB in the layout of
 * src/tracker/shared (one sorted set per torrent, ~40 bytes a peer), so this only caps the bill.
 */
const MAX_DATA_GB = 1;

/** The ACL user the seeder logs in as. */
const SEEDER_USER = 'seeder';

/**
 * What that user may do: the commands of src/tracker/shared, on its keys only (`s3t:`). AUTH is
 * always allowed.
 */
const SEEDER_ACCESS = 'on ~s3t:* -@all +zadd +zremrangebyscore +zrevrangebyscore +pexpire +del +ping';

/** Length of the generated password (ElastiCache takes 16 to 128 printable characters). */
const PASSWORD_LENGTH = 64;

/**
 * A name ElastiCache takes for a cache, user or user group, unique to this construct in its
 * account and region: lowercase letters, digits and single hyphens, from a letter, 40 at most.
 */
function elastiCacheId(scope: Construct, suffix: string): string {
  const prefix = 's3t-';
  const stem = Names.uniqueResourceName(scope, { maxLength: 40 - prefix.length - suffix.length - 1 })
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  return `${prefix}${stem}-${suffix}`;
}

interface SwarmStoreProps {
  readonly vpc: ec2.IVpc;
  /** The seeder tasks' security group: the only one let in. */
  readonly clients: ec2.ISecurityGroup;
}

/**
 * The tracker's shared swarm state when several seeder tasks run: ElastiCache Serverless for
 * Valkey in the seeder's VPC, reached over TLS (Serverless takes nothing else) on 6379 from the
 * seeder tasks' security group only, behind an ACL user with a generated password kept in
 * Secrets Manager (passed to the task as an ECS secret). A password rather than IAM auth: the
 * seeder's small RESP client logs in once per connection, with no SigV4 token to sign and renew
 * every 15 minutes nor connection to drop every 12 hours.
 */
class SwarmStore extends Construct {
  public readonly cache: elasticache.CfnServerlessCache;
  public readonly securityGroup: ec2.SecurityGroup;
  /** The seeder user's password (a plain string secret). */
  public readonly password: secretsmanager.Secret;
  /** `rediss://<endpoint>:<port>`: the seeder's S3TORRENT_SWARM_STORE. */
  public readonly url: string;
  public readonly userName = SEEDER_USER;

  public constructor(scope: Construct, id: string, props: SwarmStoreProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 's3-torrent swarm store: Valkey from the seeder tasks only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.clients, ec2.Port.tcp(STORE_PORT), 'Valkey (TLS) from the seeder tasks');

    this.password = new secretsmanager.Secret(this, 'Password', {
      description: 's3-torrent: password of the seeder user of the swarm store',
      generateSecretString: { passwordLength: PASSWORD_LENGTH, excludePunctuation: true },
    });
    Validations.of(this.password).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'rotating it would also need the ElastiCache user updated and every seeder task restarted; only the seeder tasks\' security group can reach the store at all',
    });
    // Resolved by CloudFormation at deploy time ({{resolve:secretsmanager:…}}): never in the template.
    const password = this.password.secretValue.unsafeUnwrap();
    const seeder = new elasticache.CfnUser(this, 'SeederUser', {
      engine: 'valkey',
      userId: elastiCacheId(this, 'seeder'),
      userName: SEEDER_USER,
      accessString: SEEDER_ACCESS,
      authenticationMode: { Type: 'password', Passwords: [password] },
    });
    // A user group must hold a user named "default": this one is switched off.
    const fallback = new elasticache.CfnUser(this, 'DefaultUser', {
      engine: 'valkey',
      userId: elastiCacheId(this, 'default'),
      userName: 'default',
      accessString: 'off -@all',
      authenticationMode: { Type: 'password', Passwords: [password] },
    });
    const users = new elasticache.CfnUserGroup(this, 'Users', {
      engine: 'valkey',
      userGroupId: elastiCacheId(this, 'users'),
      userIds: [seeder.userId, fallback.userId],
    });
    users.node.addDependency(seeder, fallback);

    this.cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      engine: 'valkey',
      majorEngineVersion: VALKEY_MAJOR_VERSION,
      serverlessCacheName: elastiCacheId(this, 'cache'),
      description: 's3-torrent: swarms shared by the seeder tasks',
      securityGroupIds: [this.securityGroup.securityGroupId],
      // Two or three zones (ElastiCache Serverless takes up to three subnets).
      subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PUBLIC, onePerAz: true }).subnetIds.slice(0, 3),
      userGroupId: users.userGroupId,
      cacheUsageLimits: { dataStorage: { maximum: MAX_DATA_GB, unit: 'GB' } },
    });
    this.cache.node.addDependency(users);
    // Serverless listens on STORE_PORT always (its endpoint's port attribute says the same).
    this.url = Fn.join('', ['rediss://', this.cache.attrEndpointAddress, `:${STORE_PORT}`]);
  }
}

export { SEEDER_ACCESS, SEEDER_USER, STORE_PORT, SwarmStore };
export type { SwarmStoreProps };
