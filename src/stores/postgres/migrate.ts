import { createHash } from 'node:crypto';
import { DocflowError } from '../../errors/index.js';
import type { Database, Queryable } from './database.js';
import { MIGRATIONS, type Migration } from './migrations.js';

/**
 * Advisory lock key for migrations ('docflow' in ASCII): every docflow process that starts at the same
 * time queues on it, so each migration runs exactly once.
 */
const LOCK_KEY = '28263440318361719';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS docflow_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** What `migrate` did. */
export interface MigrateResult {
  /** Versions applied by this call (empty when the schema was already current). */
  applied: number[];
  /** The schema version now. */
  version: number;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  [key: string]: unknown;
}

/**
 * Bring the schema up to the newest migration. Idempotent, and safe when several processes start at
 * once: each step takes a transaction-scoped advisory lock, re-reads what is applied and only then runs.
 * Fails with ERR_STORE_MIGRATION when a migration fails, when an applied migration's text changed, or
 * when the database is newer than this docflow; ERR_STORE_UNAVAILABLE passes through (retry).
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  checkList(migrations);
  const appliedBefore = await db.transaction(async (tx) => {
    await lock(tx);
    await tx.query(CREATE_TABLE);
    const { rows } = await tx.query<AppliedRow>('SELECT version, name, checksum FROM docflow_migrations ORDER BY version');
    return rows;
  });
  verifyApplied(appliedBefore, migrations);
  const done = new Set(appliedBefore.map((r) => r.version));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    const ran = await db.transaction(async (tx) => {
      await lock(tx);
      const { rows } = await tx.query('SELECT 1 FROM docflow_migrations WHERE version = $1', [m.version]);
      if (rows.length > 0) return false; // another process applied it while we waited for the lock
      try {
        await tx.query(m.sql);
      } catch (err) {
        if (err instanceof DocflowError && err.code === 'ERR_STORE_UNAVAILABLE') throw err;
        throw new DocflowError('ERR_STORE_MIGRATION', `migration ${m.version} (${m.name}) failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      await tx.query('INSERT INTO docflow_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, checksum(m)]);
      return true;
    });
    if (ran) applied.push(m.version);
  }
  return { applied, version: migrations.at(-1)?.version ?? 0 };
}

/** The recorded fingerprint of a migration's text. */
export function checksum(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex');
}

async function lock(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOCK_KEY]);
}

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new DocflowError('ERR_STORE_MIGRATION', `migrations must be numbered 1, 2, 3… in order: entry ${i} has version ${m.version}`);
    }
  });
}

function verifyApplied(rows: readonly AppliedRow[], migrations: readonly Migration[]): void {
  const newest = migrations.length;
  for (const row of rows) {
    const known = migrations[row.version - 1];
    if (!known) {
      throw new DocflowError('ERR_STORE_MIGRATION', `the database schema is at version ${row.version} (${row.name}) but this docflow knows versions up to ${newest}: upgrade docflow, or point it at another database`);
    }
    if (row.checksum !== checksum(known)) {
      throw new DocflowError('ERR_STORE_MIGRATION', `migration ${row.version} (${row.name}) was applied with a different text than this docflow's: migrations must never be edited after release; restore it and add a new version instead`);
    }
  }
}
