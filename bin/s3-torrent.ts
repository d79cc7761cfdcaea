#!/usr/bin/env node
// The s3-torrent command line: parse nothing here, run src/cli, set the exit code.
import { readFile } from 'node:fs/promises';
import { runCli } from '../src/cli/index.js';
import { silenceSdkNodeVersionWarning } from '../src/service/sdkNodeVersionWarning.js';

// Failures are one line on stderr: no ten-line SDK notice about Node 20 before them (the README
// says which Node to use). Only that warning; Node's others still print.
silenceSdkNodeVersionWarning();

// `s3-torrent inspect x | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await runCli(
  process.argv.slice(2),
  {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  },
  {
    // `s3-torrent local` runs the real Lambda handlers; they load only when it asks. (With
    // `--handlers DIR` it loads the synthesised bundles in DIR instead, by itself.)
    // bin/ and dist/ both sit one level below the package root, so this finds package.json
    // whether the source runs (tests) or the bundle does (npx s3-torrent).
    version: async () => {
      const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
      return version;
    },
    loadLocalHandlers: async () => ({
      hashWorker: (await import('../lambdas/hash-worker.js')).handler,
      torrentApi: (await import('../lambdas/torrent-api.js')).handler,
      accessChecker: (await import('../lambdas/access-checker.js')).handler,
      sweep: (await import('../lambdas/sweep.js')).handler,
    }),
  },
);
process.exitCode = code;
