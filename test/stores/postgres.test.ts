import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Database, migrate, MIGRATIONS, checksum, type Migration } from '../../src/stores/postgres/index.js';
import { DocflowError } from '../../src/errors/index.js';
import { usePostgres } from '../harness/postgres.js';

const isCode = (code: string) => (e: unknown) => e instanceof DocflowError && e.code === code;

describe('stores: PostgreSQL database and migrations', () => {
  const postgres = usePostgres();

  describe('Database', () => {
    let db: Database;
    before(async () => { db = await Database.connect(postgres().url, { max: 3 }); });
    after(async () => { await db.close(); });

    it('passes values as parameters, so SQL-looking text stays text', async () => {
      const hostile = "x'); DROP TABLE pg_class; --";
      const { rows } = await db.query<{ v: string; n: number }>('SELECT $1::text AS v, $2::integer AS n', [hostile, 7]);
      assert.deepEqual(rows, [{ v: hostile, n: 7 }]);
    });

    it('commits a transaction, and rolls back everything when the callback throws', async () => {
      await db.query('CREATE TABLE tx_probe (v text)');
      await db.transaction(async (tx) => { await tx.query('INSERT INTO tx_probe VALUES ($1)', ['kept']); });
      const boom = new Error('boom');
      await assert.rejects(db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES ($1)', ['rolled back']);
        throw boom;
      }), (e: unknown) => e === boom);
      await assert.rejects(db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES ($1)', ['rolled back too']);
        await tx.query('SELECT * FROM no_such_table');
      }), isCode('ERR_STORE_QUERY'));
      const { rows } = await db.query('SELECT v FROM tx_probe ORDER BY v');
      assert.deepEqual(rows, [{ v: 'kept' }]);
      assert.equal(db.stats().waiting, 0);
      assert.ok(db.stats().total <= 3);
    });

    it('reports SQL errors as ERR_STORE_QUERY with the SQLSTATE, not retryable', async () => {
      await assert.rejects(db.query('SELECT * FROM no_such_table'), (e: unknown) =>
        isCode('ERR_STORE_QUERY')(e) && !(e as DocflowError).retryable && /42P01/.test((e as DocflowError).message) && (e as DocflowError).hint.length > 0);
    });

    it('reports a server that is not there as ERR_STORE_UNAVAILABLE, retryable, without the password', async () => {
      const url = new URL(postgres().url);
      url.port = '1';
      await assert.rejects(Database.connect(url.toString(), { connectTimeoutMs: 1_000 }), (e: unknown) =>
        isCode('ERR_STORE_UNAVAILABLE')(e) && (e as DocflowError).retryable && !(e as DocflowError).message.includes(decodeURIComponent(url.password)));
    });

    it('reports a connection killed mid-transaction (admin shutdown) as ERR_STORE_UNAVAILABLE, and survives it', async () => {
      const victim = await Database.connect(postgres().url, { max: 1 });
      try {
        await assert.rejects(victim.transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          await sleep(100); // the server's goodbye arrives while the transaction is idle
          await tx.query('SELECT 1');
        }), (e: unknown) => isCode('ERR_STORE_UNAVAILABLE')(e) && (e as DocflowError).retryable);
        const { rows } = await victim.query<{ one: number }>('SELECT 1 AS one');
        assert.deepEqual(rows, [{ one: 1 }], 'the broken connection was dropped, a new one serves');
      } finally {
        await victim.close();
      }
    });

    it('refuses wrong credentials as ERR_STORE_UNAVAILABLE, not retryable', async () => {
      const url = new URL(postgres().url);
      url.password = 'wrong';
      await assert.rejects(Database.connect(url.toString()), (e: unknown) => isCode('ERR_STORE_UNAVAILABLE')(e) && !(e as DocflowError).retryable && /28P01/.test((e as DocflowError).message));
    });
  });

  describe('migrate', () => {
    it('creates the schema once; running again does nothing', async () => {
      const db = await Database.connect(await postgres().database());
      try {
        const base = MIGRATIONS.slice(0, 1);
        assert.deepEqual(await migrate(db, base), { applied: [1], version: 1 });
        assert.deepEqual(await migrate(db, base), { applied: [], version: 1 });
        const { rows } = await db.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM docflow_migrations');
        assert.deepEqual(rows, [{ version: 1, name: 'documents and chunks', checksum: checksum(MIGRATIONS[0]!) }]);
        const tables = await db.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
        assert.deepEqual(tables.rows.map((r) => r.t), ['chunks', 'docflow_migrations', 'documents']);
        const indexes = await db.query<{ i: string }>("SELECT indexname AS i FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1");
        for (const i of ['chunks_doc_idx', 'documents_content_hash_idx', 'documents_status_idx']) assert.ok(indexes.rows.some((r) => r.i === i), i);
        const rest = MIGRATIONS.slice(1).map((m) => m.version);
        assert.deepEqual(await migrate(db), { applied: rest, version: MIGRATIONS.at(-1)!.version }, 'the later ones on top');
      } finally {
        await db.close();
      }
    });

    it('applies each migration exactly once when several processes start together', async () => {
      const url = await postgres().database();
      const dbs = await Promise.all([1, 2, 3].map(() => Database.connect(url, { max: 1 })));
      try {
        const results = await Promise.all(dbs.map((db) => migrate(db)));
        assert.deepEqual(results.flatMap((r) => r.applied).sort(), MIGRATIONS.map((m) => m.version), 'each version applied by one process; the others found it done');
        const { rows } = await dbs[0]!.query<{ n: number }>('SELECT count(*)::integer AS n FROM docflow_migrations');
        assert.equal(rows[0]!.n, MIGRATIONS.length);
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
      }
    });

    it('runs a later migration on an existing schema, and keeps a failed one out entirely', async () => {
      const db = await Database.connect(await postgres().database());
      try {
        await migrate(db);
        const NEXT = MIGRATIONS.at(-1)!.version + 1;
        const broken: Migration[] = [...MIGRATIONS, { version: NEXT, name: 'half broken', sql: 'CREATE TABLE half (id int); SELECT * FROM no_such_table;' }];
        await assert.rejects(migrate(db, broken), (e: unknown) => isCode('ERR_STORE_MIGRATION')(e) && new RegExp(`migration ${NEXT} \\(half broken\\)`).test((e as Error).message));
        const half = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'");
        assert.equal(half.rows.length, 0, 'the failed migration left nothing behind');
        const next: Migration[] = [...MIGRATIONS, { version: NEXT, name: 'entities', sql: 'CREATE TABLE entities_probe (id text PRIMARY KEY)' }];
        assert.deepEqual(await migrate(db, next), { applied: [NEXT], version: NEXT });
        await assert.rejects(migrate(db), (e: unknown) => isCode('ERR_STORE_MIGRATION')(e) && new RegExp(`version ${NEXT}`).test((e as Error).message) && /upgrade docflow/.test((e as Error).message), 'an older docflow refuses a newer schema');
      } finally {
        await db.close();
      }
    });

    it('refuses a migration whose text changed after it was applied', async () => {
      const db = await Database.connect(await postgres().database());
      try {
        await migrate(db);
        const edited: Migration[] = [{ ...MIGRATIONS[0]!, sql: `${MIGRATIONS[0]!.sql}\n-- edited` }];
        await assert.rejects(migrate(db, edited), (e: unknown) => isCode('ERR_STORE_MIGRATION')(e) && /never be edited/.test((e as Error).message));
      } finally {
        await db.close();
      }
    });

    it('rejects a list that is not numbered 1, 2, 3…', async () => {
      const db = await Database.connect(postgres().url);
      try {
        await assert.rejects(migrate(db, [{ version: 2, name: 'x', sql: 'SELECT 1' }]), isCode('ERR_STORE_MIGRATION'));
      } finally {
        await db.close();
      }
    });
  });
});
