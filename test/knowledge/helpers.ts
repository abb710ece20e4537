import { Database, migrate, MIGRATIONS, type Migration, type Queryable, type Row } from '../../src/stores/postgres/index.js';
import { KNOWLEDGE_MIGRATION } from '../../src/stores/knowledge/index.js';
import type { KnowledgeDb } from '../../src/stores/knowledge/index.js';
import type { PostgresHarness } from '../harness/postgres.js';
import { silentLogger } from '../../src/log.js';
import type { ActorContext } from '../../src/actor/types.js';

/** docflow's migrations with the knowledge schema, whether or not it is registered yet. */
export function migrationsWithKnowledge(): Migration[] {
  if (MIGRATIONS.some((m) => m.sql === KNOWLEDGE_MIGRATION.sql)) return [...MIGRATIONS];
  return [...MIGRATIONS, { ...KNOWLEDGE_MIGRATION, version: MIGRATIONS.length + 1 }];
}

/** A fresh database on the harness server with the whole schema. */
export async function freshDatabase(pg: PostgresHarness): Promise<Database> {
  const db = await Database.connect(await pg.database(), { max: 8 });
  await migrate(db, migrationsWithKnowledge());
  return db;
}

/** `db` with every statement counted (transactions' statements included, BEGIN/COMMIT not). */
export function countingDb(db: Database): KnowledgeDb & { statements: string[] } {
  const statements: string[] = [];
  const counted = (q: Queryable): Queryable => ({
    query: <R extends Row = Row>(text: string, params?: readonly unknown[]) => {
      statements.push(text);
      return q.query<R>(text, params);
    },
  });
  return {
    statements,
    query: <R extends Row = Row>(text: string, params?: readonly unknown[]) => counted(db).query<R>(text, params),
    transaction: (fn) => db.transaction((tx) => fn(counted(tx))),
  };
}

/** An actor context for direct `handle` calls. */
export function actorContext(signal: AbortSignal = new AbortController().signal, events: unknown[] = []): ActorContext {
  return { signal, log: silentLogger, emit: (e) => void events.push(e) };
}
