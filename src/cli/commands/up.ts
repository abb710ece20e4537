import type { Command } from 'commander';
import { DocflowNode } from '../../runtime/node.js';
import { ALL_STAGES } from '../../pipeline/stages.js';
import { commandConfig, commandLogger, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit.js';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run docflow: the embedded services where no URL is configured (nats-server, PostgreSQL, Chroma), the streams, the five pipeline stages and the query services; Ctrl-C stops it')
    .action(async (_opts: GlobalOptions, cmd: Command) => {
      const config = commandConfig(cmd.optsWithGlobals<GlobalOptions>());
      const log = commandLogger(config);
      // Handlers first, so that Ctrl-C during start-up still stops cleanly; a second one forces exit.
      let signals = 0;
      let stopRequested: (() => void) | undefined;
      const stopping = new Promise<void>((resolve) => (stopRequested = resolve));
      const onSignal = (sig: NodeJS.Signals) => {
        if (++signals > 1) process.exit(130);
        log.info({ signal: sig }, 'stopping');
        stopRequested?.();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const node = await DocflowNode.start(config, log, { pipeline: ALL_STAGES, queries: true, embeddedStores: true });
      if (signals === 0) {
        process.stdout.write(`docflow is up: NATS ${node.natsUrl}${node.natsMonitorUrl ? ` (monitor ${node.natsMonitorUrl})` : ''}${node.metricsUrl ? `, metrics ${node.metricsUrl}/metrics${node.config.metrics.dashboard ? `, dashboard ${node.metricsUrl}/` : ''}` : ''}. Ctrl-C stops it.\n`);
        await stopping;
      }
      await node.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.exitCode = EXIT.OK;
    });
}
