/**
 * Security defaults, item 5 (issue #7): SQL values always travel as parameters. Hostile strings go
 * through the query subjects to the real PostgreSQL and are matched literally or refused with a typed
 * error, and the tables are intact afterwards; a static check keeps value interpolation out of the
 * SQL in the sources. (Store-level cases: test/stores/documents.test.ts, test/cache/*.test.ts.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { PACKAGE_ROOT } from '../../src/config/load.js';
import { DocflowError } from '../../src/errors/index.js';
import { defineKind } from '../../src/messages/kind.js';
import { QueryInput } from '../../src/messages/queries.js';
import { Type as T } from '@sinclair/typebox';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';

const AnyReply = defineKind('any-reply', T.Unknown());
const HOSTILE = {
  drop: "Robert'); DROP TABLE documents; --",
  percent: '100% Pure',
  under: 'under_score',
  backslash: 'back\\slash',
  quote: "O'Brien \"the\" `tick`",
  unicode: 'Zoë 名前 🚀 \u202eevil',
  placeholder: '$1 $2 ::text',
};

describe('security 5: SQL values always as parameters', function () {
  this.timeout(120_000);
  let h: PipelineHarness;
  let tables: string[];
  const ask = (what: string, req: Record<string, unknown>) =>
    h.node.transport.request(h.node.transport.subject(`query.${what}`), QueryInput, req, AnyReply) as Promise<{ items: Array<{ name: string; id: number; predicate?: string }>; total: number }>;
  const count = async (table: string) => Number((await h.node.stores!.db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]!['n']);

  before(async () => {
    h = await startPipeline({ overrides: { 'knowledge.enabled': false } });
    const docs = await h.ingest([{ msg: { id: 'sql-seed', text: 'A document that the hostile entities are said to be mentioned in.' }, source: 'seed' }]);
    assert.equal(docs.get('sql-seed')?.status, 'indexed');
    // The hostile names, written through the product's own store (itself parameterised).
    const person = (name: string) => ({ name, type: 'person' as const, confidence: 0.9, mentions: [{ chunkId: 'sql-seed:0' }] });
    await h.node.stores!.knowledge.replaceDocument('sql-seed', {
      entities: [...Object.values(HOSTILE).map(person), person('Plain Person'), person('Discount 20%'), person('snake_case')],
      relations: [{ subject: { name: HOSTILE.drop, type: 'person' }, predicate: "'; DELETE FROM relations; --", object: { name: 'Plain Person', type: 'person' }, confidence: 0.8, chunkId: 'sql-seed:0' }],
    });
    tables = await tableNames();
  });
  after(async () => { await h?.[Symbol.asyncDispose](); });

  async function tableNames(): Promise<string[]> {
    const { rows } = await h.node.stores!.db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    return rows.map((r) => String(r['tablename']));
  }

  it('names with quotes, %, _, \\, placeholders and unicode match literally, as substrings', async () => {
    const names = async (name: string) => (await ask('entities', { name, size: 100 })).items.map((e) => e.name).sort();
    assert.deepEqual(await names('%'), [HOSTILE.percent, 'Discount 20%'].sort(), '% is a character, not a wildcard');
    assert.deepEqual(await names('_'), ['snake_case', HOSTILE.under].sort(), '_ is a character, not a wildcard');
    assert.deepEqual(await names('\\'), [HOSTILE.backslash], '\\ is a character, not an escape');
    assert.deepEqual(await names('DROP TABLE documents'), [HOSTILE.drop]);
    assert.deepEqual(await names("'); DROP"), [HOSTILE.drop]);
    assert.deepEqual(await names("O'Brien \"the\" `tick`"), [HOSTILE.quote]);
    assert.deepEqual(await names('$1 $2'), [HOSTILE.placeholder]);
    assert.deepEqual(await names('名前 🚀'), [HOSTILE.unicode]);
    assert.deepEqual(await names("' OR '1'='1"), []);
    assert.deepEqual(await names('%%'), []);
  });

  it('a hostile predicate matches exactly one relation, by equality; hostile path ends are names, not SQL', async () => {
    const rel = await ask('relations', { predicate: "'; DELETE FROM relations; --" });
    assert.equal(rel.total, 1);
    assert.equal((await ask('relations', { predicate: "' OR ''='" })).total, 0);
    const paths = await ask('paths', { from: HOSTILE.drop, to: 'Plain Person', maxDepth: 2 }) as unknown as { paths: unknown[] };
    assert.equal(paths.paths.length, 1);
    await assert.rejects(ask('paths', { from: "x' OR 1=1 --", to: 'Plain Person' }), isCode('ERR_QUERY_NOT_FOUND'));
  });

  it('values of the wrong type, ids that are not ids, and NUL bytes are refused with ERR_QUERY_INVALID', async () => {
    for (const [what, req] of [
      ['relations', { subjectId: '1 OR 1=1' }],
      ['relations', { entityId: 1.5 }],
      ['entities', { confidenceMin: '0; DROP TABLE entities' }],
      ['entities', { type: "person' OR 'a'='a" }],
      ['entities', { page: '1; SELECT pg_sleep(10)' }],
      ['documents', { ids: ["sql-seed' OR '1'='1"] }],
      ['documents', { ids: ['sql-seed', 'x;DROP TABLE chunks'] }],
      ['entities', { name: 'nul\u0000byte' }],
      ['relations', { predicate: 'nul\u0000byte' }],
      ['paths', { from: 'nul\u0000byte', to: 'Plain Person' }],
    ] as const) {
      await assert.rejects(ask(what, req), isCode('ERR_QUERY_INVALID'), `${what} ${JSON.stringify(req)}`);
    }
  });

  it('a sort field outside the allow-list is ERR_QUERY_SORT, whatever it holds', async () => {
    for (const sort of ['name; DROP TABLE entities', '-(SELECT 1)', 'name DESC', 'pg_sleep(5)', 'e.name', '--name', 'Name', 'name ', '1']) {
      await assert.rejects(ask('entities', { sort }), isCode('ERR_QUERY_SORT'), `entities sort ${JSON.stringify(sort)}`);
      await assert.rejects(ask('relations', { sort }), isCode('ERR_QUERY_SORT'), `relations sort ${JSON.stringify(sort)}`);
    }
    assert.ok((await ask('entities', { sort: '-name' })).total > 0, 'an allowed field still sorts');
  });

  it('afterwards every table is there, with its rows', async () => {
    assert.deepEqual(await tableNames(), tables);
    assert.equal(await count('documents'), 1);
    assert.ok(await count('chunks') >= 1);
    assert.equal(await count('entities'), Object.keys(HOSTILE).length + 3);
    assert.equal(await count('relations'), 1);
  });

  it('static: the scan sees a value written into SQL text, in a statement or in a condition', () => {
    const bad = 'const a = `SELECT * FROM entities WHERE name = \'${q.name}\'`;\nconst b = `e.type = ${q.type}`;\nconst c = `e.id = ${p.add(q.id)}`;';
    assert.deepEqual(interpolationsIn('bad.ts', bad).map((f) => f.expr), ['q.name', 'q.type', 'p.add(q.id)']);
  });

  it('static: no SQL text in src/ or actors/ interpolates anything but reviewed identifiers and placeholders', () => {
    const found = sqlInterpolations();
    assert.ok(found.length > 0, 'the scan finds the SQL builders (it would pass vacuously otherwise)');
    const unreviewed = found.filter((f) => !REVIEWED.has(`${f.file}: ${f.expr}`) && !/^p\.add\(/.test(f.expr));
    assert.deepEqual(unreviewed.map((f) => `${f.file}:${f.line}: \${${f.expr}}`), [], 'review each: a value must be a parameter ($n), never text in the SQL');
    const stale = [...REVIEWED].filter((r) => !found.some((f) => `${f.file}: ${f.expr}` === r));
    assert.deepEqual(stale, [], 'reviewed entries that are gone: drop them from the list');
  });
});

const isCode = (code: string) => (e: unknown) => e instanceof DocflowError && e.code === code;

/**
 * Interpolations into SQL text that were reviewed: each is a constant, an identifier chosen from a
 * fixed map, escaped by the driver, or SQL built from placeholders. `p.add(value)` (a placeholder)
 * is always fine. A new entry here needs the same review.
 */
