import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPostgres } from '../../src/embedded/postgres.js';
import { startChroma } from '../../src/embedded/chroma.js';
import { Database } from '../../src/stores/postgres/index.js';
import { ChromaIndex } from '../../src/stores/chroma.js';
import { ServiceError } from '../../src/errors/index.js';

const serviceError = (code: string, pattern?: RegExp) => (e: unknown) => e instanceof ServiceError && e.code === code && (!pattern || pattern.test(e.message));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function scalar(url: string, sql: string): Promise<unknown> {
  const db = await Database.connect(url, { max: 1 });
  try {
    const { rows } = await db.query(sql);
    return Object.values(rows[0] ?? {})[0];
  } finally {
    await db.close();
  }
}

describe('embedded services (PostgreSQL, Chroma)', () => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  describe('PostgreSQL', () => {
    let dir: string;
    before(() => { dir = tempDir('docflow-pg-embedded-'); });

    it('initialises a cluster on loopback only, with a stored 0600 password and a log file', async () => {
      const pg = await startPostgres({ dataDir: dir, port: 0 });
      try {
        const url = new URL(pg.url);
        assert.equal(url.hostname, '127.0.0.1');
        assert.equal(Number(url.port), pg.port);
        assert.equal(url.pathname, '/docflow');
        assert.equal(url.username, 'docflow');
        assert.equal(statSync(join(dir, 'password')).mode & 0o777, 0o600);
        assert.equal(readFileSync(join(dir, 'password'), 'utf8').trim(), decodeURIComponent(url.password));
        assert.match(readFileSync(pg.logFile, 'utf8'), /ready to accept connections/);
        assert.equal(await scalar(pg.url, 'SHOW listen_addresses'), '127.0.0.1');
        assert.equal(await scalar(pg.url, 'SHOW unix_socket_directories'), '');
        assert.equal(await scalar(pg.url, 'SELECT current_database()'), 'docflow');
        assert.equal(await scalar(pg.url, "SELECT upper('déjà vu')"), 'DÉJÀ VU', 'Unicode case mapping whatever the machine locale');
        await scalar(pg.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives restarts')");
      } finally {
        await pg.stop();
      }
      assert.equal(pg.pid(), undefined);
    });

    it('restarts on the same data dir without initialising again, and the data is there', async () => {
      const versionFile = statSync(join(dir, 'pgdata', 'PG_VERSION')).mtimeMs;
      const pg = await startPostgres({ dataDir: dir, port: 0 });
      try {
        assert.equal(await scalar(pg.url, 'SELECT v FROM kept'), 'survives restarts');
        assert.equal(statSync(join(dir, 'pgdata', 'PG_VERSION')).mtimeMs, versionFile);
        await assert.rejects(startPostgres({ dataDir: dir, port: 0 }), serviceError('ERR_SERVICE_START', /already runs/), 'a cluster held by a live process is not taken over');
      } finally {
        await pg.stop();
      }
    });

    it('starts over a stale postmaster.pid whose pid now belongs to another process', async () => {
      const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        writeFileSync(join(dir, 'pgdata', 'postmaster.pid'), `${sleeper.pid}\n${join(dir, 'pgdata')}\n1700000000\n5432\n\n127.0.0.1\n  1234  5678\nready\n`);
        const pg = await startPostgres({ dataDir: dir, port: 0 });
        try {
          assert.equal(await scalar(pg.url, 'SELECT v FROM kept'), 'survives restarts');
          assert.ok(alive(sleeper.pid!), 'the unrelated process was left alone');
        } finally {
          await pg.stop();
        }
      } finally {
        sleeper.kill('SIGKILL');
      }
    });

    it('takes over from a server orphaned by a docflow that was killed', async function () {
      this.timeout(60_000);
      const module = new URL('../../src/embedded/postgres.js', import.meta.url).href;
      const script = `const { startPostgres } = await import(${JSON.stringify(module)});
        const pg = await startPostgres({ dataDir: ${JSON.stringify(dir)}, port: 0 });
        process.stdout.write(String(pg.pid()) + '\\n');
        process.kill(process.pid, 'SIGKILL');`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(child.signal, 'SIGKILL', child.stderr);
      const out = child.stdout.trim();
      const orphan = Number(out);
      assert.ok(orphan > 0 && alive(orphan), `the killed process left PostgreSQL ${out} running`);
      const pg = await startPostgres({ dataDir: dir, port: 0 });
      try {
        assert.ok(!alive(orphan), 'the orphan was shut down');
        assert.equal(await scalar(pg.url, 'SELECT v FROM kept'), 'survives restarts');
      } finally {
        await pg.stop();
      }
    });

    it('shuts the server down when the process that started it exits without stopping it', async function () {
      this.timeout(60_000);
      const module = new URL('../../src/embedded/postgres.js', import.meta.url).href;
      const script = `const { startPostgres } = await import(${JSON.stringify(module)});
        const pg = await startPostgres({ dataDir: ${JSON.stringify(dir)}, port: 0 });
        process.stdout.write(String(pg.pid()) + '\\n');
        process.exit(0);`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      const pid = Number(child.stdout.trim());
      assert.ok(pid > 0);
      for (let i = 0; i < 200 && alive(pid); i++) await sleep(50);
      assert.ok(!alive(pid), 'PostgreSQL went away with its process');
      assert.ok(!existsSync(join(dir, 'pgdata', 'postmaster.pid')), 'after a clean shutdown, no lock is left');
    });

    it('reports a port that is taken, with the log', async () => {
      const busy: Server = createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      try {
        const port = (busy.address() as { port: number }).port;
        await assert.rejects(startPostgres({ dataDir: dir, port }), serviceError('ERR_SERVICE_START', /postgres\.log[\s\S]*already in use/));
      } finally {
        busy.close();
      }
    });

    it('needs the password of an existing cluster when it is not stored', async () => {
      const file = join(dir, 'password');
      renameSync(file, `${file}.away`);
      try {
        await assert.rejects(startPostgres({ dataDir: dir }), serviceError('ERR_SERVICE_START', /not stored/));
        await assert.rejects(startPostgres({ dataDir: dir, password: 'wrong', startTimeoutMs: 10_000 }), serviceError('ERR_SERVICE_START', /password authentication failed/));
      } finally {
        renameSync(`${file}.away`, file);
      }
    });

    it('uses a given password (any characters), creates the named database, and deletes a non-persistent cluster on stop', async () => {
      const own = tempDir('docflow-pg-given-');
      const pg = await startPostgres({ dataDir: own, password: 'p w:d@/%?#', user: 'indexer', database: 'vectors_meta', persistent: false });
      try {
        assert.equal(await scalar(pg.url, 'SELECT current_user'), 'indexer');
        assert.equal(await scalar(pg.url, 'SELECT current_database()'), 'vectors_meta');
        assert.ok(!existsSync(join(own, 'password')), 'a given password is not written to disk');
      } finally {
        await pg.stop();
      }
      assert.ok(!existsSync(join(own, 'pgdata')));
    });

    it('refuses user and database names that are not plain identifiers', async () => {
      await assert.rejects(startPostgres({ dataDir: tempDir('docflow-pg-bad-'), database: 'x"; DROP' }), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'ERR_CONFIG_INVALID');
    });
  });

  describe('Chroma', () => {
    it('restarts on the same data dir and keeps its vectors', async () => {
      const dir = tempDir('docflow-chroma-embedded-');
      let chroma = await startChroma({ dataDir: dir, port: 0 });
      try {
        assert.match(chroma.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const index = await ChromaIndex.connect(chroma.url);
        await index.upsert('persisted', [{ id: 'v1', embedding: [1, 0], document: 'kept', metadata: { docId: 'D' } }]);
        await chroma.stop();
        assert.equal(chroma.pid(), undefined);
        chroma = await startChroma({ dataDir: dir, port: 0 });
        const again = await ChromaIndex.connect(chroma.url);
        assert.equal(await again.count('persisted'), 1);
        assert.equal((await again.query('persisted', [1, 0], 1))[0]?.document, 'kept');
        assert.ok(existsSync(chroma.logFile));
      } finally {
        await chroma.stop();
      }
    });

    it('goes away when the process that started it exits without stopping it', async function () {
      this.timeout(60_000);
      const module = new URL('../../src/embedded/chroma.js', import.meta.url).href;
      const script = `const { startChroma } = await import(${JSON.stringify(module)});
        const c = await startChroma({ dataDir: ${JSON.stringify(tempDir('docflow-chroma-exit-'))} });
        process.stdout.write(String(c.pid()) + '\\n');
        process.exit(0);`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      const pid = Number(child.stdout.trim());
      assert.ok(pid > 0);
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
      assert.ok(!alive(pid));
    });

    it('reports a server that cannot start with its log file', async () => {
      const busy: Server = createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      const port = (busy.address() as { port: number }).port;
      const dir = tempDir('docflow-chroma-busy-');
      try {
        await assert.rejects(startChroma({ dataDir: dir, port, startTimeoutMs: 15_000 }), serviceError('ERR_SERVICE_START', new RegExp(join(dir, 'chroma.log').replaceAll('.', '\\.'))));
      } finally {
        busy.close();
      }
      await sleep(10);
    });

    it('refuses to listen beyond loopback, and says how to get a missing binary', async () => {
      await assert.rejects(startChroma({ dataDir: tempDir('docflow-chroma-x-'), host: '0.0.0.0' }), serviceError('ERR_SERVICE_INSECURE'));
      await assert.rejects(startChroma({ dataDir: tempDir('docflow-chroma-y-'), binary: '/nonexistent/chroma' }), serviceError('ERR_SERVICE_BINARY_MISSING', /npm install/));
    });
  });
});
