import pg from 'pg';
import { DocflowError } from '../../errors/index.js';
import { redactUrl } from '../../util/redact.js';
import { toStoreError } from './errors.js';

/** A row as pg returns it: column name to value. */
export type Row = Record<string, unknown>;

/** What a query returns: its rows and how many rows it touched. */
export interface QueryRows<R extends Row = Row> {
  rows: R[];
  rowCount: number;
}

/**
 * Something that runs SQL: the pool, or one transaction's connection. `text` is fixed SQL with
 * `$1…$n` placeholders; every value goes in `params`, never into `text` (that is what keeps a
 * document that looks like SQL from ever being SQL).
 */
export interface Queryable {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryRows<R>>;
}

/** Connections of the pool right now. */
export interface PoolStats {
  /** Open connections, busy or idle. */
  total: number;
  idle: number;
  /** Callers waiting for a free connection (the pool is at `max`). */
  waiting: number;
}

/** How to reach PostgreSQL and size the pool. */
export interface DatabaseOptions {
  /** Connections in the pool. @defaultValue 10 */
  max?: number;
  /** Give up a connection attempt after this many milliseconds. @defaultValue 5000 */
  connectTimeoutMs?: number;
  /** Close a connection idle for this many milliseconds. @defaultValue 30000 */
  idleTimeoutMs?: number;
  /** Server-side limit for one statement, milliseconds; 0 = none. @defaultValue 0 */
  statementTimeoutMs?: number;
  /** Shown in pg_stat_activity. @defaultValue 'docflow' */
  applicationName?: string;
  /**
   * Called when an idle pooled connection fails (the server restarted). The pool drops that
   * connection by itself; without a listener pg would crash the process.
   */
  onIdleError?: (err: DocflowError) => void;
}

/**
 * A pool of PostgreSQL connections with docflow's errors: ERR_STORE_UNAVAILABLE (retryable) when the
 * server cannot be reached, ERR_STORE_QUERY when it rejects a statement. The only place that holds a
 * pg.Pool; stores take a Database.
 */
export class Database implements Queryable, AsyncDisposable {
  readonly #pool: pg.Pool;
  /** The server address without credentials, for messages. */
  readonly target: string;
  #closing: Promise<void> | undefined;

  private constructor(pool: pg.Pool, target: string) {
    this.#pool = pool;
    this.target = target;
  }

  /** Open a pool and check that the server answers (fails with ERR_STORE_UNAVAILABLE if not). */
  static async connect(url: string, opts: DatabaseOptions = {}): Promise<Database> {
    const max = opts.max ?? 10;
    if (!Number.isInteger(max) || max < 1) throw new DocflowError('ERR_STORE_QUERY', `options.max must be a positive integer (got ${String(max)})`);
    const pool = new pg.Pool({
      connectionString: url,
      max,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: opts.idleTimeoutMs ?? 30_000,
      application_name: opts.applicationName ?? 'docflow',
      keepAlive: true,
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    });
    const db = new Database(pool, redactUrl(url));
    pool.on('error', (err) => opts.onIdleError?.(toStoreError(err, 'idle connection', db.target)));
    try {
      await db.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return db;
  }

  /** Run one statement on any free connection. */
  async query<R extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<QueryRows<R>> {
    try {
      return rowsOf(await this.#pool.query<R>(text, params as unknown[]));
    } catch (err) {
      throw toStoreError(err, 'query', this.target);
    }
  }

  /**
   * Run `fn` inside BEGIN/COMMIT on one connection; any error rolls back and is rethrown (pg errors
   * as DocflowErrors, the callback's own errors unchanged). Keep `fn` short: it holds a connection.
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw toStoreError(err, 'connect', this.target);
    }
    // Checked out, the client has no pool listener: a server that drops the connection while `fn` awaits
    // something else would emit an unhandled 'error' and crash the process. The next query reports it.
    const onError = (): void => undefined;
    client.on('error', onError);
    const tx: Queryable = {
      query: async <R extends Row = Row>(text: string, params: readonly unknown[] = []) => {
        try {
          return rowsOf(await client.query<R>(text, params as unknown[]));
        } catch (err) {
          throw toStoreError(err, 'query', this.target);
        }
      },
    };
    let broken: unknown;
    try {
      await tx.query('BEGIN');
      const result = await fn(tx);
      await tx.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is gone or unusable: destroy it rather than return it to the pool.
        broken = rollbackErr;
      }
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  /** Connections of the pool right now. */
  stats(): PoolStats {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  /** Close every connection (waits for checked-out ones to be released). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#pool.end().catch(() => undefined);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Several statements in one text (no parameters) give one result each: the last one is the answer. */
function rowsOf<R extends Row>(res: pg.QueryResult<R> | Array<pg.QueryResult<R>>): QueryRows<R> {
  const last = Array.isArray(res) ? res.at(-1) : res;
  return { rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 };
}