const REVIEWED = new Set([
  'src/stores/cache/postgres.ts: CACHE_TABLE',
  'src/stores/postgres/admin.ts: client.escapeIdentifier(name)',
  'src/stores/documents.ts: COLUMNS',
  'src/stores/knowledge/query-sql.ts: column',
  "src/stores/knowledge/query-sql.ts: sort.descending ? 'DESC' : 'ASC'",
  'src/stores/knowledge/query-sql.ts: tiebreak',
  "src/stores/knowledge/query-sql.ts: conditions.join(' AND ')",
  'src/stores/knowledge/repository.ts: RELATION_COLUMNS',
  'src/stores/knowledge/repository.ts: attrs',
  'src/stores/knowledge/repository.ts: filter',
  "src/stores/knowledge/repository.ts: orderBy(sort, ENTITY_COLUMNS, 'e.id')",
  "src/stores/knowledge/repository.ts: orderBy(sort, RELATION_COLUMNS_BY_SORT, 'r.id')",
  'src/stores/knowledge/repository.ts: from',
  'src/stores/knowledge/repository.ts: e',
  'src/stores/knowledge/paths.ts: RELATION_COLUMNS',
]);

/** Words that make a template literal SQL (upper case, as the sources write SQL). */
const SQL = /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|ORDER BY|LIMIT|OFFSET|VALUES|JOIN|ILIKE|CREATE|ALTER|DROP)\b/;
/** A condition fragment: a qualified column compared with what is interpolated next (`r.predicate = ${...}`). */
const COMPARISON = /\b[a-z_]+\.[a-z_]+\s*(=|<>|!=|>=|<=|<|>|I?LIKE)\s*$/i;

/** Every `${...}` inside a template literal that looks like SQL or a SQL condition, in src/ and actors/. */
function sqlInterpolations(): Array<{ file: string; line: number; expr: string }> {
  return sources(['src', 'actors']).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return SQL.test(text) || /\.query\(/.test(text) ? interpolationsIn(relative(PACKAGE_ROOT, file), text) : [];
  });
}

function interpolationsIn(file: string, text: string): Array<{ file: string; line: number; expr: string }> {
  const out: Array<{ file: string; line: number; expr: string }> = [];
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const visit = (node: ts.Node): void => {
    if (ts.isTemplateExpression(node)) {
      const before = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
      const sql = SQL.test(before.join(' '));
      node.templateSpans.forEach((span, i) => {
        if (sql || COMPARISON.test(before[i]!)) {
          out.push({ file, line: sf.getLineAndCharacterOfPosition(span.getStart()).line + 1, expr: span.expression.getText(sf) });
        }
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function sources(dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[cm]?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of dirs) walk(join(PACKAGE_ROOT, d));
  return out;
}
