import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Database } from '../../src/stores/postgres/index.js';
import { CACHE_TABLE, ensureCacheTable, escapeGlob, escapeLike, PostgresCacheStore, RedisCacheStore } from '../../src/stores/cache/index.js';
import { usePostgres } from '../harness/postgres.js';
import { useRedis } from '../harness/redis.js';
import { HOSTILE_KEYS, uniqueKeyPrefix, waitFor } from './helpers.js';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString() : undefined);

describe('cache stores (real Redis and PostgreSQL)', function () {
  this.timeout(60_000);
  const redis = useRedis();
  const postgres = usePostgres();

  describe('Redis (L2)', () => {
    let store: RedisCacheStore;
    let raw: Redis;
    let keyPrefix: string;
    beforeEach(async () => {
      keyPrefix = uniqueKeyPrefix();
      store = new RedisCacheStore({ url: redis().url, keyPrefix, batchSize: 50 });
      assert.equal(await store.waitReady(5_000), true);
      raw = new Redis(redis().url);
      raw.on('error', () => undefined);
    });
    afterEach(async () => {
      await store.close();
      raw.disconnect();
    });

    it('stores bytes with a PX expiry and reads them back', async () => {
      await store.set('k', { bytes: bytes('hello'), tags: [], ttlMs: 10_000 });
      const got = await store.get('k');
      assert.equal(text(got?.bytes), 'hello');
      const pttl = await raw.pttl(`${keyPrefix}v:k`);
      assert.ok(pttl > 9_000 && pttl <= 10_000, `PX expiry ${pttl}`);
      assert.equal(await store.get('absent'), undefined);
    });

    it('expires an entry after its TTL', async () => {
      await store.set('short', { bytes: bytes('x'), tags: [], ttlMs: 300 });
      assert.ok(await store.get('short'));
      await waitFor('L2 expiry', async () => (await store.get('short')) === undefined, 3_000);
    });

    it('SETs issued together (one pipeline) each land with their own value and expiry; a lone SET too', async () => {
      const keys = Array.from({ length: 150 }, (_, i) => `together${i}`);
      await Promise.all(keys.map((k, i) => store.set(k, { bytes: bytes(`v${i}`), tags: [], ttlMs: 10_000 + i * 100 })));
      assert.deepEqual((await store.getMany(keys)).map((e) => text(e?.bytes)), keys.map((_, i) => `v${i}`));
      const pttl = await raw.pttl(`${keyPrefix}v:together149`);
      assert.ok(pttl > 20_000 && pttl <= 24_900, `the last key keeps its own TTL (${pttl} ms)`);
      await store.set('alone', { bytes: bytes('only'), tags: [], ttlMs: 10_000 });
      assert.equal(text((await store.get('alone'))?.bytes), 'only');
    });

    it('getMany answers in the order asked, misses included, with one command', async () => {
      const keys = Array.from({ length: 40 }, (_, i) => `m${i}`);
      for (const k of keys.filter((_, i) => i % 3 !== 0)) await store.set(k, { bytes: bytes(k), tags: [], ttlMs: 10_000 });
      const calls = async () => {
        const info = await raw.info('commandstats');
        const count = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
        return { mget: count('mget'), get: count('get') };
      };
      const before = await calls();
      const got = await store.getMany([...keys, 'm1']);
      const after = await calls();
      assert.deepEqual({ mget: after.mget - before.mget, get: after.get - before.get }, { mget: 1, get: 0 });
      assert.deepEqual(got.map((e) => text(e?.bytes)), [...keys.map((k, i) => (i % 3 === 0 ? undefined : k)), 'm1']);
      assert.deepEqual(await store.getMany([]), []);
    });

    it('invalidates a prefix literally (glob characters are plain) in SCAN batches', async () => {
      for (const k of ['p[ab]1', 'p[ab]2', 'pa1', 'pb1', 'p*x', 'p?y', 'p\\z']) await store.set(k, { bytes: bytes(k), tags: [], ttlMs: 10_000 });
      assert.equal(await store.invalidatePrefix('p[ab]'), 2);
      assert.equal(await store.invalidatePrefix('p*'), 1);
      assert.equal(await store.invalidatePrefix('p?'), 1);
      assert.equal(await store.invalidatePrefix('p\\'), 1);
      assert.deepEqual((await store.getMany(['pa1', 'pb1'])).map((e) => text(e?.bytes)), ['pa1', 'pb1']);
      const many = Array.from({ length: 230 }, (_, i) => `bulk:${i}`);
      await Promise.all(many.map((k) => store.set(k, { bytes: bytes(k), tags: [], ttlMs: 10_000 })));
      assert.equal(await store.invalidatePrefix('bulk:'), 230);
      assert.equal((await store.getMany(many)).filter(Boolean).length, 0);
      assert.equal(escapeGlob('a*b?[c]\\'), 'a\\*b\\?\\[c\\]\\\\');
    });

    it('invalidates a tag: every entry carrying it, nothing else; the tag set expires with its entries', async () => {
      await store.set('t1', { bytes: bytes('1'), tags: ['doc:1', 'all'], ttlMs: 5_000 });
      await store.set('t2', { bytes: bytes('2'), tags: ['doc:2', 'all'], ttlMs: 20_000 });
      await store.set('t3', { bytes: bytes('3'), tags: [], ttlMs: 20_000 });
      const tagTtl = await raw.pttl(`${keyPrefix}t:all`);
      assert.ok(tagTtl > 15_000 && tagTtl <= 20_000, `the tag set lives as long as its longest entry (${tagTtl})`);
      assert.equal(await store.invalidateTag('doc:1'), 1);
      assert.equal(await store.get('t1'), undefined);
      assert.equal(await store.invalidateTag('all'), 1);
      assert.equal(await store.get('t2'), undefined);
      assert.equal(text((await store.get('t3'))?.bytes), '3');
      assert.equal(await raw.exists(`${keyPrefix}t:all`), 0);
      assert.equal(await store.invalidateTag('never-used'), 0);
    });

    it("prunes a tag's members whose entries expired, as new ones arrive", async () => {
      for (let i = 0; i < 20; i++) await store.set(`old${i}`, { bytes: bytes('x'), tags: ['busy'], ttlMs: 30 });
      await waitFor('the old entries to expire', async () => (await store.getMany(['old0', 'old19'])).every((e) => e === undefined), 3_000);
      await store.set('new', { bytes: bytes('y'), tags: ['busy'], ttlMs: 10_000 });
      assert.equal(await raw.zcard(`${keyPrefix}t:busy`), 1);
      assert.equal(await store.invalidateTag('busy'), 1);
    });

    it('keeps hostile keys and tags literal, and prefixes apart', async () => {
      const other = new RedisCacheStore({ url: redis().url, keyPrefix: uniqueKeyPrefix() });
      try {
        assert.equal(await other.waitReady(5_000), true);
        for (const k of HOSTILE_KEYS) await store.set(k, { bytes: bytes(k), tags: [k], ttlMs: 10_000 });
        assert.deepEqual((await store.getMany(HOSTILE_KEYS)).map((e) => text(e?.bytes)), HOSTILE_KEYS);
        assert.equal(await other.get(HOSTILE_KEYS[0]!), undefined);
        for (const k of HOSTILE_KEYS) assert.equal(await store.invalidateTag(k), 1, k);
        assert.equal((await store.getMany(HOSTILE_KEYS)).filter(Boolean).length, 0);
      } finally {
        await other.close();
      }
    });
  });

  describe('PostgreSQL (L3)', () => {
    let db: Database;
    let store: PostgresCacheStore;
    before(async () => {
      db = await Database.connect(await postgres().database());
      await ensureCacheTable(db);
      await ensureCacheTable(db); // idempotent
      store = new PostgresCacheStore(db, 'test');
    });
    beforeEach(async () => { await db.query(`DELETE FROM ${CACHE_TABLE}`); });
    after(async () => { await db?.close(); });

    it('stores bytes with tags and an expiry, reads them back with the time left', async () => {
      await store.set('k', { bytes: bytes('hello'), tags: ['a', 'b'], ttlMs: 10_000 });
      const got = await store.get('k');
      assert.equal(text(got?.bytes), 'hello');
      assert.ok(got?.ttlMs !== undefined && got.ttlMs > 9_000 && got.ttlMs <= 10_000, `ttl ${got?.ttlMs}`);
      const { rows } = await db.query<{ tags: string[] }>(`SELECT tags FROM ${CACHE_TABLE} WHERE key = $1`, ['k']);
      assert.deepEqual(rows[0]?.tags, ['a', 'b']);
      await store.set('k', { bytes: bytes('again'), tags: [], ttlMs: 10_000 });
      assert.equal(text((await store.get('k'))?.bytes), 'again', 'a second set replaces the row');
    });

    it('checks expiry on read; the sweep deletes expired rows only', async () => {
      await store.set('short', { bytes: bytes('x'), tags: [], ttlMs: 80 });
      await store.set('long', { bytes: bytes('y'), tags: [], ttlMs: 60_000 });
      await waitFor('L3 expiry on read', async () => (await store.get('short')) === undefined, 3_000);
      const count = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${CACHE_TABLE}`)).rows[0]?.n);
      assert.equal(await count(), 2, 'the expired row is still there until swept');
      assert.equal(await store.sweep(1), 1);
      assert.equal(await count(), 1);
      assert.equal(text((await store.get('long'))?.bytes), 'y');
    });

    it('getMany answers in the order asked', async () => {
      await store.set('a', { bytes: bytes('A'), tags: [], ttlMs: 10_000 });
      await store.set('c', { bytes: bytes('C'), tags: [], ttlMs: 10_000 });
      assert.deepEqual((await store.getMany(['c', 'b', 'a', 'c'])).map((e) => text(e?.bytes)), ['C', undefined, 'A', 'C']);
    });

    it('takes % _ \\ and quotes in prefixes literally; SQL in keys stays data', async () => {
      for (const k of ['a%b', 'a_b', 'axb', "a'b", 'a\\b', 'aXb']) await store.set(k, { bytes: bytes(k), tags: [], ttlMs: 10_000 });
      assert.equal(await store.invalidatePrefix('a%'), 1);
      assert.equal(await store.invalidatePrefix('a_'), 1);
      assert.equal(await store.invalidatePrefix("a'"), 1);
      assert.equal(await store.invalidatePrefix('a\\'), 1);
      assert.deepEqual((await store.getMany(['axb', 'aXb'])).map((e) => text(e?.bytes)), ['axb', 'aXb']);
      assert.equal(escapeLike('50%_\\'), '50\\%\\_\\\\');

      for (const k of HOSTILE_KEYS) await store.set(k, { bytes: bytes(k), tags: [k], ttlMs: 10_000 });
      assert.deepEqual((await store.getMany(HOSTILE_KEYS)).map((e) => text(e?.bytes)), HOSTILE_KEYS);
      for (const k of HOSTILE_KEYS) assert.equal(await store.invalidateTag(k), 1, k);
      assert.equal(await store.invalidatePrefix("x'; DROP TABLE"), 0);
      await store.ping(); // the table is still there
      assert.equal(text((await store.get('axb'))?.bytes), 'axb');
    });
  });
});
