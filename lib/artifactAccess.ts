import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { ARTIFACT_KEY_PREFIX } from '../src/jobs/index.js';

/**
 * What each kind of code does to the artifacts bucket, only under ARTIFACT_KEY_PREFIX: the
 * hash-worker writes large .torrent files and reads and writes prefix member lists and member
 * hashes; the API reads .torrent files (to presign them) and writes the member list of a large
 * prefix snapshot; the seeder reads .torrent files and member lists; the access checker and the
 * sweep read member lists.
 */
const ArtifactAccess = {
  Write: ['s3:PutObject'],
  Read: ['s3:GetObject'],
  ReadWrite: ['s3:GetObject', 's3:PutObject'],
} as const;
type ArtifactAccess = (typeof ArtifactAccess)[keyof typeof ArtifactAccess];

/**
 * Grants `access` to the artifact keys of `bucket`. The keys hold object names, so the resource
 * ends in a wildcard; `owner` (the construct whose policy carries it) acknowledges that finding.
 */
function grantArtifacts(bucket: s3.IBucket, grantee: iam.IGrantable, access: ArtifactAccess, owner: IConstruct): void {
  const keys = bucket.arnForObjects(`${ARTIFACT_KEY_PREFIX}*`);
  const cfnBucket = bucket.node.defaultChild;
  const logicalId = cfnBucket instanceof s3.CfnBucket ? Stack.of(bucket).getLogicalId(cfnBucket) : bucket.node.id;
  iam.Grant.addToPrincipal({ grantee, actions: [...access], resourceArns: [keys] });
  Validations.of(owner).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${ARTIFACT_KEY_PREFIX}*]`,
    reason: 'artifact keys embed the published object names; the grant is one action on the stack\'s own private bucket, under its torrents/ prefix',
  });
}

export { ArtifactAccess, grantArtifacts };
