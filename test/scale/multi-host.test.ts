/**
 * Scale-out across hosts. Three network namespaces made by the test are three hosts, each with a node
 * of a nats-server cluster (JetStream, every stream on 3 replicas) and a `docflow worker --stages
 * extract,split,embed`, talking over a bridge; this namespace is the application host with PostgreSQL,
 * Chroma and the load, index and knowledge workers. Workers of a stage on different hosts share its
 * durable consumer, so each host takes a share of the work. Mid-run one host's nats-server is killed
 * (its worker fails over to the other nodes) and another host's worker is SIGKILLed (and started
 * again, as systemd would): every document still ends indexed exactly once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { streamName } from '../../src/config/load.js';
import { StatusReply, StatusRequest, TuneReply, TuneRequest } from '../../src/messages/index.js';
import { ChaosCluster, report, scale } from '../chaos/cluster.js';
import { chaosCorpus } from '../chaos/corpus.js';
import { NatsClusterLab, NetLab } from './netns.js';

const HOSTS = 3;
const METRICS_PORT = 9464; // each host has its own network stack: the same port on every one
const REPLICATED = ['INGEST', 'RESULTS', 'PIPELINE', 'DLQ'];

/** `docflow_stage_processed_total{stage}` from a host's /metrics. */
async function processedOn(addr: string, stage: string): Promise<number> {
  const text = await (await fetch(`http://${addr}:${METRICS_PORT}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`docflow_stage_processed_total{stage="${stage}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('scale-out across hosts: network namespaces, a three-node NATS cluster (R3), workers on each host', function () {
  this.timeout(1_800_000);
  let dir: string;
  let lab: NetLab | undefined;
  let nats: NatsClusterLab | undefined;
  let cluster: ChaosCluster | undefined;

  before(async function () {
    this.timeout(240_000);
    dir = mkdtempSync(join(tmpdir(), 'docflow-scale-'));
    lab = NetLab.create(HOSTS);
    nats = await NatsClusterLab.start(lab, dir);
    const l = lab;
    const n = nats;
    cluster = await ChaosCluster.start({
      nats: { servers: n.urls(), user: n.user, password: n.password },
      config: { streams: Object.fromEntries(REPLICATED.map((s) => [s, { replicas: 3 }])) },
      workers: { extract: 0, split: 0, embed: 0 },
      hosts: Array.from({ length: HOSTS }, (_, i) => ({
        name: `host-${i}`, stages: ['extract', 'split', 'embed'], wrap: l.exec(i),
        // Its own node first; the metrics listen on the host's address so that the test can read them.
        config: { nats: { servers: n.urls(i) }, metrics: { enabled: true, host: l.addr(i), port: METRICS_PORT, dashboard: false } },
      })),
    });
  });

  after(async function () {
    this.timeout(120_000);
    await cluster?.[Symbol.asyncDispose]();
    await nats?.[Symbol.asyncDispose]();
    await lab?.[Symbol.asyncDispose]();
    if (process.env.DOCFLOW_CHAOS_KEEP) process.stderr.write(`      scale: kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it('every stream is on three replicas, one per host', async () => {
    for (const key of REPLICATED) {
      const info = await cluster!.client.jsm.streams.info(streamName(cluster!.config, key));
      assert.equal(info.config.num_replicas, 3, `${key} replicas`);
      const peers = [info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)].sort();
      assert.deepEqual(peers, ['n0', 'n1', 'n2'], `${key} is placed on every node`);
    }
  });

  it('docflow.status and docflow.control.tune answer for every process of the deployment, across the hosts', async () => {
    const t = cluster!.client;
    const s = await t.request(t.subject('status'), StatusRequest, {}, StatusReply);
    assert.equal(s.nodes?.length, cluster!.workers.length, `one entry per process: ${s.nodes?.map((n) => `${n.node.host}:${n.node.pid}`).join(', ')}`);
    const embed = s.stages.filter((st) => st.name === 'embed');
    assert.equal(new Set(embed.map((st) => st.node)).size, HOSTS, 'embed runs once on each host');
    // an empty change: every process that runs embed answers with the settings in force there
    const tuned = await t.request(t.subject('control.tune'), TuneRequest, { stage: 'embed', settings: {} }, TuneReply);
    assert.equal(tuned.nodes?.length, HOSTS);
  });

  it('the hosts share the work; a node and a worker killed mid-run lose nothing and duplicate nothing', async () => {
    const c = cluster!;
    const n = scale(300, 5_000);
    const docs = chaosCorpus('scale', n, c.dir);
    const ids = docs.map((d) => d.id);
    const started = Date.now();
    // Half the documents first; once every host has embedded some, the faults; then the other half,
    // which the surviving and restarted workers must share.
    const half = Math.floor(n / 2);
    await c.publish(docs.slice(0, half));
    let shares: number[] = [];
    const deadline = Date.now() + 120_000;
    while (!(shares.length === HOSTS && shares.every((x) => x > 0))) {
      assert.ok(Date.now() < deadline, `not every host took a share of the embed stage within 120 s: ${shares.join(', ')}`);
      await sleep(250);
      shares = await Promise.all(Array.from({ length: HOSTS }, (_, i) => processedOn(lab!.addr(i), 'embed')));
    }
    nats!.kill(2); // host 2's nats-server dies; its worker carries on through nodes 0 and 1
    c.workersOf('host-1')[0]!.signal('SIGKILL'); // host 1's worker dies; its unacked messages come back after the ack wait
    const faults = 2;
    await c.publish(docs.slice(half));
    await c.runUntilDone(ids, { label: 'scale', timeoutMs: Math.max(300_000, n * 200) });
    const v = await c.verify(ids);
    report({ test: `3 hosts (netns), NATS cluster R3: a node and a worker killed mid-run`, documents: n, faults, redeliveries: v.redeliveries, duplicates: v.duplicates, lost: v.lost.length, seconds: (Date.now() - started) / 1000 });
    const host2After = await processedOn(lab!.addr(2), 'embed');
    process.stderr.write(`      embed done per host before the faults: ${shares.join(', ')}; host 2 at the end: ${host2After}\n`);
    assert.deepEqual(v.lost, [], 'lost documents');
    assert.equal(v.duplicates, 0, 'duplicate terminal results or chunks');
    assert.ok(c.workersOf('host-1')[0]!.starts >= 2, 'the killed worker was started again');
    assert.ok(host2After > shares[2]!, 'host 2 kept working through the other nodes after its own node died');
  });
});
