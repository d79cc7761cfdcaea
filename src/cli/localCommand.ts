import {
  MAX_LOCAL_SEEDERS,
  describeCloudAssemblyHandlers,
  findCloudAssemblyHandlers,
  importCloudAssemblyHandlers,
  localStackConfigFrom,
  runtimeMismatch,
  startLocalStack,
} from '../local/index.js';
import type { LocalHandlers, S3Backend } from '../local/index.js';
import type { CliOutput } from './commands.js';
import { UsageError } from './errors.js';
import { formatBytes } from './sizes.js';

interface LocalArgs {
  readonly s3?: string | undefined;
  readonly s3Endpoint?: string | undefined;
  readonly dataDir?: string | undefined;
  /** A cloud assembly (`cdk synth` output) whose Lambda bundles run instead of the built-in handlers. */
  readonly handlers?: string | undefined;
  /** Seeder/tracker pairs sharing one swarm store (a redis-server the stack starts). */
  readonly seeders?: string | undefined;
}

function seedersOf(args: LocalArgs): number | undefined {
  if (args.seeders === undefined) return undefined;
  const count = Number(args.seeders);
  if (!Number.isInteger(count) || count < 1 || count > MAX_LOCAL_SEEDERS) throw new UsageError(`--seeders expects a whole number from 1 to ${MAX_LOCAL_SEEDERS}, not "${args.seeders}"`);
  return count;
}

function backendOf(args: LocalArgs): S3Backend | undefined {
  if (args.s3Endpoint !== undefined) {
    if (args.s3 !== undefined && args.s3 !== 'external') throw new UsageError('--s3-endpoint cannot be combined with --s3 ' + args.s3);
    return { kind: 'external', endpoint: args.s3Endpoint };
  }
  if (args.s3 === undefined || args.s3 === 'embedded') return undefined;
  if (args.s3 === 'rgw') return { kind: 'rgw' };
  throw new UsageError(`--s3 expects embedded or rgw, not "${args.s3}"`);
}

/**
 * Where the pasted example commands write: a folder of the project that .gitignore ignores, so
 * they leave the working tree clean and `npx s3-torrent` still finds the project.
 */
const DEMO_DIR = 'demo';

/**
 * The bucket of the private-object example: the stack gives no bucket but the demo one a bucket
 * policy, so what is uploaded there is private until an object ACL says otherwise.
 */
const PRIVATE_EXAMPLE_BUCKET = 'private';

/** The header line of the private-object example, for the tests that find it. */
const PRIVATE_EXAMPLE_HEADER = 'A private object:';

/** The header line of the folder (prefix torrent) example, for the tests that find it. */
const FOLDER_EXAMPLE_HEADER = 'A folder as one torrent (a prefix: the key ends in /):';

/** What the first lines say of the S3 the stack runs on. */
function describeS3(backend: S3Backend | undefined): string {
  if (backend === undefined || backend.kind === 'embedded') return 'S3 is the embedded s3rver: it has no access control, so every object in it is public.';
  if (backend.kind === 'rgw') return 'S3 is Ceph RGW: ACLs, bucket policies and Block Public Access are enforced.';
  return `S3 is ${backend.endpoint}.`;
}

/**
 * Making an object private and public again, where S3 enforces access (RGW, another endpoint). Not
 * in the demo bucket: its bucket policy lets anyone read every object whatever the object's ACL.
 */
function privateObjectExample(s3: string, api: string, env: string): string[] {
  const bucket = PRIVATE_EXAMPLE_BUCKET;
  const aws = `${env} aws --endpoint-url ${s3}`;
  const torrent = `'${api}/${bucket}/demo.bin?torrent'`;
  return [
    `${PRIVATE_EXAMPLE_HEADER} a new bucket has no bucket policy, so its objects are private until an object ACL says otherwise.`,
    `Upload one there: an anonymous GET gets 403, and so does ?torrent (AccessDenied: nothing is published):`,
    `  ${aws} s3 mb s3://${bucket}`,
    `  ${aws} s3 cp ${DEMO_DIR}/demo.bin s3://${bucket}/demo.bin`,
    `  curl -sS -o /dev/null -w 'anonymous GET: %{http_code}\\n' ${s3}/${bucket}/demo.bin`,
    `  curl -sS -D - ${torrent}`,
    'Grant anonymous read with the object ACL: ?torrent answers 200. Take it back: 403 again, and the seeder drops it within seconds:',
    `  ${aws} s3api put-object-acl --bucket ${bucket} --key demo.bin --acl public-read`,
    `  curl -sS -o ${DEMO_DIR}/${bucket}.demo.bin.torrent -D - ${torrent}`,
    `  ${aws} s3api put-object-acl --bucket ${bucket} --key demo.bin --acl private`,
  ];
}

/**
 * The commands a newcomer can paste once the stack is up, from the project directory.
 *
 * @internal exported for its test
 */
