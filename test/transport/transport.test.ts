import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Transport, endpoint, type Delivery } from '../../src/transport/index.js';
import { CLAIM_HEADER } from '../../src/transport/headers.js';
import { coalescing } from '../../src/transport/coalesce.js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Ingest, type IngestMessage, StatusRequest, TuneRequest } from '../../src/messages/index.js';
import { DocflowError, TransportError } from '../../src/errors/index.js';
import { streamName } from '../../src/config/load.js';
import { startNats, type NatsHarness } from '../harness/nats.js';

const pendingNext = new WeakMap<object, Promise<IteratorResult<unknown>>>();
/** Next delivery, or undefined if none comes within `ms` (the pending next() is kept for the next call). */
async function nextWithin<T>(it: AsyncIterator<T>, ms: number): Promise<T | undefined> {
  const next = (pendingNext.get(it) as Promise<IteratorResult<T>> | undefined) ?? it.next();
  pendingNext.set(it, next);
  const r = await Promise.race([next, sleep(ms).then(() => 'timeout' as const)]);
  if (r === 'timeout') return undefined;
  pendingNext.delete(it);
  return r.done ? undefined : r.value;
}

describe('transport (real nats-server)', function () {
  let nats: NatsHarness;
  const open: Transport[] = [];
  async function transport(overrides: Record<string, unknown> = {}): Promise<Transport> {
    const t = await Transport.connect(nats.config(overrides));
    open.push(t);
    await t.ensureTopology();
    return t;
  }

  before(async () => { nats = await startNats(); });
  after(async () => { await nats[Symbol.asyncDispose](); });
  afterEach(async () => { for (const t of open.splice(0)) await t.close(); });

  it('creates the configured streams and consumers, idempotently, and updates changes in place', async () => {
    const cfg = nats.config();
    const t = await Transport.connect(cfg);
    open.push(t);
    const first = await t.ensureTopology();
    const expected = [
      ...Object.keys(cfg.streams).map((k) => `stream ${streamName(cfg, k)}`),
      ...Object.entries(cfg.consumers).map(([name, c]) => `consumer ${streamName(cfg, c.stream)}/${name}`),
    ];
    assert.ok(expected.includes(`consumer ${streamName(cfg, 'INGEST')}/load`) && expected.includes(`stream ${streamName(cfg, 'DLQ')}`));
    assert.deepEqual(first.created.sort(), expected.sort());
    const again = await t.ensureTopology();
    assert.deepEqual(again.created, []);
    assert.deepEqual(again.updated, []);
    assert.equal(again.unchanged.length, expected.length);
    const changed = await Transport.connect(nats.config({ subjectPrefix: cfg.subjectPrefix, 'streams.RESULTS.maxAgeMs': 60_000, 'consumers.load.ackWaitMs': 7_000 }));
    open.push(changed);
    const upd = await changed.ensureTopology();
    assert.deepEqual(upd.updated.sort(), [`consumer ${streamName(cfg, 'INGEST')}/load`, `stream ${streamName(cfg, 'RESULTS')}`].sort());
    const info = await t.jsm.consumers.info(streamName(cfg, 'INGEST'), 'load');
    assert.equal(info.config.ack_wait, 7_000_000_000);
    assert.equal(info.config.max_deliver, -1, 'JetStream redelivers without a limit: the stage runner enforces maxDeliver');
  });

  it('de-duplicates publishes with the same Nats-Msg-Id', async () => {
    const t = await transport();
    const a = await t.publish(t.subject('ingest'), Ingest, { id: 'doc1', text: 'hello' }, { msgId: 'm-1' });
    const b = await t.publish(t.subject('ingest'), Ingest, { id: 'doc1', text: 'hello' }, { msgId: 'm-1' });
    assert.equal(a.duplicate, false);
    assert.equal(b.duplicate, true);
    const s = await t.jsm.streams.info(streamName(t.config, 'INGEST'));
    assert.equal(s.state.messages, 1);
  });

  it('keeps at most publishWindow publishes un-acked', async () => {
    const t = await transport({ 'transport.publishWindow': 3 });
    let max = 0;
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      const { acked } = await t.send(t.subject('ingest'), Ingest, { text: `doc ${i}` });
      max = Math.max(max, t.publishWindow.inUse);
      acks.push(acked);
    }
    await Promise.all(acks);
    assert.ok(max <= 3, `window exceeded: ${max}`);
    assert.equal(t.publishWindow.inUse, 0);
    assert.equal((await t.jsm.streams.info(streamName(t.config, 'INGEST'))).state.messages, 30);
  });

  it('pulls only within its message credit: the rest stays in JetStream', async () => {
    const t = await transport();
    for (let i = 0; i < 20; i++) await t.publish(t.subject('ingest'), Ingest, { text: `doc ${i}` });
    const pull = await t.pull('load', Ingest, { maxMessages: 3, maxBytes: 10_000_000 }, { expiresMs: 1_000 });
    const it = pull[Symbol.asyncIterator]();
    const held: Delivery<IngestMessage>[] = [];
    for (let i = 0; i < 3; i++) held.push((await nextWithin(it, 2_000))!);
    assert.deepEqual(held.map((d) => d.message?.text), ['doc 0', 'doc 1', 'doc 2']);
    assert.equal(await nextWithin(it, 400), undefined, 'a fourth message arrived without credit');
    const info = await t.jsm.consumers.info(streamName(t.config, 'INGEST'), 'load');
    assert.equal(info.num_ack_pending, 3, 'the server delivered more than the credit');
    assert.equal(info.num_pending, 17);
    await held[0]!.ack();
    const fourth = await nextWithin(it, 2_000);
    assert.equal(fourth?.message?.text, 'doc 3');
    await pull.close();
  });

  it('pulls only within its byte credit', async () => {
    const t = await transport();
    const text = 'x'.repeat(10_000);
    for (let i = 0; i < 10; i++) await t.publish(t.subject('ingest'), Ingest, { text: `${i}${text}` });
    const pull = await t.pull('load', Ingest, { maxMessages: 100, maxBytes: 25_000 }, { expiresMs: 1_000 });
    const it = pull[Symbol.asyncIterator]();
    const held: Delivery<IngestMessage>[] = [];
    for (;;) {
      const d = await nextWithin(it, 500);
      if (!d) break;
      held.push(d);
    }
    assert.ok(held.length >= 1 && held.length <= 3, `held ${held.length} messages of ~10 KB within 25 KB of credit`);
    const info = await t.jsm.consumers.info(streamName(t.config, 'INGEST'), 'load');
    assert.equal(info.num_ack_pending, held.length);
    await pull.close();
  });

  it('sends bodies over max_payload by claim check and restores them transparently', async () => {
    const t = await transport();
    const big = randomBytes(2_400_000).toString('base64'); // ~3.2 MB, compresses to well over 1 MB
    await t.publish(t.subject('ingest'), Ingest, { id: 'big', text: big });
    const stored = await t.jsm.streams.getMessage(streamName(t.config, 'INGEST'), { seq: 1 });
    assert.ok(stored, 'message not stored');
    assert.equal(stored.data.length, 0, 'the body itself went into the stream');
    assert.match(stored.header.get(CLAIM_HEADER), /^docflow-bodies\/[0-9a-f]{64}$/);
    const pull = await t.pull('load', Ingest, { maxMessages: 1, maxBytes: 1_000 });
    const d = (await nextWithin(pull[Symbol.asyncIterator](), 5_000))!;
    assert.equal(d.error, undefined);
    assert.equal(d.message?.text, big);
    await d.ack();
    await pull.close();
  });

  it('a plain subscriber gets a claim-checked body restored too (a dead letter of a large document)', async () => {
    const t = await transport();
    const big = randomBytes(2_400_000).toString('base64');
    const subject = t.subject('dlq.load');
    const sub = t.subscribe(subject, Ingest);
    const first = sub.next();
    await t.flush();
    await t.publish(subject, Ingest, { id: 'big-dead', text: big });
    const got = (await first).value!;
    assert.equal(got.error, undefined);
    assert.equal(got.message?.id, 'big-dead');
    assert.equal(got.message?.text, big);
    await sub.return(undefined);
  });

  it('redelivers a nak with its delay and counts deliveries', async () => {
    const t = await transport();
    await t.publish(t.subject('ingest'), Ingest, { text: 'retry me' });
    const pull = await t.pull('load', Ingest, { maxMessages: 1, maxBytes: 100_000 }, { expiresMs: 1_000 });
    const it = pull[Symbol.asyncIterator]();
    const first = (await nextWithin(it, 2_000))!;
    assert.equal(first.deliveryCount, 1);
    const t0 = Date.now();
    first.nak(300);
    const second = (await nextWithin(it, 3_000))!;
    assert.equal(second.deliveryCount, 2);
    assert.equal(second.message?.text, 'retry me');
    assert.ok(Date.now() - t0 >= 250, 'redelivered before the nak delay');
    await second.ack();
    await pull.close();
  });

  it('hands over undecodable messages with a typed error instead of throwing', async () => {
    const t = await transport();
    await t.js.publish(t.subject('ingest'), new Uint8Array([0xc1, 0xff, 0x00]));
    await t.publish(t.subject('ingest'), Ingest, { text: 'good' });
    const pull = await t.pull('load', Ingest, { maxMessages: 5, maxBytes: 100_000 }, { expiresMs: 1_000 });
    const it = pull[Symbol.asyncIterator]();
    const bad = (await nextWithin(it, 2_000))!;
    assert.equal(bad.message, undefined);
    assert.ok(bad.error instanceof DocflowError);
    assert.match(bad.error.code, /^ERR_CODEC_/);
    assert.deepEqual([...bad.body], [0xc1, 0xff, 0x00]);
    bad.term('undecodable');
    const good = (await nextWithin(it, 2_000))!;
    assert.equal(good.message?.text, 'good');
    await good.ack();
    await pull.close();
  });

  it('serves request/reply endpoints with typed error replies', async () => {
    const t = await transport();
    await t.serve({ name: 'test', version: '1.0.0' }, [
      endpoint({
        name: 'tune',
        subject: t.subject('control.tune'),
        request: TuneRequest,
        reply: TuneRequest,
        handler: async (req) => {
          if (req.stage === 'boom') throw new TransportError('ERR_TRANSPORT_TOPOLOGY', 'no such stage');
          if (req.stage === 'slow') await sleep(2_000);
          return { stage: req.stage, settings: { ...req.settings, applied: true } };
        },
      }),
    ]);
    const ok = await t.request(t.subject('control.tune'), TuneRequest, { stage: 'embed', settings: { batchSize: 8 } }, TuneRequest);
    assert.deepEqual(ok, { stage: 'embed', settings: { batchSize: 8, applied: true } });
    await assert.rejects(t.request(t.subject('control.tune'), TuneRequest, { stage: 'boom', settings: {} }, TuneRequest), (e: unknown) => e instanceof TransportError && e.code === 'ERR_TRANSPORT_TOPOLOGY' && e.message === 'no such stage');
    await assert.rejects(
      t.request(t.subject('control.tune'), StatusRequest, {}, TuneRequest),
      (e: unknown) => e instanceof DocflowError && e.code === 'ERR_CODEC_SCHEMA',
    );
    await assert.rejects(t.request(t.subject('control.tune'), TuneRequest, { stage: 'slow', settings: {} }, TuneRequest, { timeoutMs: 300 }), (e: unknown) => e instanceof DocflowError && e.code === 'ERR_TRANSPORT_TIMEOUT');
    await assert.rejects(t.request(t.subject('nobody.home'), StatusRequest, {}, StatusRequest), (e: unknown) => e instanceof DocflowError && e.code === 'ERR_TRANSPORT_NO_RESPONDERS');
  });

  it('matches each of many concurrent replies to its request over one reply subscription; times out and fails on close only what waits', async () => {
    const server = await transport();
    const client = await transport(); // its own subject prefix: requests go to the server's subjects
    await server.serve({ name: 'echo', version: '1.0.0' }, [
      endpoint({
        name: 'echo',
        subject: server.subject('echo'),
        request: TuneRequest,
        reply: TuneRequest,
        handler: async (req) => {
          await sleep(Math.floor(Math.random() * 20)); // replies come back out of order
          return { stage: req.stage, settings: { n: Number(req.settings['n']) } };
        },
      }),
    ]);
    server.nc.subscribe(server.subject('silent'), { callback: () => undefined });
    await server.flush();
    /** The client connection's subscriptions (nats.js keeps them in `protocol.subscriptions`). */
    const subscriptions = (): number => (client.nc as unknown as { protocol: { subscriptions: { size(): number } } }).protocol.subscriptions.size();
    const echo = (i: number) => client.request(server.subject('echo'), TuneRequest, { stage: `s${i}`, settings: { n: i } }, TuneRequest);
    await echo(-1);
    const before = subscriptions();
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => echo(i)));
    assert.deepEqual(replies.map((r) => [r.stage, r.settings['n']]), Array.from({ length: 300 }, (_, i) => [`s${i}`, i]));
    assert.equal(subscriptions(), before, 'no subscription per request');

    const t0 = performance.now();
    const unanswered = client.request(server.subject('silent'), StatusRequest, {}, StatusRequest, { timeoutMs: 200 });
    const answered = echo(1_000);
    await assert.rejects(unanswered, (e: unknown) => e instanceof DocflowError && e.code === 'ERR_TRANSPORT_TIMEOUT');
    const waited = performance.now() - t0;
    assert.ok(waited >= 200 && waited < 1_000, `timed out after ${Math.round(waited)} ms (200 asked, up to 50 ms late)`);
    assert.equal((await answered).stage, 's1000');

    const pending = client.request(server.subject('silent'), StatusRequest, {}, StatusRequest, { timeoutMs: 30_000 });
    const closedAt = performance.now();
    await client.close();
    await assert.rejects(pending, (e: unknown) => e instanceof DocflowError && e.code === 'ERR_TRANSPORT_CLOSED');
    assert.ok(performance.now() - closedAt < 5_000, 'failed at the close, not at its timeout');
  });

  it('keeps working across a nats-server restart (JetStream on disk)', async () => {
    const t = await transport();
    await t.publish(t.subject('ingest'), Ingest, { text: 'before' });
    await nats.server.restart();
    await t.publish(t.subject('ingest'), Ingest, { text: 'after' });
    const pull = await t.pull('load', Ingest, { maxMessages: 10, maxBytes: 1_000_000 }, { expiresMs: 1_000 });
    const it = pull[Symbol.asyncIterator]();
    const got = [(await nextWithin(it, 5_000))!, (await nextWithin(it, 5_000))!];
    assert.deepEqual(got.map((d) => d.message?.text), ['before', 'after']);
    for (const d of got) await d.ack();
    await pull.close();
  });

  it('writes what one event-loop turn publishes in one socket write, in order, up to a close, and again after a reconnect', async () => {
    /** Socket writes `nc` makes while `fn` runs and until the turn after it. */
    const writesDuring = async (nc: NatsConnection, fn: () => Promise<void>): Promise<number> => {
      const socket = (nc as unknown as { protocol: { transport: { socket: Record<'_write' | '_writev', (...a: unknown[]) => unknown> } } }).protocol.transport.socket;
      let writes = 0;
      const spied = (['_write', '_writev'] as const).map((k) => {
        const orig = socket[k];
        socket[k] = function (this: unknown, ...a: unknown[]) {
          writes++;
          return orig.apply(this, a);
        };
        return () => { socket[k] = orig; };
      });
      await fn();
      await new Promise((r) => setImmediate(r));
      for (const undo of spied) undo();
      return writes;
    };
    const received = (nc: NatsConnection, subject: string, n: number): Promise<number[]> => new Promise((done) => {
      const got: number[] = [];
      nc.subscribe(subject, { callback: (_e, m) => { got.push(Number(m.string())); if (got.length === n) done(got); } });
    });
    // 100 publishes, each after an await: nats.js alone writes after every one of them
    const publishApart = async (nc: NatsConnection, subject: string, from: number): Promise<void> => {
      for (let i = from; i < from + 100; i++) {
        nc.publish(subject, String(i));
        await Promise.resolve();
      }
    };
    const pub = await transport();
    const sub = await transport();
    const subject = pub.subject('coalesce.one');
    assert.ok(coalescing(pub.nc));

    const plain = await connect({ servers: nats.url });
    try {
      assert.equal(coalescing(plain), false);
      const plainGot = received(sub.nc, `${subject}.plain`, 100);
      await sub.nc.flush();
      assert.ok(await writesDuring(plain, () => publishApart(plain, `${subject}.plain`, 0)) >= 50, 'the spy sees nats.js write per publish');
      assert.deepEqual(await plainGot, Array.from({ length: 100 }, (_, i) => i));
    } finally {
      await plain.close();
    }

    const got = received(sub.nc, subject, 300);
    await sub.nc.flush();
    assert.equal(await writesDuring(pub.nc, () => publishApart(pub.nc, subject, 0)), 1);
    // Both connections must have come back (a flush while one is still disconnected fails) before
    // the new transport is checked: until the client notices, the old one still looks connected.
    const reconnected = async (nc: NatsConnection): Promise<void> => {
      for await (const s of nc.status()) if (s.type === 'reconnect') return;
    };
    const back = Promise.all([reconnected(pub.nc), reconnected(sub.nc)]);
    await nats.server.restart();
    assert.ok(await Promise.race([back.then(() => true), sleep(10_000).then(() => false)]), 'both connections reconnected within 10 s');
    const deadline = Date.now() + 5_000;
    while (!coalescing(pub.nc)) {
      assert.ok(Date.now() < deadline, 'reconnected and coalescing again within 10 s');
      await sleep(50);
    }
    await sub.nc.flush();
    assert.equal(await writesDuring(pub.nc, () => publishApart(pub.nc, subject, 100)), 1, 'the new connection is coalesced too');
    // a close in the same turn as the publishes still sends them
    await publishApart(pub.nc, subject, 200);
    await pub.nc.close();
    assert.deepEqual(await got, Array.from({ length: 300 }, (_, i) => i));
  });

  it('never puts credentials from a server URL into its error messages', async () => {
    await assert.rejects(Transport.connect(nats.config({ 'nats.servers': ['nats://admin:S3cretPw@127.0.0.1:1'], 'nats.maxReconnectAttempts': 0 })), (e: unknown) => {
      assert.ok(e instanceof TransportError);
      assert.doesNotMatch(`${e.message} ${String(e.cause)}`, /S3cretPw/);
      assert.match(e.message, /nats:\/\/\*\*\*@127\.0\.0\.1:1/);
      return true;
    });
  });

  it('answers a request whose error would be too long with a typed error, and keeps serving', async () => {
    const t = await transport();
    await t.serve({ name: 'test', version: '1.0.0' }, [
      endpoint({ name: 'status', subject: t.subject('status'), request: StatusRequest, reply: StatusRequest, handler: () => ({}) }),
    ]);
    const hostile = JSON.stringify({ ['k'.repeat(10_000)]: 1 });
    const reply = await t.nc.request(t.subject('status'), new TextEncoder().encode(hostile), { timeout: 2_000 });
    const decoded = t.codec.decodeValue(reply.data, { 'content-type': reply.headers?.get('Content-Type') ?? '' }) as { error: { code: string; message: string } };
    assert.equal(decoded.error.code, 'ERR_CODEC_SCHEMA');
    assert.ok(decoded.error.message.length <= 4096);
    assert.deepEqual(await t.request(t.subject('status'), StatusRequest, {}, StatusRequest), {});
  });

  it('closes idempotently and fails fast afterwards', async () => {
    const t = await transport();
    await Promise.all([t.close(), t.close()]);
    await t.close();
    await assert.rejects(t.publish(t.subject('ingest'), Ingest, { text: 'late' }));
  });
});

describe('transport auth (real nats-server with credentials)', function () {
  let nats: NatsHarness;
  before(async () => { nats = await startNats({ user: 'docflow', password: 's3cret-pw' }); });
  after(async () => { await nats[Symbol.asyncDispose](); });

  it('connects with the right credentials', async () => {
    const t = await Transport.connect(nats.config({ 'nats.user': 'docflow', 'nats.password': 's3cret-pw' }));
    await t.ensureTopology();
    await t.publish(t.subject('ingest'), Ingest, { text: 'authorised' });
    await t.close();
  });

  it('fails with ERR_TRANSPORT_AUTH and what to do, without credentials or with wrong ones', async () => {
    for (const creds of [{}, { 'nats.user': 'docflow', 'nats.password': 'wrong' }]) {
      await assert.rejects(Transport.connect(nats.config({ ...creds, 'nats.maxReconnectAttempts': 0 })), (e: unknown) => {
        assert.ok(e instanceof TransportError);
        assert.equal(e.code, 'ERR_TRANSPORT_AUTH');
        assert.match(e.message, /DOCFLOW_NATS_USER/);
        assert.doesNotMatch(e.message, /s3cret-pw/);
        return true;
      });
    }
  });
});
