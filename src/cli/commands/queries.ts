import type { Command } from 'commander';
import { DocflowError } from '../../errors/index.js';
import { DocumentsReply, EntitiesReply, PathsReply, QueryInput, RelationsReply } from '../../messages/queries.js';
import type { MessageKind } from '../../messages/index.js';
import { commandConfig, connectClient, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit.js';
import { table } from '../format.js';

type Req = Record<string, unknown>;

async function ask(cmd: Command, what: string, req: Req, reply: MessageKind): Promise<Record<string, unknown>> {
  const config = commandConfig(cmd.optsWithGlobals<GlobalOptions>());
  const t = await connectClient(config);
  try {
    return await t.request(t.subject(`query.${what}`), QueryInput, req, reply) as Record<string, unknown>;
  } finally {
    await t.close();
  }
}

const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new DocflowError('ERR_QUERY_INVALID', `--${name} takes an integer (got "${v}")`);
  return n;
};
const num = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new DocflowError('ERR_QUERY_INVALID', `--${name} takes a number (got "${v}")`);
  return n;
};
const defined = (o: Req): Req => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function print(json: boolean | undefined, reply: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(reply, null, 2)}\n` : human());
  process.exitCode = EXIT.OK;
}

interface EntityRef { id: number; name: string }
interface Relation { subject: EntityRef; predicate: string; object: EntityRef; confidence: number }
interface Entity { id: number | string; name: string; type: string; confidence: number; mentions?: number; documents?: number; attributes?: Record<string, unknown>; relations?: Relation[] }

/** The entities as a table (with an attributes column when asked), then each one's relations when asked. */
function entitiesText(items: Entity[], attributes: boolean, relations: boolean): string {
  const head = ['id', 'name', 'type', 'confidence', 'mentions', ...(attributes ? ['attributes'] : [])];
  const rows = items.map((e) => [String(e.id), e.name, e.type, e.confidence.toFixed(2), String(e.mentions ?? ''),
    ...(attributes ? [Object.entries(e.attributes ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${String(v)}`).join(', ')] : [])]);
  let out = `${table([head, ...rows])}\n`;
  if (relations) {
    for (const e of items) {
      const rs = e.relations ?? [];
      out += `\n${e.name} (${e.id}): ${rs.length === 0 ? 'no relations' : `its ${rs.length} best relations`}\n`;
      for (const r of rs) out += `  ${r.subject.name} -[${r.predicate}]- ${r.object.name}  ${r.confidence.toFixed(2)}\n`;
    }
  }
  return out;
}

/** `docflow entities|relations|paths|documents`: the knowledge queries of CONTRACT.md from the shell. */
export function registerQueries(program: Command): void {
  program.command('entities')
    .description('entities found in the documents (asks docflow.query.entities)')
    .argument('[name...]', 'case-insensitive substring of the name (its words may go unquoted)')
    .option('--type <type>', 'person | place | organization | term')
    .option('--confidence-min <x>', 'least confidence, 0..1')
    .option('--sort <field>', 'name, type, confidence, mentions, documents, id; - in front for descending')
    .option('--page <n>').option('--size <n>', 'at most 100')
    .option('--relations', 'include each entity\'s relations').option('--attributes', 'include attributes')
    .option('--json', 'print the raw reply')
    .action(async (words: string[], o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const reply = await ask(cmd, 'entities', defined({
        name: words.length > 0 ? words.join(' ') : undefined, type: o['type'], confidenceMin: num(o['confidenceMin'] as string, 'confidence-min'), sort: o['sort'],
        page: int(o['page'] as string, 'page'), size: int(o['size'] as string, 'size'),
        includeRelations: o['relations'] ? true : undefined, includeAttributes: o['attributes'] ? true : undefined,
      }), EntitiesReply);
      const items = reply['items'] as Entity[];
      print(o['json'] as boolean, reply, () => entitiesText(items, Boolean(o['attributes']), Boolean(o['relations'])) + `(page ${reply['page']}, ${items.length} of ${reply['total']})\n`);
    });
  program.command('relations')
    .description('relations between entities (asks docflow.query.relations)')
    .option('--subject <id>').option('--object <id>').option('--entity <id>', 'either side').option('--predicate <verb>')
    .option('--confidence-min <x>').option('--sort <field>', 'confidence, predicate, subject, object, id').option('--page <n>').option('--size <n>')
    .option('--json', 'print the raw reply')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const reply = await ask(cmd, 'relations', defined({
        subjectId: int(o['subject'] as string, 'subject'), objectId: int(o['object'] as string, 'object'), entityId: int(o['entity'] as string, 'entity'),
        // the knowledge stage writes predicates in lower case (lemmas): typed in any case, one is found
        predicate: typeof o['predicate'] === 'string' ? o['predicate'].toLowerCase() : undefined,
        confidenceMin: num(o['confidenceMin'] as string, 'confidence-min'), sort: o['sort'], page: int(o['page'] as string, 'page'), size: int(o['size'] as string, 'size'),
      }), RelationsReply);
      const items = reply['items'] as Array<{ subject: Entity; predicate: string; object: Entity; confidence: number }>;
      print(o['json'] as boolean, reply, () => `${table([['subject', 'predicate', 'object', 'confidence'], ...items.map((r) => [r.subject.name, r.predicate, r.object.name, r.confidence.toFixed(2)])])}\n(page ${reply['page']}, ${items.length} of ${reply['total']})\n`);
    });
  program.command('paths')
    .description('paths between two entities through their relations, best first (asks docflow.query.paths)')
    .argument('<from>', 'entity id or exact name').argument('<to>', 'entity id or exact name')
    .option('--max-depth <n>', 'at most 6', '3').option('--limit <n>', 'paths', '10')
    .option('--directed', 'follow relations from subject to object only')
    .option('--json', 'print the raw reply')
    .action(async (from: string, to: string, o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const id = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);
      const reply = await ask(cmd, 'paths', { from: id(from), to: id(to), maxDepth: int(o['maxDepth'] as string, 'max-depth'), limit: int(o['limit'] as string, 'limit'), ...(o['directed'] ? { directed: true } : {}) }, PathsReply);
      const paths = reply['paths'] as Array<{ entities: Entity[]; predicates: string[]; confidence: number }>;
      print(o['json'] as boolean, reply, () => (paths.length === 0 ? 'no path\n' : paths.map((p) => `${p.confidence.toFixed(3)}  ${p.entities.map((e, i) => (i === 0 ? e.name : `-[${p.predicates[i - 1]}]- ${e.name}`)).join(' ')}`).join('\n') + '\n'));
    });
  program.command('documents')
    .description('what PostgreSQL records of documents (asks docflow.query.documents)')
    .argument('<ids...>')
    .option('--json', 'print the raw reply')
    .action(async (ids: string[], o: { json?: boolean }, cmd: Command) => {
      const reply = await ask(cmd, 'documents', { ids }, DocumentsReply);
      const docs = reply['documents'] as Array<{ id: string; status: string; chunks: number; source?: string; format?: string }>;
      print(o.json, reply, () => `${table([['id', 'status', 'chunks', 'format', 'source'], ...docs.map((d) => [d.id, d.status, String(d.chunks), d.format ?? '', d.source ?? ''])])}\n`);
      const missing = (reply['missing'] as string[] | undefined) ?? [];
      if (missing.length > 0) {
        if (!o.json) process.stderr.write(`not found: ${missing.join(', ')}\n`);
        process.exitCode = EXIT.FAILED; // like a lookup that finds nothing: scripts can test it
      }
    });
}
