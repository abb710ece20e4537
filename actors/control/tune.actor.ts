import { Value } from '@sinclair/typebox/value';
import { Type } from '@sinclair/typebox';
import { PoolSettingsSchema, StageSettingsSchema } from '../../config/schema.js';
import type { Actor } from '../../src/actor/types.js';
import { DocflowError } from '../../src/errors/index.js';
import type { TuneReplyMessage, TuneRequestMessage } from '../../src/messages/index.js';

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
export function createTuneActor(stages: TunableStages): Actor<TuneRequestMessage, TuneReplyMessage> {
  return {
    name: 'tune',
    handle(req) {
      if (!stages.names().includes(req.stage)) {
        throw new DocflowError('ERR_STAGE_UNKNOWN', `no stage "${req.stage}" runs here (running: ${stages.names().join(', ') || 'none'})`);
      }
      const problems = [...Value.Errors(Patch, req.settings)].map((e) => `${e.path.slice(1) || '(settings)'}: ${e.message}`);
      if (problems.length > 0) throw new DocflowError('ERR_TUNE_INVALID', `cannot tune ${req.stage}: ${problems.join('; ')}`, { details: problems });
      return { stage: req.stage, settings: stages.tune(req.stage, req.settings as Record<string, number>) };
    },
  };
}
