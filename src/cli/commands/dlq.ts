import type { Command } from 'commander';
import { ALL_STAGES } from '../../pipeline/stages.js';
import { wholeNumber } from '../args.js';
import { DocflowError } from '../../errors/index.js';
import { listDeadLetters, replayDeadLetter } from '../../client/dlq.js';
import { commandConfig, connectClient, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit.js';
import { table } from '../format.js';

export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('inspect and replay dead letters (stream subjects docflow.dlq.<stage>)');
  dlq
    .command('list')
    .description('list dead letters, oldest first: sequence, stage, document, error, attempts')
    .option('--stage <name>', 'only this stage')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON (without the original bodies)')
    .action(async (opts: { stage?: string; limit: string; json?: boolean }, cmd: Command) => {
      const config = commandConfig(cmd.optsWithGlobals<GlobalOptions>());
      const limit = wholeNumber(opts.limit, 'limit', 1);
      const t = await connectClient(config);
      try {
        const entries = await listDeadLetters(t, { ...(opts.stage ? { stage: opts.stage } : {}), limit });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(entries.map(({ original: _o, ...e }) => ({ ...e, originalBytes: _o.byteLength })), null, 2)}\n`);
        } else if (entries.length === 0) {
          // a typo finds nothing too: say so when the stage is not one docflow runs
          const unknown = opts.stage !== undefined && !(ALL_STAGES as readonly string[]).includes(opts.stage);
          process.stdout.write(`no dead letters${unknown ? ` (note: "${opts.stage}" is not one of docflow's stages: ${ALL_STAGES.join(', ')})` : ''}\n`);
        }
        else {
          process.stdout.write(`${table([['seq', 'stage', 'document', 'attempts', 'error'], ...entries.map((e) => [String(e.seq), e.stage, e.docId ?? '-', String(e.attempt), `${e.error.code}: ${e.error.message.replace(/\s+/g, ' ').slice(0, 120)}`])])}\n`);
          process.stdout.write('replay one after a fix with `docflow dlq replay <seq>`\n');
        }
      } finally {
        await t.close();
      }
      process.exitCode = EXIT.OK;
    });
  dlq
    .command('replay')
    .description('publish dead letters again on the subject they failed on (after a fix), and remove them from the DLQ')
    .argument('[seq...]', 'sequences from `docflow dlq list`')
    .option('--all', 'replay every dead letter (of --stage, if given)')
    .option('--stage <name>', 'with --all: only this stage')
    .option('--keep', 'leave the dead letters in the DLQ')
    .action(async (seqs: string[], opts: { all?: boolean; stage?: string; keep?: boolean }, cmd: Command) => {
      const config = commandConfig(cmd.optsWithGlobals<GlobalOptions>());
      if (!opts.all && seqs.length === 0) throw new DocflowError('ERR_USAGE', 'name the sequences to replay, or use --all');
      const named = seqs.map(Number);
      const bad = seqs.filter((s, i) => !/^\d+$/.test(s) || !Number.isSafeInteger(named[i]) || named[i]! < 1);
      if (bad.length > 0) throw new DocflowError('ERR_USAGE', `not a sequence: ${bad.join(', ')} (the numbers in the first column of \`docflow dlq list\`)`);
      const t = await connectClient(config);
      try {
        const targets = opts.all ? (await listDeadLetters(t, opts.stage ? { stage: opts.stage } : {})).map((e) => e.seq) : named;
        for (const seq of targets) {
          const r = await replayDeadLetter(t, seq, { keep: opts.keep ?? false });
          process.stdout.write(`replayed ${seq} on ${r.subject}\n`);
        }
      } finally {
        await t.close();
      }
      process.exitCode = EXIT.OK;
    });
}
