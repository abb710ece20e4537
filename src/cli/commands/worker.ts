import type { Command } from 'commander';
import { DocflowError } from '../../errors/index.js';
import { DocflowNode } from '../../runtime/node.js';
import { ALL_STAGES, isPipelineStage, type PipelineStageName } from '../../pipeline/stages.js';
import { commandConfig, commandLogger, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit.js';
import { resolveServers } from '../../runtime/endpoints.js';

interface WorkerOptions extends GlobalOptions {
  stages: string;
  queries?: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('join a running deployment: run only the named stages against its NATS (workers of a stage share its durable consumer, so each one adds throughput)')
    .option('--stages <list>', `comma-separated stages: ${ALL_STAGES.join(',')}`, ALL_STAGES.join(','))
    .option('--queries', 'also serve the query endpoints (search)')
    .action(async (opts: WorkerOptions, cmd: Command) => {
      const all = { ...cmd.optsWithGlobals<GlobalOptions>(), ...opts };
      const stages = [...new Set(all.stages.split(',').map((s) => s.trim()).filter(Boolean))]; // each stage once
      const bad = stages.filter((s) => !isPipelineStage(s));
      if (bad.length > 0 || stages.length === 0) throw new DocflowError('ERR_USAGE', `--stages: unknown stage(s) ${bad.join(', ') || '(none given)'}; choose from ${ALL_STAGES.join(', ')}`);
      const base = commandConfig(all);
      // A worker never starts its own nats-server: it joins the configured one, or the `docflow up` on this machine.
      const config = { ...base, nats: { ...base.nats, servers: resolveServers(base) } };
      const log = commandLogger(config, 'docflow-worker');
      let stop: (() => void) | undefined;
      const stopping = new Promise<void>((resolve) => (stop = resolve));
      let signals = 0;
      const onSignal = () => { if (++signals > 1) process.exit(130); stop?.(); };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const node = await DocflowNode.start(config, log, { pipeline: stages as PipelineStageName[], queries: all.queries ?? false, embeddedStores: false });
      process.stdout.write(`docflow worker: stages ${stages.join(', ')} on ${node.natsUrl}. Ctrl-C stops it.\n`);
      if (signals === 0) await stopping;
      await node.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.exitCode = EXIT.OK;
    });
}
