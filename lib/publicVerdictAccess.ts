import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * What S3's verdict of "public" needs on a published bucket (src/storage/PublicAccess.ts): the
 * bucket policy's status, and an object's ACL when the policy does not make the bucket public.
 * Neither reads a byte of an object: every read of a published object stays anonymous.
 */
const PublicVerdictActions = {
  Bucket: ['s3:GetBucketPolicyStatus'],
  Objects: ['s3:GetObjectAcl'],
} as const;

/**
 * Grants `grantee` what S3's verdict needs on each published bucket: GetBucketPolicyStatus on
 * `arn:<partition>:s3:::<bucket>` and GetObjectAcl on `arn:<partition>:s3:::<bucket>/*`. Any
 * object may be published, so the object resource ends in a wildcard; `owner` (the construct
 * whose policy carries it) acknowledges that finding, bucket by bucket.
 */
function grantPublicVerdict(bucketNames: readonly string[], grantee: iam.IGrantable, owner: IConstruct): void {
  // Always the AWS::Partition reference, even in a stack with a known region (an existing VPC):
  // one ARN form, so the acknowledgements below name the findings whatever the environment.
  const partition = Aws.PARTITION;
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...PublicVerdictActions.Bucket],
    resourceArns: bucketNames.map((name) => `arn:${partition}:s3:::${name}`),
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...PublicVerdictActions.Objects],
    resourceArns: bucketNames.map((name) => `arn:${partition}:s3:::${name}/*`),
  });
  for (const name of bucketNames) {
    Validations.of(owner).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${name}/*]`,
      reason: "any object of a published bucket may be published; s3:GetObjectAcl reads only its ACL (S3's verdict of public access), never its bytes",
    });
  }
}

/**
 * What a prefix torrent's listing needs on a published bucket (src/storage/listPrefix.ts):
 * ListObjectsV2 is the s3:ListBucket action on the bucket itself. Keys, sizes and ETags only,
 * never a byte of an object; each listed object still gets S3's verdict before it is published.
 */
const PrefixListingActions = ['s3:ListBucket'] as const;

/** Grants `grantee` s3:ListBucket on `arn:<partition>:s3:::<bucket>` of each published bucket (no wildcard). */
function grantPrefixListing(bucketNames: readonly string[], grantee: iam.IGrantable): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...PrefixListingActions],
    resourceArns: bucketNames.map((name) => `arn:${Aws.PARTITION}:s3:::${name}`),
  });
}

export { PrefixListingActions, PublicVerdictActions, grantPrefixListing, grantPublicVerdict };
