/**
 * When load ends a document `unchanged`: only on the first try of its ingest message. A message tried
 * before may have gone down the line already, and the indexed row it finds can be its own run's (its
 * ack lost in a NATS restart); `unchanged` would then replace that run's `indexed` (the two share a
 * de-duplication id), so load goes on and the output's id de-duplicates the repeat.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createLoadActor } from '../../actors/load/load.actor.js';
import type { ActorContext, ActorEvent } from '../../src/actor/types.js';
import { silentLogger } from '../../src/log.js';

const TEXT = 'Hedgehogs roll into a ball when they are frightened.';
const HASH = createHash('sha256').update(TEXT).digest('hex');

describe('load: unchanged only on a first try', () => {
  const actor = createLoadActor({
    roots: [], maxBytes: 1_000_000, defaultCollection: 'docs', model: 'hash-v1',
    lookup: async () => ({ contentHash: HASH, status: 'indexed', chunks: 1, embedModel: 'hash-v1', collection: 'docs', metadata: {} }),
  });
  const run = async (attempt: number, tries: number) => {
    const events: ActorEvent[] = [];
    const ctx: ActorContext = { signal: new AbortController().signal, log: silentLogger, attempt, tries, seq: 9, emit: (e) => { events.push(e); } };
    const out = await actor.handle({ id: 'hog', text: TEXT }, ctx);
    return { out: out.length, terminal: events.filter((e) => e['status'] === 'unchanged').length };
  };

  it('the first try of a message whose document is indexed with the same content ends unchanged', async () => {
    assert.deepEqual(await run(1, 1), { out: 0, terminal: 1 });
  });

  it('a redelivery, or a try after an outage, goes on down the line instead', async () => {
    assert.deepEqual(await run(2, 1), { out: 1, terminal: 0 });
    assert.deepEqual(await run(1, 2), { out: 1, terminal: 0 });
  });
});
