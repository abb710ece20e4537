import type { Command } from 'commander';
import { DocflowNode } from '../../runtime/node.js';
import { commandConfig, commandLogger, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit.js';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run docflow: the embedded services where no URL is configured, the streams and the actors; Ctrl-C stops it')
    .action(async (_opts: GlobalOptions, cmd: Command) => {
      const config = commandConfig(cmd.optsWithGlobals<GlobalOptions>());
      const log = commandLogger(config);
      const node = await DocflowNode.start(config, log);
      process.stdout.write(`docflow is up: NATS ${node.natsUrl}${node.natsMonitorUrl ? ` (monitor ${node.natsMonitorUrl})` : ''}. Ctrl-C stops it.\n`);
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          log.info({ signal: sig }, 'stopping');
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await node.close();
      process.exitCode = EXIT.OK;
    });
}
