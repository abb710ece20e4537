import { nanos } from '@nats-io/transport-node';
import {
  AckPolicy, DeliverPolicy, DiscardPolicy, JetStreamApiError,
  type JetStreamManager, type StreamConfig as JsStreamConfig, type ConsumerConfig as JsConsumerConfig,
} from '@nats-io/jetstream';
import type { Config } from '../config/load.js';
import { streamName, subject } from '../config/load.js';
import { TransportError } from '../errors/index.js';

/** What ensureTopology did, for logs and tests. */
export interface TopologyReport { created: string[]; updated: string[]; unchanged: string[] }

type TopologyConfig = Pick<Config, 'subjectPrefix' | 'streams' | 'consumers'>;

/** The JetStream stream config that a configured stream becomes. */
export function toStreamConfig(cfg: TopologyConfig, key: string): Partial<JsStreamConfig> & { name: string } {
  const s = cfg.streams[key];
  if (!s) throw new TransportError('ERR_TRANSPORT_TOPOLOGY', `no stream "${key}" in the config`);
  return {
    name: streamName(cfg, key),
    subjects: s.subjects.map((rel) => subject(cfg, rel)),
    retention: s.retention,
    storage: s.storage,
    num_replicas: s.replicas,
    max_age: nanos(s.maxAgeMs),
    max_bytes: s.maxBytes,
    // JetStream refuses a duplicate window longer than the stream's max age.
    duplicate_window: nanos(s.maxAgeMs > 0 ? Math.min(s.duplicateWindowMs, s.maxAgeMs) : s.duplicateWindowMs),
    discard: DiscardPolicy.Old,
  };
}

/** The durable pull consumer config that a configured consumer becomes (durable name = config key). */
export function toConsumerConfig(cfg: TopologyConfig, key: string): Partial<JsConsumerConfig> & { durable_name: string } {
  const c = cfg.consumers[key];
  if (!c) throw new TransportError('ERR_TRANSPORT_TOPOLOGY', `no consumer "${key}" in the config`);
  return {
    durable_name: key,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subject(cfg, c.filterSubject),
    ack_wait: nanos(c.ackWaitMs),
    // Unlimited here: the stage runner enforces maxDeliver itself (see StageRunner#deadLetterCrashed).
    max_deliver: -1,
    max_ack_pending: c.maxAckPending,
  };
}

/**
 * Create or update every configured stream, then every consumer. Idempotent: running it again with
 * the same config changes nothing; a changed config updates in place where JetStream allows it.
 */
export async function ensureTopology(jsm: JetStreamManager, cfg: TopologyConfig): Promise<TopologyReport> {
  const report: TopologyReport = { created: [], updated: [], unchanged: [] };
  for (const key of Object.keys(cfg.streams)) {
    const want = toStreamConfig(cfg, key);
    await upsert(report, `stream ${want.name}`, async () => {
      const have = await jsm.streams.info(want.name).catch(notFound);
      if (!have) {
        await jsm.streams.add(want);
        return 'created';
      }
      if (sameFields(want, have.config)) return 'unchanged';
      await jsm.streams.update(want.name, want);
      return 'updated';
    });
  }
  for (const key of Object.keys(cfg.consumers)) {
    const c = cfg.consumers[key]!;
    const stream = streamName(cfg, c.stream);
    const want = toConsumerConfig(cfg, key);
    await upsert(report, `consumer ${stream}/${key}`, async () => {
      const have = await jsm.consumers.info(stream, key).catch(notFound);
      if (!have) {
        await jsm.consumers.add(stream, want);
        return 'created';
      }
      if (sameFields(want, have.config)) return 'unchanged';
      const { durable_name: _name, deliver_policy: _dp, ack_policy: _ap, ...mutable } = want;
      await jsm.consumers.update(stream, key, mutable);
      return 'updated';
    });
  }
  return report;
}

async function upsert(report: TopologyReport, what: string, fn: () => Promise<keyof TopologyReport>): Promise<void> {
  try {
    report[await fn()].push(what);
  } catch (cause) {
    if (cause instanceof TransportError) throw cause;
    throw new TransportError('ERR_TRANSPORT_TOPOLOGY', `cannot create or update ${what}: ${(cause as Error).message}. Some settings (retention, storage) cannot change on an existing stream: delete it or pick another subjectPrefix.`, { cause });
  }
}

function notFound(err: unknown): undefined {
  if (err instanceof JetStreamApiError && err.status === 404) return undefined;
  throw err;
}

/** True when every field we set has the same value on the server. */
function sameFields(want: object, have: object): boolean {
  const h = have as Record<string, unknown>;
  return Object.entries(want).every(([k, v]) => JSON.stringify(v) === JSON.stringify(h[k]));
}
