#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { VERSION } from '../runtime/version.js';
import { registerStatus } from './commands/status.js';
import { registerTune } from './commands/tune.js';
import { registerUp } from './commands/up.js';
import { registerIngest } from './commands/ingest.js';
import { registerSearch } from './commands/search.js';
import { registerWorker } from './commands/worker.js';
import { registerDlq } from './commands/dlq.js';
import { registerQueries } from './commands/queries.js';
import { EXIT, reportError } from './exit.js';

/** The `docflow` program; exported so tests can run it in-process. */
export function buildProgram(): Command {
  const program = new Command('docflow')
    .description('turn piles of documents into searchable knowledge, on NATS JetStream')
    .version(VERSION)
    // No short form: options are read anywhere on the line, so `-c` would take `--sort -confidence`
    // for `--config onfidence`.
    .option('--config <file>', 'YAML config merged over config/default.yaml (also DOCFLOW_CONFIG)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerUp(program);
  registerIngest(program);
  registerSearch(program);
  registerWorker(program);
  registerQueries(program);
  registerDlq(program);
  registerStatus(program);
  registerTune(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return Number(process.exitCode ?? EXIT.OK);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    return reportError(err);
  }
}

// `docflow search … | head -1`: the reader went away; that is how a pipe ends, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode === undefined ? EXIT.OK : Number(process.exitCode));
});

const code = await main(process.argv);
process.exitCode = code;
// A command that failed has said why; a handle it left open (a connection an error cut short) must
// not keep the process from exiting. (stderr and stdout writes are synchronous on Linux pipes and files.)
if (code !== EXIT.OK) setTimeout(() => process.exit(code), 2_000).unref();
