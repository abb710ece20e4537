import type { Command } from 'commander';
import { DocflowError } from '../../errors/index.js';
import { SearchReply, SearchRequest, type SearchRequestMessage } from '../../messages/pipeline.js';
import { commandConfig, connectClient, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit.js';

interface SearchOptions extends GlobalOptions {
  k?: string;
  collection?: string;
  where?: string;
  json?: boolean;
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('print the chunks nearest to TEXT with their source (asks docflow.query.search)')
    .argument('<text...>', 'what to look for')
    .option('-k, --k <n>', 'how many chunks (1-100)', '5')
    .option('--collection <name>', 'collection to search (default: index.collection)')
    .option('--where <json>', 'metadata filter, e.g. \'{"format":"pdf","page":{"min":2}}\'')
    .option('--json', 'print the raw reply as JSON')
    .action(async (words: string[], opts: SearchOptions, cmd: Command) => {
      const all = { ...cmd.optsWithGlobals<GlobalOptions>(), ...opts };
      const config = commandConfig(all);
      const req: SearchRequestMessage = { text: words.join(' '), k: Number(all.k ?? 5) };
      if (all.collection) req.collection = all.collection;
      if (all.where) {
        try {
          req.where = JSON.parse(all.where) as SearchRequestMessage['where'];
        } catch (err) {
          throw new DocflowError('ERR_QUERY_INVALID', `--where is not valid JSON: ${(err as Error).message}`);
        }
      }
      const t = await connectClient(config);
      try {
        const reply = await t.request(t.subject('query.search'), SearchRequest, req, SearchReply);
        if (all.json) process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
        else {
          if (reply.results.length === 0) process.stdout.write('no results\n');
          reply.results.forEach((r, i) => {
            const where = [r.metadata['source'], r.metadata['page'] !== undefined ? `page ${r.metadata['page']}` : '', r.metadata['heading'] ?? ''].filter(Boolean).join(' · ');
            const text = r.text.replace(/\s+/g, ' ').trim();
            process.stdout.write(`${i + 1}. ${r.score.toFixed(3)}  ${r.docId}  ${where}\n   ${text.length > 300 ? `${text.slice(0, 300)}…` : text}\n`);
          });
          process.stdout.write(`(${reply.results.length} results in ${reply.tookMs.toFixed(1)} ms, model ${reply.model ?? '?'})\n`);
        }
      } finally {
        await t.close();
      }
      process.exitCode = EXIT.OK;
    });
}
