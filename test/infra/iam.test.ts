import { ARTIFACT_KEY_PREFIX } from '../../src/jobs/index.js';
import { TableKeys } from '../../src/records/index.js';
import type { IConstruct } from 'constructs';
import { PrefixListingActions, PublicVerdictActions } from '../../lib/publicVerdictAccess.js';
import { CUSTOM_SETTINGS, HANDLER_ROLES, PUBLISHED_BUCKETS, functionOf, logicalIdOf, onlyResource, resourcesOfType, synthesize, withPlaceholders } from './synth.js';
import type { HandlerRole, Settings, TemplateJson } from './synth.js';

// Least privilege, read from the template: every policy statement of every kind, whoever wrote
// it (this stack or aws-cdk-lib), is looked at.

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
}

interface FoundStatement {
  /** Logical id of the resource holding the policy. */
  readonly holder: string;
  /** Roles the statement is attached to (identity policies); empty for resource policies. */
  readonly roles: readonly string[];
  readonly statement: Statement;
}

/** Every policy statement in the template: IAM policies, roles' inline policies, bucket and queue policies. */
function statementsOf(json: TemplateJson): FoundStatement[] {
  const found: FoundStatement[] = [];
  const add = (holder: string, roles: string[], document: { Statement?: Statement[] } | undefined): void => {
    for (const statement of document?.Statement ?? []) found.push({ holder, roles, statement });
  };
  for (const [id, resource] of Object.entries(json.Resources)) {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        add(id, ((properties.Roles ?? []) as Array<{ Ref: string }>).map((role) => role.Ref), properties.PolicyDocument);
        break;
      case 'AWS::IAM::Role':
        for (const policy of (properties.Policies ?? []) as Array<{ PolicyDocument: { Statement?: Statement[] } }>) add(id, [id], policy.PolicyDocument);
        break;
      case 'AWS::S3::BucketPolicy':
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
        add(id, [], properties.PolicyDocument);
        break;
      default:
    }
  }
  return found;
}

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const actionsOf = (statement: Statement): string[] => list(statement.Action).map(String);

/** Whether an IAM pattern (`*` and `?` wildcards, case-insensitive) matches `value`. */
function wildcardMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'i');
  return regex.test(value);
}

/** Whether a statement's resource could name (or does mention) an object of a published bucket. */
function reachesPublishedBucket(resource: unknown): boolean {
  const text = withPlaceholders(resource);
  return PUBLISHED_BUCKETS.some((bucket) =>
    text.includes(bucket) ||
    ['aws', withPlaceholders({ Ref: 'AWS::Partition' })].some((partition) => wildcardMatches(text, `arn:${partition}:s3:::${bucket}/some/key`)));
}

/** The role a function runs as. */
function roleOfFunction(json: TemplateJson, role: HandlerRole): string {
  return functionOf(json, role)[1].Properties?.Role?.['Fn::GetAtt']?.[0] as string;
}

/** The role the seeder's container runs as. */
function seederTaskRole(json: TemplateJson): string {
  return onlyResource(json, 'AWS::ECS::TaskDefinition')[1].Properties?.TaskRoleArn?.['Fn::GetAtt']?.[0] as string;
}

/** The Allow statements attached to `roleId`. */
function allowedTo(json: TemplateJson, roleId: string): Statement[] {
  return statementsOf(json).filter((found) => found.roles.includes(roleId) && found.statement.Effect === 'Allow').map((found) => found.statement);
}

/** Every action `roleId` is allowed, lower-cased. */
function actionsAllowedTo(json: TemplateJson, roleId: string): string[] {
  return allowedTo(json, roleId).flatMap(actionsOf).map((action) => action.toLowerCase());
}

const VARIANTS: Array<[string, Settings]> = [['default settings', {}], ['every optional feature on', CUSTOM_SETTINGS]];

