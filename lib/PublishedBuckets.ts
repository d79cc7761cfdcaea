import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * The operator's existing buckets, imported by name. The one change the stack makes to them is
 * to turn on "send notifications to Amazon EventBridge" (a custom resource that merges it into
 * each bucket's notification configuration, keeping whatever notifications it already has). No
 * role of the stack may read their objects: every read of a published object is anonymous.
 */
class PublishedBuckets extends Construct {
  public readonly names: readonly string[];
  public readonly buckets: readonly s3.IBucket[];

  public constructor(scope: Construct, id: string, props: { readonly names: readonly string[] }) {
    super(scope, id);
    this.names = [...props.names];
    this.buckets = this.names.map((name, index) => {
      const bucket = s3.Bucket.fromBucketName(this, `Bucket${index}`, name);
      bucket.enableEventBridgeNotification();
      return bucket;
    });
    // CDK's one handler per stack that writes the notification configuration.
    for (const handler of Stack.of(this).node.children.filter((child) => child.node.id.startsWith('BucketNotificationsHandler'))) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's own notifications handler (runs at deploy only); its role is made by aws-cdk-lib",
      });
    }
  }
}

export { PublishedBuckets };
