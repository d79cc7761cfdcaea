#!/usr/bin/env node
// The s3-torrent command line: parse nothing here, run src/cli, set the exit code.
import { runCli } from '../src/cli/index.js';

const code = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
process.exitCode = code;
