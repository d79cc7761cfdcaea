import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Packages Lambda's Node.js runtime provides to every function, so that CDK's `NodejsFunction`
 * leaves them out of a bundle by default (its `externalModules` are `@aws-sdk/*` and, with the
 * `sdkV3ExcludeSmithyPackages` feature flag, `@smithy/*`).
 */
const LAMBDA_RUNTIME_SCOPES = ['@aws-sdk/', '@smithy/'] as const;

/**
 * A module resolution hook (run by Node on its hooks thread): when a module under `importers`
 * imports one of `scopes` and Node finds it nowhere above that module, it is resolved as if
 * imported from `parentURL` instead. Anything else resolves, or fails, exactly as without it.
 */
const HOOK_SOURCE = `
let scopes = [];
let importers = [];
let parentURL;
export async function initialize(data) {
  scopes = data.scopes;
  importers.push(data.importers);
  parentURL = data.parentURL;
}
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const fromBundle = typeof context.parentURL === 'string' && importers.some((prefix) => context.parentURL.startsWith(prefix));
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !fromBundle || !scopes.some((scope) => specifier.startsWith(scope))) throw error;
    return nextResolve(specifier, { ...context, parentURL });
  }
}
`;

/** Directories already given the runtime's modules in this process. */
const provided = new Set<string>();

/**
 * Makes the AWS SDK resolvable for the Lambda bundles under `directory`, as Lambda's runtime
 * does: a bundle's `import '@aws-sdk/client-s3'` that finds no node_modules of its own resolves
 * to this installation's. Only those scopes, and only for modules under `directory`: any other
 * missing import still fails the bundle, as it would on Lambda. Idempotent per directory.
 *
 * @param directory - absolute path, with symbolic links resolved (Node reports importers so)
 */
function provideLambdaRuntimeModules(directory: string): void {
  if (provided.has(directory)) return;
  provided.add(directory);
  register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`, {
    data: {
      scopes: [...LAMBDA_RUNTIME_SCOPES],
      importers: `${pathToFileURL(directory).href}/`,
      // This module's own location: resolving from here walks up to this installation's node_modules.
      parentURL: import.meta.url,
    },
  });
}

export { LAMBDA_RUNTIME_SCOPES, provideLambdaRuntimeModules };
