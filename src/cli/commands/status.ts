import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { DocflowError } from '../../errors/index.js';
import { wholeNumber } from '../args.js';
import { StatusReply, StatusRequest, type StatusReplyMessage } from '../../messages/index.js';
import { commandConfig, connectClient, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit.js';
import { bytes, duration, table } from '../format.js';

interface StatusOptions extends GlobalOptions {
  json?: boolean;
  waitMs?: string;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the stages, memory and streams of a running docflow, every process of it (asks docflow.status over NATS)')
    .option('--json', 'print the raw status reply as JSON')
    .option('--wait-ms <ms>', 'keep trying this long while docflow is not reachable yet', '0')
    .action(async (opts: StatusOptions, cmd: Command) => {
      const all = { ...cmd.optsWithGlobals<GlobalOptions>(), ...opts };
      const config = commandConfig(all);
      const reply = await fetchStatus(config, wholeNumber(all.waitMs ?? '0', 'wait-ms', 0, ' of milliseconds'));
      process.stdout.write(all.json ? `${JSON.stringify(reply, null, 2)}\n` : formatStatus(reply));
      process.exitCode = EXIT.OK;
    });
}

async function fetchStatus(config: ReturnType<typeof commandConfig>, waitMs: number): Promise<StatusReplyMessage> {
  const deadline = Date.now() + (Number.isFinite(waitMs) ? waitMs : 0);
  for (;;) {
    try {
      const t = await connectClient(config);
      try {
        return await t.request(t.subject('status'), StatusRequest, {}, StatusReply);
      } finally {
        await t.close();
      }
    } catch (err) {
      const retry = err instanceof DocflowError && err.retryable && Date.now() < deadline;
      if (!retry) throw err;
      await sleep(200);
    }
  }
}

/** The status reply as a person reads it. */
export function formatStatus(s: StatusReplyMessage): string {
  const lines = [`docflow ${s.version}, up ${duration(s.uptimeMs)}`];
  if (s.nats) lines.push(`nats: ${s.nats.server}${s.nats.jetstream ? ' (JetStream)' : ''}`);
  lines.push(`memory: ${s.memory.level}, rss ${bytes(s.memory.rssBytes)}, heap ${bytes(s.memory.heapUsedBytes)}`);
  // A deployment of several processes (docflow up and docflow worker): each process, then every stage with its process.
  const many = (s.nodes?.length ?? 0) > 1;
  if (many) {
    lines.push(`processes: ${s.nodes!.length} (the first answered)`);
    lines.push(table([['process', 'version', 'up', 'memory', 'rss', 'stages'],
      ...s.nodes!.map((n) => [`${n.node.host}:${n.node.pid}`, n.version, duration(n.uptimeMs), n.memory.level, bytes(n.memory.rssBytes), n.stages.map((st) => st.name).join(',') || '-'])]));
  }
  if (s.stages.length === 0) lines.push('stages: none running');
  else {
    lines.push('stages:');
    const row = (st: StatusReplyMessage['stages'][number]) => [st.name, st.state, String(st.restarts), String(st.inFlight), String(st.pending), String(st.processed), String(st.failed), st.rate.toFixed(1)];
    lines.push(many
      ? table([['stage', 'process', 'state', 'restarts', 'in flight', 'pending', 'processed', 'failed', 'rate/s'], ...s.stages.map((st) => { const r = row(st); return [r[0]!, st.node ?? '', ...r.slice(1)]; })])
      : table([['stage', 'state', 'restarts', 'in flight', 'pending', 'processed', 'failed', 'rate/s'], ...s.stages.map(row)]));
  }
  const extra = s as StatusReplyMessage & { pools?: Array<{ name: string; threads: number; queued: number; running: number; completed: number; failed: number; utilization: number }>; batching?: Array<{ stage: string; batchSize: number; batchWaitMs: number; batches?: number; meanBatchSize?: number }>; postgres?: { total: number; idle: number; waiting: number } };
  if (extra.pools?.length) {
    lines.push(many ? 'worker pools of the first process:' : 'worker pools:');
    lines.push(table([['pool', 'threads', 'running', 'queued', 'completed', 'failed', 'busy'],
      ...extra.pools.map((p) => [p.name, String(p.threads), String(p.running), String(p.queued), String(p.completed), String(p.failed), `${Math.round(p.utilization * 100)}%`])]));
  }
  for (const b of extra.batching ?? []) {
    lines.push(`batching ${b.stage}: up to ${b.batchSize} items or ${b.batchWaitMs} ms${b.batches !== undefined ? `; ${b.batches} batches, mean size ${(b.meanBatchSize ?? 0).toFixed(1)}` : ''}`);
  }
  if (s.cache) lines.push(`cache: ${Object.entries(s.cache).map(([level, c]) => `${level} ${c.hits} hits / ${c.misses} misses`).join(', ')}`);
  if (extra.postgres) lines.push(`postgres pool: ${extra.postgres.total} connections, ${extra.postgres.idle} idle, ${extra.postgres.waiting} waiting`);
  if (s.streams?.length) {
    lines.push('streams:');
    lines.push(table(s.streams.map((st) => [st.name, `${st.messages} messages`, bytes(st.bytes)])));
  }
  return `${lines.join('\n')}\n`;
}
