import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { S3TorrentError } from '../errors.js';
// Directly, not through index.ts: `create` starts its threads before the hashing code loads.
import { startFileHashThreads } from '../hashing/hashThreads.js';
import type { LocalHandlers } from '../local/index.js';
import type { CliOutput } from './commands.js';
import { MissingCommandError, UsageError } from './errors.js';
import { HELP } from './help.js';

/** Where prewarm finds the torrent API unless told: the local stack's default port. */
const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** Exit codes: 0 done, 1 the input was refused (bad file, bad torrent), 2 bad command line. */
const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

interface CliStreams extends CliOutput {
  readonly err: (line: string) => void;
}

/** What only the entry point can provide: src/ does not import the Lambda handler modules. */
interface CliDependencies {
  readonly loadLocalHandlers: () => Promise<LocalHandlers>;
  /** The package's version (`--version`); the entry point reads it from package.json. */
  readonly version: () => Promise<string>;
}

const OPTIONS = {
  create: {
    output: { type: 'string', short: 'o' },
    'piece-length': { type: 'string' },
    announce: { type: 'string', multiple: true },
    webseed: { type: 'string', multiple: true },
    hybrid: { type: 'boolean' },
    name: { type: 'string' },
    comment: { type: 'string' },
    'no-date': { type: 'boolean' },
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  inspect: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  magnet: { help: { type: 'boolean', short: 'h' } },
  local: {
    s3: { type: 'string' },
    's3-endpoint': { type: 'string' },
    'data-dir': { type: 'string' },
    handlers: { type: 'string' },
    seeders: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  prewarm: {
    api: { type: 'string' },
    recursive: { type: 'boolean', short: 'r' },
    's3-endpoint': { type: 'string' },
    format: { type: 'string' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  status: {
    json: { type: 'boolean' },
    recursive: { type: 'boolean', short: 'r' },
    table: { type: 'string' },
    'dynamodb-endpoint': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
} as const satisfies Record<string, ParseArgsConfig['options']>;

type Command = keyof typeof OPTIONS;

/**
 * `--threads -1` as `--threads=-1`: parseArgs refuses a value that starts with a dash ("argument
 * is ambiguous") although the option takes a value, so a negative number would never reach
 * the option's own range check and its clear message.
 */
function joinNegativeValues(command: Command, argv: string[]): string[] {
  const options: Readonly<Record<string, { readonly type: string }>> = OPTIONS[command];
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (arg.startsWith('--') && options[arg.slice(2)]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

function parse<C extends Command>(command: C, argv: string[]) {
  try {
    return parseArgs({ args: joinNegativeValues(command, argv), options: OPTIONS[command], allowPositionals: true, strict: true });
  } catch (cause) {
    // parseArgs throws TypeErrors with node's wording; keep it, it names the option.
    throw new UsageError((cause as Error).message, { cause });
  }
}

function parseThreads(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > 256) throw new UsageError(`--threads expects 0 to 256, not "${text}"`);
  return Number(text);
}

function onlyFile(command: Command, positionals: string[]): string {
  const [file, ...rest] = positionals;
  if (file === undefined) throw new UsageError(`${command} needs a file argument`);
  if (rest.length > 0) throw new UsageError(`${command} takes one file, got also "${rest.join(' ')}"`);
  return file;
}

async function dispatch(argv: string[], io: CliStreams, deps: CliDependencies): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    // Nothing asked is a bad command line like any other: usage on stderr, exit 2.
    io.err(HELP.main);
    throw new MissingCommandError();
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP.main);
    return;
  }
  if (command === '--version' || command === '-V') {
    io.out(await deps.version());
    return;
  }
  if (command === 'create') {
    const { values, positionals } = parse('create', rest);
    if (values.help === true) return io.out(HELP.create);
    const file = onlyFile(command, positionals);
    const threads = parseThreads(values.threads);
    // The threads boot on the other cores while this one loads the code that hashes (the
    // commands' module and what it imports load on demand for that reason).
    startFileHashThreads(file, threads);
    const { createCommand } = await import('./commands.js');
    await createCommand(
      {
        file,
        output: values.output,
        pieceLength: values['piece-length'],
        announce: values.announce ?? [],
        webseed: values.webseed ?? [],
        hybrid: values.hybrid === true,
        name: values.name,
        comment: values.comment,
        noDate: values['no-date'] === true,
        threads,
      },
      io,
    );
    return;
  }
  if (command === 'inspect') {
    const { values, positionals } = parse('inspect', rest);
    if (values.help === true) return io.out(HELP.inspect);
    const { inspectCommand } = await import('./commands.js');
    await inspectCommand({ file: onlyFile(command, positionals), json: values.json === true }, io);
    return;
  }
  if (command === 'magnet') {
    const { values, positionals } = parse('magnet', rest);
    if (values.help === true) return io.out(HELP.magnet);
    const { magnetCommand } = await import('./commands.js');
    await magnetCommand({ file: onlyFile(command, positionals) }, io);
    return;
  }
  if (command === 'local') {
    const { values, positionals } = parse('local', rest);
    if (values.help === true) return io.out(HELP.local);
    if (positionals.length > 0) throw new UsageError(`local takes no arguments, got "${positionals.join(' ')}"`);
    const { localCommand } = await import('./localCommand.js');
    await localCommand(
      { s3: values.s3, s3Endpoint: values['s3-endpoint'], dataDir: values['data-dir'], handlers: values.handlers, seeders: values.seeders },
      io,
      deps.loadLocalHandlers,
    );
    return;
  }
  if (command === 'prewarm') {
    const { values, positionals } = parse('prewarm', rest);
    if (values.help === true) return io.out(HELP.prewarm);
    const { prewarmCommand } = await import('./prewarmCommand.js');
    await prewarmCommand(
      {
        targets: positionals,
        api: values.api ?? DEFAULT_API_URL,
        format: values.format,
        timeoutSeconds: values.timeout,
        recursive: values.recursive === true,
        s3Endpoint: values['s3-endpoint'],
      },
      io,
    );
    return;
  }
  if (command === 'status') {
    const { values, positionals } = parse('status', rest);
    if (values.help === true) return io.out(HELP.status);
    const { statusCommand } = await import('./statusCommand.js');
    await statusCommand(
      {
        targets: positionals,
        json: values.json === true,
        recursive: values.recursive === true,
        table: values.table,
        dynamoDbEndpoint: values['dynamodb-endpoint'],
      },
      io,
    );
    return;
  }
  throw new UsageError(`unknown command "${command}" (try --help)`);
}

/**
 * Runs the s3-torrent command line and returns the exit code. Expected failures print one line
 * on stderr (`s3-torrent: <message>`); anything else is a bug and keeps its stack.
 */
async function runCli(argv: string[], io: CliStreams, deps: CliDependencies): Promise<number> {
  try {
    await dispatch(argv, io, deps);
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof MissingCommandError) return ExitCode.Usage; // the usage text said it all
    if (error instanceof UsageError) {
      io.err(`s3-torrent: ${error.message}`);
      return ExitCode.Usage;
    }
    if (error instanceof S3TorrentError) {
      io.err(`s3-torrent: ${error.message}`);
      return ExitCode.Failed;
    }
    throw error;
  }
}

export { ExitCode, runCli };
export type { CliDependencies, CliStreams };
