import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocalHandlers } from './LocalStack.js';
import { CloudAssemblyError, HandlerBundleError, HandlerImportError } from './errors.js';
import { provideLambdaRuntimeModules } from './lambdaRuntimeModules.js';
import { MAX_HASH_THREADS, ServiceEnv } from '../config.js';
import { HANDLER_METADATA_KEY, HANDLER_ROLES, HandlerRole } from '../service/handlers.js';

/** The cloud assembly artifact type of a CloudFormation stack. */
const STACK_ARTIFACT_TYPE = 'aws:cloudformation:stack';
/** The artifact type of a stack's asset manifest (`<Stack>.assets.json`). */
const ASSET_MANIFEST_ARTIFACT_TYPE = 'cdk:asset-manifest';

/**
 * File extensions Lambda's Node.js runtime tries, in this order, for the module part of a
 * handler string (`index` of `index.handler`).
 */
const LAMBDA_MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs'] as const;

/** The variable the hash-worker reads its thread count from. */
const HASH_THREADS_VARIABLE = ServiceEnv.HashThreads;
/**
 * Hash threads when the template sets none: the service's own default. A Lambda bundle has no
 * hashWorker.cjs beside it to start a thread from, so on Lambda the hashing runs on the
 * handler's thread.
 */
const LAMBDA_DEFAULT_HASH_THREADS = 0;

/** One Lambda function of a synthesised stack and the bundle it runs. */
interface HandlerBundle {
  readonly role: HandlerRole;
  /** The stack artifact's id in the assembly, e.g. `S3Torrent`. */
  readonly stack: string;
  /** The function's logical id in the template. */
  readonly logicalId: string;
  /** Its construct path (`aws:cdk:path` metadata), when the template has it. */
  readonly constructPath: string | undefined;
  /** Its `Runtime`, e.g. `nodejs22.x`, when the template names one. */
  readonly runtime: string | undefined;
  /** The asset's hash: the `<hash>.zip` of the function's `Code.S3Key`. */
  readonly assetHash: string;
  /** Absolute path of the module Lambda would load for the function's `Handler`. */
  readonly file: string;
  /** The export to call, as Lambda reads it: `handler`, or a nested `a.b`. */
  readonly exportPath: readonly string[];
  /** The function's environment variables that are plain strings in the template. */
  readonly environment: Readonly<Record<string, string>>;
}

