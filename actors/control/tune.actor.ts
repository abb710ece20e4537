import { Value } from '@sinclair/typebox/value';
import { Type } from '@sinclair/typebox';
import { PoolSettingsSchema, StageSettingsSchema } from '../../config/schema.js';
import type { Actor } from '../../src/actor/types.js';
import { DocflowError } from '../../src/errors/index.js';
import type { NodeIdentityMessage, TuneReplyMessage, TuneRequestMessage } from '../../src/messages/index.js';
import type { NodeAnswer } from '../status/status.actor.js';

/** The stages this process runs, as the tune actor sees them. */
export interface TunableStages {
  names(): string[];
  /** Apply a validated patch; returns the settings now in force. */
  tune(stage: string, patch: Record<string, number>): Record<string, number>;
}

// What can change at run time: the stage's settings, the threads of its worker pool, and the batching of a stage that batches.
const Batching = Type.Object({
  batchSize: Type.Integer({ minimum: 1, maximum: 10_000 }),
  batchWaitMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
});
const Patch = Type.Partial(Type.Composite([StageSettingsSchema, Type.Pick(PoolSettingsSchema, ['threads']), Batching], { additionalProperties: false }));

/**
 * Answers `docflow.control.tune`: validates the settings against the stage settings schema (same
 * ranges as the config file) and applies them to the running stage, without a restart.
 */
export function createTuneActor(stages: TunableStages, node?: NodeIdentityMessage): Actor<TuneRequestMessage, TuneReplyMessage> {
  return {
    name: 'tune',
    handle(req) {
      if (!stages.names().includes(req.stage)) {
        throw new DocflowError('ERR_STAGE_UNKNOWN', `no stage "${req.stage}" runs here (running: ${stages.names().join(', ') || 'none'})`, { details: { running: stages.names() } });
      }
      const problems = [...Value.Errors(Patch, req.settings)].map((e) => `${e.path.slice(1) || '(settings)'}: ${e.message}`);
      if (problems.length > 0) throw new DocflowError('ERR_TUNE_INVALID', `cannot tune ${req.stage}: ${problems.join('; ')}`, { details: problems });
      return { stage: req.stage, settings: stages.tune(req.stage, req.settings as Record<string, number>), ...(node ? { node } : {}) };
    },
  };
}

/**
 * Answers `docflow.control.tune` for the whole deployment: every process that runs the stage takes the
 * change (`gather` asks them all, on a subject each answers), as a stage's workers share its consumer.
 * The reply has the settings now in force here (or in the first process that runs the stage) and, in
 * `nodes`, in each. Settings that are invalid are refused by every process alike (ERR_TUNE_INVALID);
 * a stage no process runs is ERR_STAGE_UNKNOWN with the stages that do run. When asking fails or no
 * process answers (the others may not be allowed to, say), this process alone.
 */
export function createDeploymentTuneActor(opts: {
  own: Actor<TuneRequestMessage, TuneReplyMessage>;
  gather(req: TuneRequestMessage): Promise<Array<NodeAnswer<TuneReplyMessage>>>;
  node: NodeIdentityMessage;
}): Actor<TuneRequestMessage, TuneReplyMessage> {
  return {
    name: 'tune',
    async handle(req, ctx) {
      let answers: Array<NodeAnswer<TuneReplyMessage>>;
      try {
        answers = await opts.gather(req);
      } catch (err) {
        ctx.log.warn({ err }, 'could not ask the other processes to tune: tuning this one');
        answers = [];
      }
      if (answers.length === 0) return opts.own.handle(req, ctx);
      const applied = answers.flatMap((a) => (a.ok && a.reply.node ? [{ node: a.reply.node, settings: a.reply.settings }] : []));
      if (applied.length > 0) {
        const here = applied.find((a) => a.node.id === opts.node.id) ?? applied[0]!;
        return { stage: req.stage, settings: here.settings, node: here.node, nodes: applied };
      }
      const errors = answers.flatMap((a) => (a.ok ? [] : [a.error]));
      const other = errors.find((e) => e.code !== 'ERR_STAGE_UNKNOWN');
      if (other) throw other;
      const running = [...new Set(errors.flatMap((e) => runningOf(e.details)))].sort();
      throw new DocflowError('ERR_STAGE_UNKNOWN', `no process of this deployment runs stage "${req.stage}" (running: ${running.join(', ') || 'none'}; ${answers.length} process(es) answered)`, { details: { running } });
    },
  };
}

function runningOf(details: unknown): string[] {
  const running = (details as { running?: unknown } | undefined)?.running;
  return Array.isArray(running) ? running.filter((x): x is string => typeof x === 'string') : [];
}
