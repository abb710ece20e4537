/**
 * The cache's L3 in PostgreSQL: one table of opaque bytes with tags and an absolute expiry. Expiry
 * is checked on every read against the server's clock (so clients' clocks never matter) and expired
 * rows are deleted by a periodic, batched sweep.
 */
import type { Queryable } from '../postgres/database.js';
import type { CacheStore, EntryToStore, StoredEntry } from './types.js';

/** The L3 table. */
export const CACHE_TABLE = 'docflow_cache';

/**
 * The table and its indexes; idempotent, so it can run at every start and as a migration.
 * `COLLATE "C"` lets the primary key's btree serve `key LIKE 'prefix%'`; GIN serves `tags @> ...`.
 */
export const CACHE_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS ${CACHE_TABLE} (
  key        text COLLATE "C" PRIMARY KEY,
  value      bytea NOT NULL,
  tags       text[] NOT NULL DEFAULT '{}',
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ${CACHE_TABLE}_expires_at_idx ON ${CACHE_TABLE} (expires_at);
CREATE INDEX IF NOT EXISTS ${CACHE_TABLE}_tags_idx ON ${CACHE_TABLE} USING gin (tags);
`;

/** Create the L3 table when it is missing (see {@link CACHE_TABLE_SQL}). */
export async function ensureCacheTable(db: Queryable): Promise<void> {
  await db.query(CACHE_TABLE_SQL);
}

/** `%`, `_` and the escape character itself made literal for `LIKE ... ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

interface EntryRow {
  [column: string]: unknown;
  key: string;
  value: Buffer;
  ttl_ms: number;
}

const SELECT_LIVE = `SELECT key, value, (EXTRACT(EPOCH FROM (expires_at - now())) * 1000)::float8 AS ttl_ms
  FROM ${CACHE_TABLE} WHERE key = ANY($1::text[]) AND expires_at > now()`;

const UPSERT = `INSERT INTO ${CACHE_TABLE} (key, value, tags, expires_at)
  VALUES ($1, $2, $3::text[], now() + $4::float8 * interval '1 millisecond')
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, tags = EXCLUDED.tags, expires_at = EXCLUDED.expires_at`;

const SWEEP = `DELETE FROM ${CACHE_TABLE} WHERE key IN (
  SELECT key FROM ${CACHE_TABLE} WHERE expires_at <= now() ORDER BY expires_at LIMIT $1)`;

/** L3: see the file comment. Runs on the caller's pool, which it never closes. */
export class PostgresCacheStore implements CacheStore {
  readonly target: string;
  readonly #db: Queryable;

  /** @param target where the pool points, without credentials (for log lines). */
  constructor(db: Queryable, target = 'postgres') {
    this.#db = db;
    this.target = target;
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    const [entry] = await this.getMany([key]);
    return entry;
  }

  async getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.#db.query<EntryRow>(SELECT_LIVE, [keys]);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return keys.map((key) => {
      const row = byKey.get(key);
      return row && row.ttl_ms > 0 ? { bytes: row.value, ttlMs: row.ttl_ms } : undefined;
    });
  }

  async set(key: string, entry: EntryToStore): Promise<void> {
    await this.#db.query(UPSERT, [key, entry.bytes, entry.tags, entry.ttlMs]);
  }

  async delete(key: string): Promise<number> {
    return (await this.#db.query(`DELETE FROM ${CACHE_TABLE} WHERE key = $1`, [key])).rowCount;
  }

  /** `LIKE` with the prefix escaped and passed as a parameter: `%`, `_` and quotes stay literal. */
  async invalidatePrefix(prefix: string): Promise<number> {
    const res = await this.#db.query(`DELETE FROM ${CACHE_TABLE} WHERE key LIKE $1 ESCAPE '\\'`, [`${escapeLike(prefix)}%`]);
    return res.rowCount;
  }

  async invalidateTag(tag: string): Promise<number> {
    return (await this.#db.query(`DELETE FROM ${CACHE_TABLE} WHERE tags @> ARRAY[$1::text]`, [tag])).rowCount;
  }

  /** Touches the table itself, so a missing table keeps L3 marked down instead of flapping. */
  async ping(): Promise<void> {
    await this.#db.query(`SELECT 1 FROM ${CACHE_TABLE} LIMIT 1`);
  }

  /**
   * Delete expired rows, `batch` at a time so no statement holds many locks, up to `maxBatches`.
   * @returns rows deleted.
   */
  async sweep(batch = 1_000, maxBatches = 100): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const { rowCount } = await this.#db.query(SWEEP, [batch]);
      total += rowCount;
      if (rowCount < batch) break;
    }
    return total;
  }

  /** The pool belongs to the caller: nothing to release. */
  async close(): Promise<void> {}
}
