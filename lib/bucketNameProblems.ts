import { Token } from 'aws-cdk-lib';

// General purpose bucket naming rules:
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
// Checked at synth because a bad name otherwise surfaces only mid-deploy, as a failed IAM policy
// or EventBridge rule, after part of the stack has already been created.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4_LIKE = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * Lists what is wrong with a list of existing bucket names, without throwing.
 *
 * Unresolved tokens (e.g. a `CfnParameter`) are skipped: their value is only known at deploy.
 *
 * @param propName - name of the prop being checked, used in the messages
 * @param names - the bucket names to check
 * @returns one message per problem; empty when every name is valid
 */
const bucketNameProblems = (propName: string, names: readonly string[]): string[] => {
  const problems: string[] = [];
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (Token.isUnresolved(name)) return;
    const where = `${propName}[${index}] ${JSON.stringify(name)}`;
    if (!BUCKET_NAME.test(name) || name.includes('..') || IPV4_LIKE.test(name)) {
      problems.push(
        `${where} is not a valid S3 bucket name (3-63 characters of a-z, 0-9, '.' and '-', ` +
          'starting and ending with a letter or digit, no "..", not an IP address)',
      );
    }
    if (seen.has(name)) problems.push(`${where} is listed more than once`);
    seen.add(name);
  });
  return problems;
};

export { bucketNameProblems };
