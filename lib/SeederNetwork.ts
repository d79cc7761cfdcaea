import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LOG_RETENTION_DAYS } from './defaults.js';
import { InvalidSettingsError } from './errors.js';

/** Availability zones of a new VPC, and the fewest an existing one must offer: one zone's outage leaves the tracker up. */
const NEW_VPC_AZS = 2;

/**
 * One public subnet per zone (an NLB takes at most one per zone, and each gets an Elastic IP),
 * in at least two zones.
 *
 * @throws InvalidSettingsError when an existing VPC offers fewer
 */
function publicSubnetsOf(vpc: ec2.IVpc, vpcId: string | undefined): ec2.ISubnet[] {
  let subnets: ec2.ISubnet[] = [];
  try {
    subnets = vpc.selectSubnets({ subnetType: ec2.SubnetType.PUBLIC, onePerAz: true }).subnets;
  } catch {
    // No public subnet group at all: reported below like too few zones.
  }
  if (subnets.length < NEW_VPC_AZS) {
    throw new InvalidSettingsError([
      `vpcId ${vpcId ?? '(new VPC)'} has public subnets in ${subnets.length} availability zone(s): the seeder's NLB needs them in ${NEW_VPC_AZS} or more`,
    ]);
  }
  return subnets;
}

interface SeederNetworkProps {
  /** @default - a new VPC */
  readonly vpcId?: string | undefined;
  readonly peerPort: number;
  readonly trackerPort: number;
}

/**
 * Where the seeder lives and how the internet reaches it.
 *
 * - The VPC has public subnets only, and the tasks get public IPv4 addresses for their own calls
 *   out (DynamoDB, SQS, ECR, logs, dialling leechers): no NAT gateway to pay per hour and per GB.
 *   S3 and DynamoDB gateway endpoints carry the bulk of the traffic to AWS (every seeded byte is
 *   read from S3) for free. An existing VPC is used as it is: it must have public subnets in two
 *   or more zones and an S3 gateway endpoint on their route tables.
 * - An internet-facing NLB with one Elastic IP per subnet: the tracker hands out compact IPv4
 *   peers, so the seeder's public addresses must be fixed and known at deploy time. Cross-zone
 *   load balancing is on, because those addresses are handed to peers directly: an address in a
 *   zone without a task must still reach one.
 * - Security groups: the NLB's lets the world in on the BitTorrent ports only; the tasks' lets in
 *   only what comes through the NLB.
 */
class SeederNetwork extends Construct {
  public readonly vpc: ec2.IVpc;
  public readonly loadBalancer: elbv2.NetworkLoadBalancer;
  public readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  public readonly taskSecurityGroup: ec2.SecurityGroup;
  /** The NLB's Elastic IPs: the seeder's public IPv4 addresses. */
  public readonly publicAddresses: readonly string[];

  public constructor(scope: Construct, id: string, props: SeederNetworkProps) {
    super(scope, id);
    this.vpc = props.vpcId === undefined ? this.createVpc() : ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId });
    const subnets = publicSubnetsOf(this.vpc, props.vpcId);

    this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: 's3-torrent NLB: BitTorrent peer wire and tracker from anywhere',
      allowAllOutbound: false,
    });
    this.taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 's3-torrent seeder tasks: only what comes through the NLB',
      // Out: S3, DynamoDB, SQS over HTTPS and peers on any port (the seeder dials leechers).
      allowAllOutbound: true,
    });
    // Peer wire over TCP and uTP (UDP), tracker over HTTP (TCP) and BEP 15 (UDP): same numbers.
    const ports = [ec2.Port.tcp(props.peerPort), ec2.Port.udp(props.peerPort), ec2.Port.tcp(props.trackerPort), ec2.Port.udp(props.trackerPort)];
    for (const port of ports) {
      this.loadBalancerSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), port, 'BitTorrent clients');
      this.loadBalancerSecurityGroup.addEgressRule(this.taskSecurityGroup, port, 'to the seeder tasks');
      this.taskSecurityGroup.addIngressRule(this.loadBalancerSecurityGroup, port, 'from the NLB (client IPs preserved)');
    }
    Validations.of(this.loadBalancerSecurityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'a public BitTorrent tracker and seeder: clients connect from anywhere, on the peer and tracker ports only',
    });

    const addresses = subnets.map((subnet, index) => new ec2.CfnEIP(this, `Address${index}`, {
      domain: 'vpc',
      tags: [{ key: 'Name', value: `s3-torrent seeder ${subnet.availabilityZone}` }],
    }));
    this.publicAddresses = addresses.map((address) => address.attrPublicIp);
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      crossZoneEnabled: true,
      securityGroups: [this.loadBalancerSecurityGroup],
      subnetMappings: subnets.map((subnet, index) => ({ subnet, allocationId: addresses[index]?.attrAllocationId })),
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason: 'NLB access logs only cover TLS listeners; these listeners are plain TCP and UDP (BitTorrent has no TLS)',
    });
  }

  private createVpc(): ec2.Vpc {
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: LOG_RETENTION_DAYS });
    return new ec2.Vpc(this, 'Vpc', {
      maxAzs: NEW_VPC_AZS,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        Rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
  }
}

export { SeederNetwork };
export type { SeederNetworkProps };