/** The handler bundles of a cloud assembly, and how the hashing runs in them. */
interface CloudAssemblyHandlers {
  /** The assembly directory, absolute and with symbolic links resolved. */
  readonly directory: string;
  readonly hashWorker: HandlerBundle;
  readonly torrentApi: HandlerBundle;
  readonly accessChecker: HandlerBundle;
  readonly sweep: HandlerBundle;
  /** The hash-worker's `S3TORRENT_HASH_THREADS` on Lambda: its template value, else 0. */
  readonly hashThreads: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(file: string, fail: (problem: string, cause: unknown) => Error): Promise<Json> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw fail((cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read it (${(cause as Error).message})`, cause);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw fail(`not JSON (${(cause as Error).message})`, cause);
  }
  if (!isObject(value)) throw fail('not a JSON object', undefined);
  return value;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/** A stack artifact of the manifest, with the files it refers to. */
interface StackArtifact {
  readonly id: string;
  readonly templateFile: string;
  /** Asset manifest files of the artifacts it depends on (normally `<id>.assets.json`). */
  readonly assetManifests: readonly string[];
}

function stackArtifacts(manifest: Json): StackArtifact[] {
  const artifacts = isObject(manifest.artifacts) ? manifest.artifacts : {};
  const fileOf = (id: string): string | undefined => {
    const artifact = artifacts[id];
    if (!isObject(artifact) || artifact.type !== ASSET_MANIFEST_ARTIFACT_TYPE || !isObject(artifact.properties)) return undefined;
    return typeof artifact.properties.file === 'string' ? artifact.properties.file : undefined;
  };
  const stacks: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (!isObject(artifact) || artifact.type !== STACK_ARTIFACT_TYPE || !isObject(artifact.properties)) continue;
    const templateFile = artifact.properties.templateFile;
    if (typeof templateFile !== 'string') continue;
    const dependencies = Array.isArray(artifact.dependencies) ? artifact.dependencies.filter((d): d is string => typeof d === 'string') : [];
    const assetManifests = dependencies.map(fileOf).filter((f): f is string => f !== undefined);
    stacks.push({ id, templateFile, assetManifests: assetManifests.length > 0 ? assetManifests : [`${id}.assets.json`] });
  }
  return stacks;
}

/** A function resource of a template that carries the handler metadata. */
interface MarkedFunction {
  readonly stack: StackArtifact;
  readonly logicalId: string;
  readonly role: HandlerRole;
  readonly properties: Json;
  readonly metadata: Json;
}

function isHandlerRole(value: unknown): value is HandlerRole {
  return (HANDLER_ROLES as readonly unknown[]).includes(value);
}

function markedFunctions(stack: StackArtifact, template: Json): MarkedFunction[] {
  const resources = isObject(template.Resources) ? template.Resources : {};
  const found: MarkedFunction[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObject(resource) || resource.Type !== 'AWS::Lambda::Function' || !isObject(resource.Metadata)) continue;
    const role = resource.Metadata[HANDLER_METADATA_KEY];
    if (!isHandlerRole(role)) continue;
    found.push({ stack, logicalId, role, properties: isObject(resource.Properties) ? resource.Properties : {}, metadata: resource.Metadata });
  }
  return found;
}

/**
 * Splits a Lambda `Handler` as the Node.js runtime does: an optional directory up to the last
 * `/`, the module name up to the first `.` after it, then the (possibly nested) export.
 * `index.handler` → module `index`, export `handler`.
 */
function splitHandler(handler: string): { module: string; exportPath: string[] } | undefined {
  const slash = handler.lastIndexOf('/');
  const base = handler.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) return undefined;
  const exportPath = base.slice(dot + 1).split('.');
  if (exportPath.some((part) => part === '')) return undefined;
  return { module: handler.slice(0, slash + 1) + base.slice(0, dot), exportPath };
}

function stringVariables(properties: Json): Record<string, string> {
  const variables = isObject(properties.Environment) && isObject(properties.Environment.Variables) ? properties.Environment.Variables : {};
  return Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Resolves a marked function to its asset directory and the bundle file Lambda would load. */
async function bundleOf(directory: string, fn: MarkedFunction): Promise<HandlerBundle> {
  const fail = (problem: string, cause?: unknown): HandlerBundleError =>
    new HandlerBundleError(fn.role, `function ${fn.logicalId} of stack ${fn.stack.id}: ${problem}`, cause === undefined ? undefined : { cause });
  const code = isObject(fn.properties.Code) ? fn.properties.Code : {};
  const key = code.S3Key;
  if (typeof key !== 'string' || !key.endsWith('.zip')) {
    throw fail(`its Code has no asset S3Key "<hash>.zip" (got ${JSON.stringify(key ?? code)}); inline code and images cannot run locally`);
  }
  const assetHash = key.slice(0, -'.zip'.length);
  let assetPath: string | undefined;
  for (const manifestFile of fn.stack.assetManifests) {
    const manifest = await readJson(join(directory, manifestFile), (problem, cause) => fail(`asset manifest ${manifestFile}: ${problem}`, cause));
    const entry = isObject(manifest.files) ? manifest.files[assetHash] : undefined;
    if (isObject(entry) && isObject(entry.source) && typeof entry.source.path === 'string') assetPath = entry.source.path;
  }
  if (assetPath === undefined) throw fail(`asset ${assetHash} is not in ${fn.stack.assetManifests.join(', ')}`);
  const assetDir = isAbsolute(assetPath) ? assetPath : join(directory, assetPath);
  if (!(await stat(assetDir).then((s) => s.isDirectory(), () => false))) throw fail(`its asset directory ${assetDir} is missing`);

  const handler = fn.properties.Handler;
  const parts = typeof handler === 'string' ? splitHandler(handler) : undefined;
  if (parts === undefined) throw fail(`its Handler ${JSON.stringify(handler)} is not of the form "file.export"`);
  let file: string | undefined;
  for (const extension of LAMBDA_MODULE_EXTENSIONS) {
    const candidate = join(assetDir, parts.module + extension);
    if (await isFile(candidate)) {
      file = candidate;
      break;
    }
  }
  if (file === undefined) throw fail(`${assetDir} has no ${parts.module}${LAMBDA_MODULE_EXTENSIONS.join(', ')} for Handler "${String(handler)}"`);

  const runtime = fn.properties.Runtime;
  const constructPath = fn.metadata['aws:cdk:path'];
  return {
    role: fn.role,
    stack: fn.stack.id,
    logicalId: fn.logicalId,
    constructPath: typeof constructPath === 'string' ? constructPath : undefined,
    runtime: typeof runtime === 'string' ? runtime : undefined,
    assetHash,
    file,
    exportPath: parts.exportPath,
    environment: stringVariables(fn.properties),
  };
}

function hashThreadsOf(bundle: HandlerBundle): number {
  const text = bundle.environment[HASH_THREADS_VARIABLE];
  if (text === undefined || text === '') return LAMBDA_DEFAULT_HASH_THREADS;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_HASH_THREADS) {
    throw new HandlerBundleError(bundle.role, `${HASH_THREADS_VARIABLE} is "${text}" in its template, not an integer from 0 to ${MAX_HASH_THREADS}`);
  }
  return value;
}

/**
 * Finds, in a cloud assembly (the output directory of `cdk synth`), the hash-worker,
 * torrent-api, access-checker and sweep functions by their `s3-torrent:handler` metadata, and the bundle file each would
 * run on Lambda: the function's `Code.S3Key` names an asset of the stack's asset manifest,
 * whose directory holds the module of its `Handler`. Nothing is imported yet.
 *
 * @param directory - the assembly directory, e.g. `cdk.out`
 * @throws CloudAssemblyError when the directory or its manifest is missing or unreadable
 * @throws HandlerBundleError when a function is missing, doubled, or its bundle is not there
 * @example
 * const handlers = await findCloudAssemblyHandlers('cdk.out');
 * const stack = await startLocalStack(config, () => importCloudAssemblyHandlers(handlers));
 */
async function findCloudAssemblyHandlers(directory: string): Promise<CloudAssemblyHandlers> {
  const absolute = resolve(directory);
  const isDirectory = await stat(absolute).then((s) => s.isDirectory(), () => undefined);
  if (isDirectory === undefined) throw new CloudAssemblyError(directory, 'no such directory');
  if (!isDirectory) throw new CloudAssemblyError(directory, 'not a directory');
  const root = await realpath(absolute);
  const manifest = await readJson(join(root, 'manifest.json'), (problem, cause) =>
    new CloudAssemblyError(directory, `manifest.json: ${problem} (is it the output directory of cdk synth?)`, cause === undefined ? undefined : { cause }));
  const stacks = stackArtifacts(manifest);
  if (stacks.length === 0) throw new CloudAssemblyError(directory, 'its manifest.json names no CloudFormation stack');

  const functions: MarkedFunction[] = [];
  for (const stack of stacks) {
    const template = await readJson(join(root, stack.templateFile), (problem, cause) =>
      new CloudAssemblyError(directory, `template ${stack.templateFile} of stack ${stack.id}: ${problem}`, cause === undefined ? undefined : { cause }));
    functions.push(...markedFunctions(stack, template));
  }
  const bundleFor = async (role: HandlerRole): Promise<HandlerBundle> => {
    const marked = functions.filter((fn) => fn.role === role);
    const only = marked[0];
    if (only === undefined) {
      throw new HandlerBundleError(role, `no AWS::Lambda::Function in ${stacks.map((s) => s.id).join(', ')} has the metadata "${HANDLER_METADATA_KEY}": "${role}"`);
    }
    if (marked.length > 1) {
      throw new HandlerBundleError(role, `${marked.length} functions have the metadata "${HANDLER_METADATA_KEY}": "${role}" (${marked.map((fn) => `${fn.stack.id}/${fn.logicalId}`).join(', ')}); synthesise one stack`);
    }
    return bundleOf(root, only);
  };
  const hashWorker = await bundleFor(HandlerRole.HashWorker);
  const torrentApi = await bundleFor(HandlerRole.TorrentApi);
  const accessChecker = await bundleFor(HandlerRole.AccessChecker);
  const sweep = await bundleFor(HandlerRole.Sweep);
  return Object.freeze({ directory: root, hashWorker, torrentApi, accessChecker, sweep, hashThreads: hashThreadsOf(hashWorker) });
}

/** The first line of what an import threw, for a one-line error. */
function firstLine(thrown: unknown): string {
  const text = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  return text.split('\n', 1)[0] ?? text;
}

async function importHandler(bundle: HandlerBundle): Promise<(event: never) => Promise<unknown>> {
  let namespace: Json;
  try {
    namespace = (await import(pathToFileURL(bundle.file).href)) as Json;
  } catch (thrown) {
    throw new HandlerImportError(bundle.role, bundle.file, firstLine(thrown), { cause: thrown });
  }
  // A CommonJS bundle's exports may only be on `default` (Lambda require()s it).
  const lookUp = (from: unknown): unknown => bundle.exportPath.reduce<unknown>((value, key) => (isObject(value) || typeof value === 'function' ? (value as Json)[key] : undefined), from);
  const handler = lookUp(namespace) ?? lookUp(namespace.default);
  if (typeof handler !== 'function') {
    throw new HandlerBundleError(bundle.role, `${bundle.file} has no exported function "${bundle.exportPath.join('.')}"`);
  }
  return handler as (event: never) => Promise<unknown>;
}

/**
 * Imports the bundles found by {@link findCloudAssemblyHandlers}, as Lambda's runtime would
 * at a cold start, and returns their handlers for the local stack. Call it only once the
 * handlers' environment is set: a bundle reads its configuration when imported. Like Lambda's
 * Node.js runtime, it provides the AWS SDK (`@aws-sdk/*`, `@smithy/*`) to bundles that leave it
 * out: here from this installation's node_modules.
 *
 * @throws HandlerImportError when a bundle throws while loading
 * @throws HandlerBundleError when a bundle lacks its handler export
 */
async function importCloudAssemblyHandlers(handlers: CloudAssemblyHandlers): Promise<LocalHandlers> {
  provideLambdaRuntimeModules(handlers.directory);
  const hashWorker = await importHandler(handlers.hashWorker);
  const torrentApi = await importHandler(handlers.torrentApi);
  const accessChecker = await importHandler(handlers.accessChecker);
  const sweep = await importHandler(handlers.sweep);
  return {
    hashWorker: hashWorker as LocalHandlers['hashWorker'],
    torrentApi: torrentApi as LocalHandlers['torrentApi'],
    accessChecker: accessChecker as LocalHandlers['accessChecker'],
    sweep: sweep as LocalHandlers['sweep'],
  };
}

function bundlesOf(handlers: CloudAssemblyHandlers): HandlerBundle[] {
  return [handlers.hashWorker, handlers.torrentApi, handlers.accessChecker, handlers.sweep];
}

/**
 * A warning when the Node.js running the bundles is not the major version their Lambda runtime
 * names (`nodejs22.x` on Node 20, say): what loads here might not load there. Undefined when
 * they agree or a runtime is not `nodejsNN.x`.
 *
 * @param nodeVersion - e.g. `process.version`, `v22.23.5`
 */
function runtimeMismatch(handlers: CloudAssemblyHandlers, nodeVersion: string): string | undefined {
  const major = /^v(\d+)\./.exec(nodeVersion)?.[1];
  const differing = bundlesOf(handlers).filter((bundle) => {
    const wanted = /^nodejs(\d+)\.x$/.exec(bundle.runtime ?? '')?.[1];
    return wanted !== undefined && wanted !== major;
  });
  if (differing.length === 0) return undefined;
  const runtimes = [...new Set(differing.map((bundle) => bundle.runtime))].join(', ');
  return `warning: the functions run on ${runtimes} on Lambda, but this is Node ${nodeVersion}: a bundle that loads here may not load there`;
}

/** One line saying which bundles run, from where, on which Node, with how many hash threads. */
function describeCloudAssemblyHandlers(handlers: CloudAssemblyHandlers, nodeVersion: string): string {
  const one = (bundle: HandlerBundle): string =>
    `${bundle.role}=${bundle.constructPath ?? `${bundle.stack}/${bundle.logicalId}`} (asset ${bundle.assetHash.slice(0, 12)}, ${bundle.runtime ?? 'no runtime'})`;
  return `handlers from ${handlers.directory}: ${bundlesOf(handlers).map(one).join(' ')}; node ${nodeVersion}, hash threads ${handlers.hashThreads}`;
}

export {
  describeCloudAssemblyHandlers,
  findCloudAssemblyHandlers,
  importCloudAssemblyHandlers,
  runtimeMismatch,
  splitHandler,
};
export type { CloudAssemblyHandlers, HandlerBundle };