describe('Class: S3TorrentStack (IAM)', () => {
  describe.each(VARIANTS)('with %s', (_name, settings) => {
    it('grants no one s3:GetObject (or any wildcard covering it) on a published bucket', () => {
      // Prepare & Act
      const { json } = synthesize(settings);

      // Assess: every read of a published object is anonymous, as any client's.
      const offending = statementsOf(json).filter(({ statement }) =>
        statement.Effect === 'Allow' &&
        (statement.NotAction !== undefined || actionsOf(statement).some((action) => wildcardMatches(action, 's3:GetObject'))) &&
        (statement.NotResource !== undefined || list(statement.Resource).some(reachesPublishedBucket)));
      expect(offending).toEqual([]);
    });

    it('touches the published buckets only to turn on their EventBridge notifications, to list them for prefix torrents and to ask S3 whether objects are public', () => {
      // Prepare & Act
      const { json } = synthesize(settings);

      // Assess
      const onPublished = statementsOf(json).filter(({ statement }) =>
        actionsOf(statement).some((action) => action === '*' || action.toLowerCase().startsWith('s3:')) && list(statement.Resource).some(reachesPublishedBucket));
      expect(onPublished.length).toBeGreaterThan(0);
      for (const { statement } of onPublished) {
        expect(statement.Effect).toBe('Allow');
        expect([
          ['s3:GetBucketNotification', 's3:PutBucketNotification'],
          [...PublicVerdictActions.Bucket],
          [...PublicVerdictActions.Objects],
          [...PrefixListingActions],
          // CDK merges the API's two grants on the buckets themselves into one statement.
          [...PublicVerdictActions.Bucket, ...PrefixListingActions].sort(),
        ]).toContainEqual(actionsOf(statement).sort());
      }
      expect(resourcesOfType(json, 'AWS::S3::BucketPolicy').filter(([, policy]) => reachesPublishedBucket(policy.Properties?.Bucket))).toEqual([]);
    });

    it('gives every handler and the seeder exactly s3:GetBucketPolicyStatus on each published bucket and s3:GetObjectAcl on its objects, and the API s3:ListBucket, nothing else there', () => {
      // Prepare & Act
      const { json } = synthesize(settings);
      const partition = { Ref: 'AWS::Partition' };
      const arnOf = (suffix: string): unknown => ({ 'Fn::Join': ['', ['arn:', partition, `:s3:::${suffix}`]] });
      const roles = [...HANDLER_ROLES.map((role) => roleOfFunction(json, role)), seederTaskRole(json)];

      // Assess: S3's verdict of public access (src/storage/PublicAccess.ts), never the bytes.
      const unordered = (values: unknown[]): unknown[] => [...values].sort((a, b) => withPlaceholders(a).localeCompare(withPlaceholders(b)));
      const apiRole = roleOfFunction(json, 'torrent-api');
      for (const roleId of roles) {
        const onPublished = allowedTo(json, roleId).filter((statement) => list(statement.Resource).some(reachesPublishedBucket));
        // One entry per action: CDK merges grants of one resource list into one statement.
        const granted = onPublished.flatMap((statement) => actionsOf(statement).map((action) => ({ action, resources: unordered(list(statement.Resource)) })));
        // The API alone lists them, for prefix torrents (keys, sizes and ETags; never a byte).
        const listing = roleId === apiRole ? [{ action: 's3:ListBucket', resources: unordered(PUBLISHED_BUCKETS.map((bucket) => arnOf(bucket))) }] : [];
        expect(granted.sort((a, b) => a.action.localeCompare(b.action))).toEqual([
          { action: 's3:GetBucketPolicyStatus', resources: unordered(PUBLISHED_BUCKETS.map((bucket) => arnOf(bucket))) },
          { action: 's3:GetObjectAcl', resources: unordered(PUBLISHED_BUCKETS.map((bucket) => arnOf(`${bucket}/*`))) },
          ...listing,
        ]);
      }
      // No one else gets them.
      const verdictHolders = statementsOf(json).filter(({ statement }) =>
        actionsOf(statement).some((action) => ['s3:getbucketpolicystatus', 's3:getobjectacl'].includes(action.toLowerCase())));
      expect([...new Set(verdictHolders.flatMap((found) => found.roles))].sort()).toEqual([...roles].sort());
    });

    it('has no statement with Action "*" and allows no whole service', () => {
      // Prepare & Act
      const { json } = synthesize(settings);

      // Assess
      const statements = statementsOf(json);
      expect(statements.filter(({ statement }) => actionsOf(statement).includes('*'))).toEqual([]);
      expect(statements.filter(({ statement }) => statement.Effect === 'Allow' && statement.NotAction !== undefined)).toEqual([]);
      expect(statements.filter(({ statement }) => statement.Effect === 'Allow' && actionsOf(statement).some((action) => action.endsWith(':*')))).toEqual([]);
    });

    it('lets the handlers and the seeder use only the records table and its byBucket index', () => {
      // Prepare & Act
      const { stack, json } = synthesize(settings);
      const tableArn = { 'Fn::GetAtt': [logicalIdOf(stack.records.table), 'Arn'] };
      const indexArn = { 'Fn::Join': ['', [tableArn, `/index/${TableKeys.ByBucketIndex}`]] };
      const roles = [...HANDLER_ROLES.map((role) => roleOfFunction(json, role)), seederTaskRole(json)];

      // Assess
      const dynamo = statementsOf(json).filter(({ statement }) => actionsOf(statement).some((action) => action.toLowerCase().startsWith('dynamodb:')));
      expect([...new Set(dynamo.flatMap((found) => found.roles))].sort()).toEqual([...roles].sort());
      for (const { statement } of dynamo) {
        expect(list(statement.Resource)).toEqual(expect.arrayContaining([tableArn, indexArn]));
        expect(list(statement.Resource)).toHaveLength(2);
        expect(actionsOf(statement).every((action) => action.startsWith('dynamodb:') && !action.includes('*'))).toBe(true);
      }
    });

    it('gives each the record operations its code performs, and no table-wide or destructive one', () => {
      // Prepare & Act
      const { json } = synthesize(settings);

      // Assess: src/records/RecordStore.ts reads (GetItem, Query), creates and advances records in
      // transactions (PutItem, UpdateItem, ConditionCheckItem); the seeder reads, polls the change
      // log and revokes (UpdateItem with the change item's PutItem, in one transaction); the access
      // checker and the sweep read (by the byBucket index, never a scan), update and revoke (with
      // the change item).
      const handlerNeeds = ['dynamodb:getitem', 'dynamodb:query', 'dynamodb:putitem', 'dynamodb:updateitem'];
      const updaterNeeds = ['dynamodb:getitem', 'dynamodb:query', 'dynamodb:updateitem', 'dynamodb:putitem'];
      const never = ['dynamodb:deletetable', 'dynamodb:updatetable', 'dynamodb:scan', 'dynamodb:deleteitem', 'dynamodb:batchwriteitem'];
      for (const [roleId, needs, exactly] of [
        // A prefix job reads its members' records in batches (src/records/readRecords.ts).
        [roleOfFunction(json, 'hash-worker'), [...handlerNeeds, 'dynamodb:batchgetitem'], false],
        [roleOfFunction(json, 'torrent-api'), handlerNeeds, false],
        [seederTaskRole(json), updaterNeeds, false],
        [roleOfFunction(json, 'access-checker'), updaterNeeds, true],
        [roleOfFunction(json, 'sweep'), updaterNeeds, true],
      ] as const) {
        const allowed = actionsAllowedTo(json, roleId);
        expect(allowed).toEqual(expect.arrayContaining(needs));
        expect(allowed.filter((action) => never.includes(action))).toEqual([]);
        if (exactly) expect(allowed.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual([...needs].sort());
      }
    });

    it(`reaches into the artifacts bucket only under ${ARTIFACT_KEY_PREFIX}`, () => {
      // Prepare & Act
      const { stack, json } = synthesize(settings);
      const artifactsId = logicalIdOf(stack.artifactsBucket);
      const artifactKeys = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [artifactsId, 'Arn'] }, `/${ARTIFACT_KEY_PREFIX}*`]] };

      // Assess
      const identity = statementsOf(json).filter((found) => found.roles.length > 0 && JSON.stringify(found.statement.Resource ?? '').includes(`"${artifactsId}"`));
      expect(identity.length).toBeGreaterThan(0);
      for (const { statement } of identity) expect(list(statement.Resource)).toEqual([artifactKeys]);
      // The worker writes .torrent files and reads and writes prefix member lists and member
      // hashes; the API reads .torrent files and writes large prefix member lists.
      expect(actionsAllowedTo(json, roleOfFunction(json, 'hash-worker'))).toEqual(expect.arrayContaining(['s3:getobject', 's3:putobject']));
      expect(actionsAllowedTo(json, roleOfFunction(json, 'torrent-api'))).toEqual(expect.arrayContaining(['s3:getobject', 's3:putobject']));
      expect(actionsAllowedTo(json, seederTaskRole(json))).toContain('s3:getobject');
    });

    it.each<HandlerRole>(['access-checker', 'sweep'])('lets %s send to the hash and access-events queues, ask only S3\'s public verdict and only read artifacts (prefix member lists)', (role) => {
      // Prepare & Act
      const { stack, json } = synthesize(settings);
      const roleId = roleOfFunction(json, role);
      const queueArn = (queue: IConstruct): unknown => ({ 'Fn::GetAtt': [logicalIdOf(queue), 'Arn'] });

      // Assess: re-hash jobs and lost jobs go to hash-jobs; re-checks that ran out of time go back to access-events.
      const sends = allowedTo(json, roleId).filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
      expect(sends.flatMap((statement) => list(statement.Resource))).toEqual(expect.arrayContaining([queueArn(stack.hashing.queue), queueArn(stack.withdrawal.queue)]));
      expect(actionsAllowedTo(json, roleId).filter((action) => action.startsWith('s3:')).sort()).toEqual(['s3:getbucketpolicystatus', 's3:getobject', 's3:getobjectacl']);
      // GetObject on the stack's artifacts only (a large prefix snapshot's member list), never on a published bucket.
      const gets = allowedTo(json, roleId).filter((statement) => actionsOf(statement).includes('s3:GetObject'));
      const artifactKeys = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stack.artifactsBucket), 'Arn'] }, '/torrents/*']] };
      expect(gets.flatMap((statement) => list(statement.Resource))).toEqual([artifactKeys]);
    });

    it.each<HandlerRole>([...HANDLER_ROLES])('gives %s a role of its own, writing to its own log group only, without AWSLambdaBasicExecutionRole', (role) => {
      // Prepare & Act
      const { json } = synthesize(settings);
      const [, fn] = functionOf(json, role);
      const roleId = roleOfFunction(json, role);

      // Assess
      const roleResource = json.Resources[roleId];
      expect(roleResource?.Type).toBe('AWS::IAM::Role');
      expect(roleResource?.Properties?.ManagedPolicyArns ?? []).toEqual([]);
      expect(roleResource?.Properties?.AssumeRolePolicyDocument?.Statement).toEqual([
        expect.objectContaining({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }),
      ]);
      const users = resourcesOfType(json, 'AWS::Lambda::Function').filter(([, candidate]) => candidate.Properties?.Role?.['Fn::GetAtt']?.[0] === roleId);
      expect(users).toHaveLength(1);
      const logs = allowedTo(json, roleId).filter((statement) => actionsOf(statement).some((action) => action.startsWith('logs:')));
      expect(logs.length).toBeGreaterThan(0);
      for (const statement of logs) {
        expect(list(statement.Resource)).toEqual([{ 'Fn::GetAtt': [fn.Properties?.LoggingConfig?.LogGroup?.Ref, 'Arn'] }]);
      }
    });
  });
});
