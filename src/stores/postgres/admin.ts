import pg from 'pg';
import { DocflowError } from '../../errors/index.js';
import { redactUrl } from '../../util/redact.js';
import { sqlState, toStoreError } from './errors.js';

/** Database names docflow creates: a plain identifier, so it is also safe in a URL. */
export const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Connect once and run `SELECT 1`. Resolves when the server accepts this login; otherwise throws the
 * same errors as Database (ERR_STORE_UNAVAILABLE, retryable while the server is starting up).
 */
export async function pingPostgres(url: string, timeoutMs = 2_000): Promise<void> {
  await withClient(url, timeoutMs, 'ping', async (client) => {
    await client.query('SELECT 1');
  });
}

/**
 * Create database `name` unless it exists, connected through `adminUrl` (a superuser on an existing
 * database, e.g. `postgres`). Returns true when it was created.
 */
export async function ensureDatabase(adminUrl: string, name: string): Promise<boolean> {
  if (!DATABASE_NAME.test(name)) {
    throw new DocflowError('ERR_STORE_QUERY', `database name ${JSON.stringify(name)} is not a plain identifier (1-63 of A-Z a-z 0-9 _, not starting with a digit)`);
  }
  return withClient(adminUrl, 5_000, 'create database', async (client) => {
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length > 0) return false;
    try {
      // CREATE DATABASE takes no parameters: the name is checked above and quoted as an identifier.
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      return true;
    } catch (err) {
      if (sqlState(err) === '42P04' /* duplicate_database: created meanwhile */) return false;
      throw err;
    }
  });
}

async function withClient<T>(url: string, timeoutMs: number, what: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, application_name: 'docflow' });
  // A server that goes away mid-call emits 'error' on the client as well as failing the call.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } catch (err) {
    throw toStoreError(err, what, redactUrl(url));
  } finally {
    await client.end().catch(() => undefined);
  }
}