function examples(s3: string, api: string, bucket: string, backend: S3Backend | undefined, s3CapacityBytes?: number): string[] {
  const env = 'AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1';
  const enforced = backend !== undefined && backend.kind !== 'embedded';
  return [
    '',
    describeS3(backend),
    ...(s3CapacityBytes === undefined
      ? []
      : [`It holds ${formatBytes(s3CapacityBytes)} of objects (S3TORRENT_RGW_CAPACITY_BYTES); past that, uploads are refused (403 QuotaExceeded).`]),
    enforced
      ? `The bucket "${bucket}" is public by its bucket policy (anyone may GetObject), so an object ACL cannot make an object private there.`
      : `The bucket "${bucket}" is public.`,
    `Try, from the project directory (files go to ${DEMO_DIR}/, which git ignores):`,
    `  mkdir -p ${DEMO_DIR} && head -c 50000000 /dev/urandom > ${DEMO_DIR}/demo.bin`,
    `  ${env} aws --endpoint-url ${s3} s3 cp ${DEMO_DIR}/demo.bin s3://${bucket}/demo.bin`,
    `  curl -sS -o ${DEMO_DIR}/demo.bin.torrent -D - '${api}/${bucket}/demo.bin?torrent'`,
    `  aws s3api get-object-torrent --endpoint-url ${api} --no-sign-request --bucket ${bucket} --key demo.bin ${DEMO_DIR}/demo.torrent`,
    `  npx s3-torrent inspect ${DEMO_DIR}/demo.torrent`,
    `  npx s3-torrent prewarm s3://${bucket}/demo.bin --api ${api}`,
    `  aria2c --dir=${DEMO_DIR}/downloads --enable-dht=false --bt-enable-lpd=false --seed-time=0 ${DEMO_DIR}/demo.bin.torrent`,
    '',
    FOLDER_EXAMPLE_HEADER,
    `  mkdir -p ${DEMO_DIR}/set/sub && head -c 300000 /dev/urandom > ${DEMO_DIR}/set/one.bin && head -c 5000 /dev/urandom > ${DEMO_DIR}/set/sub/two.bin`,
    `  ${env} aws --endpoint-url ${s3} s3 cp --recursive ${DEMO_DIR}/set s3://${bucket}/set/`,
    `  npx s3-torrent prewarm s3://${bucket}/set/ --api ${api}`,
    `  curl -sS -o ${DEMO_DIR}/set.torrent -D - '${api}/${bucket}/set/?torrent&format=hybrid'`,
    `  npx s3-torrent inspect ${DEMO_DIR}/set.torrent`,
    '',
    ...(enforced
      ? privateObjectExample(s3, api, env)
      : ['A private object needs an S3 that enforces access: run npm start -- --s3 rgw (Ceph RGW) to try one.']),
    '',
    'Ctrl-C stops everything.',
  ];
}

/**
 * `s3-torrent local` (`npm start`): runs the local stack until interrupted. Prints one `ready`
 * line with the endpoints when, and only when, everything is up. With `--handlers DIR` it runs
 * the Lambda bundles of a synthesised cloud assembly, hashing with the threads they have on
 * Lambda; a bad directory fails before anything starts.
 */
async function localCommand(
  args: LocalArgs,
  io: CliOutput & { err: (line: string) => void },
  loadHandlers: () => Promise<LocalHandlers>,
): Promise<void> {
  const backend = backendOf(args);
  const bundles = args.handlers === undefined ? undefined : await findCloudAssemblyHandlers(args.handlers);
  const config = localStackConfigFrom({ dataDir: args.dataDir, s3: backend, hashThreads: bundles?.hashThreads, seeders: seedersOf(args) });
  if (bundles !== undefined) {
    io.out(describeCloudAssemblyHandlers(bundles, process.version));
    const warning = runtimeMismatch(bundles, process.version);
    if (warning !== undefined) io.err(warning);
  }
  const load = bundles === undefined ? loadHandlers : () => importCloudAssemblyHandlers(bundles);
  const stack = await startLocalStack(config, load, (line) => io.err(line));
  const { s3, api, dynamoDb, sqs } = stack.endpoints;
  const seeding = stack.seeder === undefined ? '' : ` peer-port=${stack.seeder.peerPort} tracker=${stack.seeder.trackerUrls.join(',')}`;
  // With several seeders: every tracker (the torrents name the first), and the store they share.
  const shared = stack.swarmStoreUrl === undefined ? '' : ` trackers=${stack.seeders.map((s) => s.trackerUrls.join(',')).join(';')} swarm-store=${stack.swarmStoreUrl}`;
  io.out(`ready s3=${s3} api=${api} dynamodb=${dynamoDb} sqs=${sqs}${seeding}${shared} data=${config.dataDir}`);
  examples(s3, api, stack.demoBucket, backend, stack.s3CapacityBytes).forEach((line) => io.out(line));
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.err('stopping…');
      stack.stop().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export { DEMO_DIR, FOLDER_EXAMPLE_HEADER, PRIVATE_EXAMPLE_BUCKET, PRIVATE_EXAMPLE_HEADER, examples, localCommand };
export type { LocalArgs };
