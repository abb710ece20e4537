import type { Command } from 'commander';
import { DocflowError } from '../../errors/index.js';
import { TuneReply, TuneRequest } from '../../messages/index.js';
import { commandConfig, connectClient, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit.js';

/** `embed.concurrency=4` → stage, key, value (numbers and booleans parsed). */
export function parseAssignment(text: string): { stage: string; key: string; value: number | boolean | string } {
  const m = /^([a-z][a-z0-9-]*)\.([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(text);
  if (!m) throw new DocflowError('ERR_TUNE_INVALID', `"${text}" is not stage.key=value (e.g. embed.concurrency=4)`);
  const raw = m[3]!;
  const value = raw === 'true' ? true : raw === 'false' ? false : Number.isFinite(Number(raw)) ? Number(raw) : raw;
  return { stage: m[1]!, key: m[2]!, value };
}

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('change settings of a running stage without a restart, in every process that runs it (docflow.control.tune), e.g. docflow tune embed.concurrency=4')
    .argument('<assignments...>', 'stage.key=value, one or more for the same stage')
    .action(async (assignments: string[], _opts: GlobalOptions, cmd: Command) => {
      const config = commandConfig(cmd.optsWithGlobals<GlobalOptions>());
      const parsed = assignments.map(parseAssignment);
      const stages = new Set(parsed.map((p) => p.stage));
      if (stages.size !== 1) throw new DocflowError('ERR_TUNE_INVALID', `tune one stage at a time (got ${[...stages].join(', ')})`);
      const t = await connectClient(config);
      try {
        const reply = await t.request(t.subject('control.tune'), TuneRequest, { stage: parsed[0]!.stage, settings: Object.fromEntries(parsed.map((p) => [p.key, p.value])) }, TuneReply);
        const settings = (x: Record<string, unknown>) => Object.entries(x).map(([k, v]) => `${k}=${String(v)}`).join(' ');
        if ((reply.nodes?.length ?? 0) > 1) {
          for (const n of reply.nodes!) process.stdout.write(`${reply.stage} on ${n.node.host}:${n.node.pid}: ${settings(n.settings)}\n`);
        } else {
          process.stdout.write(`${reply.stage}: ${settings(reply.settings)}\n`);
        }
        process.exitCode = EXIT.OK;
      } finally {
        await t.close();
      }
    });
}
