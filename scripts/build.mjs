// Bundles the CLI and its hashing thread into dist/ with esbuild, so that `npx s3-torrent`
// runs plain JavaScript on Node 20 or 22 with nothing but `npm ci`. Runs as `prepare`, i.e.
// during `npm ci`. The hashing thread is a separate bundle because a worker thread loads its
// own file (src/hashing/lanes.ts looks for dist/hashWorker.cjs beside the CLI bundle).
import { chmod, rm } from 'node:fs/promises';
import { build } from 'esbuild';

/**
 * Packages every CLI command loads, bundled into dist/ rather than loaded from node_modules:
 * resolving a bare import (package.json lookups, the exports map) and loading a package file by
 * file cost ~0.01 s of every run of `create`, half of Node's own start. Small, pure JavaScript
 * ESM that looks for no files of its own; its dependencies are bundled with it. (cli-progress
 * loads only when a bar is drawn on a terminal, so it stays external.)
 */
const BUNDLED_CLI_PACKAGES = new Set(['bencode']);

/** Leaves every other package external; see `packages: 'external'` below for why. */
const bundleOnlyCliPackages = {
  name: 'bundle-only-cli-packages',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      // A dependency of a bundled package: bundled too (external packages are never scanned).
      if (args.importer.includes('/node_modules/')) return undefined;
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return BUNDLED_CLI_PACKAGES.has(name) ? undefined : { external: true };
    });
  },
};

// Chunk names are content hashes: without a clean start, every build would leave old ones behind.
await rm('dist', { recursive: true, force: true });

await build({
  entryPoints: { 's3-torrent': 'bin/s3-torrent.ts' },
  outdir: 'dist',
  bundle: true,
  // Dependencies stay in node_modules (the CLI always runs inside the project after `npm ci`):
  // the emulators locate their own files (DynamoDB Local's jar) relative to their package.
  // Only the few small packages `create` needs are bundled (BUNDLED_CLI_PACKAGES).
  plugins: [bundleOnlyCliPackages],
  // Commands load on demand: `create` must not pay for the AWS SDK and the emulators.
  splitting: true,
  // Chunks sit beside the entry point: shared code finds dist/hashWorker.cjs next to itself.
  chunkNames: 'chunk-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The hashing thread: one self-contained CommonJS file. Every `create` of more than one chunk
// boots it while the caller's thread already hashes, so its start-up is on the critical path:
// a CommonJS thread skips Node's ESM loader and one file skips resolving chunks, ~7 ms of CPU
// less per thread start than an ESM entry with shared chunks (measured on Node 20).
await build({
  entryPoints: { hashWorker: 'src/hashing/hashWorker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The seeder service: one self-contained file with every dependency inside, because the container
// image (seeder/Dockerfile) holds this file and Node and nothing else: no npm install in the image,
// and the image runs the very bytes the e2e tests run. `npm start` runs the seeder in-process.
await build({
  entryPoints: { seeder: 'seeder/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Prefer packages' ESM builds; the ESM-only bencode has nothing else.
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies (parts of the AWS SDK) call `require`, which ESM lacks.
  banner: { js: "import { createRequire as __s3tCreateRequire } from 'node:module'; const require = __s3tCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});

// npm links bin entries as they are; the CLI must be executable for `npx s3-torrent`.
await chmod('dist/s3-torrent.js', 0o755);
